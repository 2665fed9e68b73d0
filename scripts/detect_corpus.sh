#!/usr/bin/env bash
# pktdyn-detect on every capture of the shared corpus, one capture at a time (defaults: a day of
# learning), for docs/detect.md's false-positive review: one JSON-lines file per capture under OUT,
# then the alerts counted by detector and severity, every alert above severity 50 listed, and the
# alerts per host-hour of the benign captures (all but those labels/capture_labels.csv calls attack
# or malware; a host-hour is an hour in which a host of our networks originated a flow).
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
  name=$(echo "${f#./}" | tr / _)
  timeout 300 "$detect" --format jsonl --threads 1 "$corpus/pcap/$f" > "$out/$name.jsonl" 2> "$out/$name.summary" || true
done
/usr/bin/python3 - "$out" "$corpus/labels/capture_labels.csv" <<'PY'
import collections, csv, json, pathlib, re, sys
out = pathlib.Path(sys.argv[1])
hostile = {r["pcap"].replace("/", "_") for r in csv.DictReader(open(sys.argv[2])) if r["label"].split(":")[0] in ("attack", "malware")}
counts, high = collections.Counter(), []
benign_alerts = benign_hours = benign_captures = 0
for f in sorted(out.glob("*.jsonl")):
    alerts = [json.loads(line) for line in f.read_text().splitlines()]
    for a in alerts:
        counts[(a["detector"], "above 50" if a["severity"] > 50 else "50 or less")] += 1
        if a["severity"] > 50:
            high.append(f"{f.stem}: [{a['severity']}] {a['sentence'][:160]}")
    summary = (out / (f.stem + ".summary")).read_text() if (out / (f.stem + ".summary")).exists() else ""
    hours = re.search(r"(\d+) host-hours", summary)
    if f.stem not in hostile and hours:
        benign_captures += 1
        benign_alerts += len(alerts)
        benign_hours += int(hours.group(1))
for (d, band), n in sorted(counts.items()):
    print(f"{n:6}  {d}  ({band})")
print("\nabove severity 50:")
print("\n".join(high) or "none")
rate = benign_alerts / benign_hours if benign_hours else float("nan")
print(f"\nbenign captures: {benign_captures}, {benign_alerts} alerts in {benign_hours} host-hours: {rate:.3f} alerts per host-hour")
PY
