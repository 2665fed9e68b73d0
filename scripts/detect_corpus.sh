#!/usr/bin/env bash
# pktdyn-detect on every capture of the shared corpus, one capture at a time (defaults: a day of
# learning), for docs/detect.md's false-positive review: one JSON-lines file per capture under OUT,
# then the alerts counted by detector and severity, and every alert above severity 50 listed.
#   scripts/detect_corpus.sh [OUT, default /tmp/pktdyn-detect-corpus]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${PKTDYN_CORPUS:-../shared/corpus}
out=${1:-/tmp/pktdyn-detect-corpus}
cmake --preset release >/dev/null
cmake --build --preset release --target pktdyn-detect >/dev/null
detect=$PWD/build/release/examples/pktdyn-detect
mkdir -p "$out"
(cd "$corpus/pcap" && find . -type f | sort) | while read -r f; do
  timeout 300 "$detect" --format jsonl --quiet --threads 1 "$corpus/pcap/$f" > "$out/$(echo "${f#./}" | tr / _).jsonl" 2>/dev/null || true
done
/usr/bin/python3 - "$out" <<'PY'
import collections, json, pathlib, sys
counts, high = collections.Counter(), []
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.jsonl")):
    for line in f.read_text().splitlines():
        a = json.loads(line)
        counts[(a["detector"], "above 50" if a["severity"] > 50 else "50 or less")] += 1
        if a["severity"] > 50:
            high.append(f"{f.stem}: [{a['severity']}] {a['sentence'][:160]}")
for (d, band), n in sorted(counts.items()):
    print(f"{n:6}  {d}  ({band})")
print("\nabove severity 50:")
print("\n".join(high) or "none")
PY
