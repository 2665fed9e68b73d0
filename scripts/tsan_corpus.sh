#!/usr/bin/env bash
# The sharded flow meter under ThreadSanitizer over the whole corpus: builds pktdyn-flowmeter with
# -fsanitize=thread, runs it with 2, 3 and 8 threads (CSV, JSON lines, and a small table with short
# timeouts so flows are evicted and split), and fails on any report or when the output differs from
# one thread's. About 2 minutes on 2 cores.
#   scripts/tsan_corpus.sh [BUILD_DIR]      (default /tmp/pktdyn-tsan; corpus: PKTDYN_CORPUS)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/pktdyn-tsan}
corpus=${PKTDYN_CORPUS:-$root/../shared/corpus}
mkdir -p "$out"
g++ -std=c++20 -O1 -g -fsanitize=thread -I"$root/include" "$root/examples/flow_meter.cpp" -o "$out/pktdyn-flowmeter" \
    $(pkg-config --cflags --libs libpcap) -lfmt -lcrypto -pthread
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
status=0
for args in "--features standard --format csv" "--features nfstream --format jsonl" \
            "--features standard --format csv --capacity 256 --idle 5 --linger 0.5"; do
  # shellcheck disable=SC2086
  want=$( { "$out/pktdyn-flowmeter" --quiet --threads 1 $args "$corpus/pcap" 2>/dev/null || true; } | sha256sum)
  for threads in 2 3 8; do
    set +e
    # shellcheck disable=SC2086
    got=$("$out/pktdyn-flowmeter" --quiet --threads $threads $args "$corpus/pcap" 2>"$out/stderr.txt" | sha256sum)
    code=${PIPESTATUS[0]}
    set -e
    reports=$(grep -c "WARNING: ThreadSanitizer" "$out/stderr.txt" || true)
    echo "threads $threads $args: exit $code, $reports ThreadSanitizer reports, output $([ "$got" = "$want" ] && echo same || echo DIFFERENT)"
    if [ "$code" = 66 ] || [ "$reports" != 0 ] || [ "$got" != "$want" ]; then status=1; cat "$out/stderr.txt"; fi
  done
done
exit $status
