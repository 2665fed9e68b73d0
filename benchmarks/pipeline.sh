#!/usr/bin/env bash
# Issue #14's figures: the whole flow-meter path on a benchmark capture, as a user runs it, against
# ndpiReader in the same run; each variant `runs` times (median wall time, peak resident memory from
# GNU time); then the output's SHA-256 for 1, 2, 3 and 8 threads (they must be equal).
#   benchmarks/pipeline.sh [capture name, default big.pcap] [runs, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
captures=${PKTDYN_BENCH_CAPTURES:-/tmp/pktdyn-bench}
[ -s "$captures/big.pcap" ] || ../shared/bench/make-captures.sh "$captures"
capture=$captures/${1:-big.pcap}
runs=${2:-3}
cmake --preset release >/dev/null
cmake --build --preset release --target pktdyn-flowmeter >/dev/null
fm="build/release/examples/pktdyn-flowmeter --quiet"
cat "$capture" > /dev/null   # warm the page cache
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

names=(
  "ndpiReader 4.2 -q (peer)"
  "flows + TCP tracker (--handshakes off --format none), 1 thread"
  "+ handshake metadata (--format none), 1 thread"
  "+ standard features (--features standard --format none), 1 thread"
  "whole path: + every column as CSV, 1 thread"
  "whole path, 2 threads"
  "whole path, 4 threads (more shards than cores)"
  "whole path as JSON lines, 2 threads"
  "whole path as .npy (streamed), 1 thread"
)
commands=(
  "ndpiReader -q -i $capture"
  "$fm --threads 1 --handshakes off --format none $capture"
  "$fm --threads 1 --format none $capture"
  "$fm --threads 1 --features standard --format none $capture"
  "$fm --threads 1 --features standard --output /dev/null $capture"
  "$fm --threads 2 --features standard --output /dev/null $capture"
  "$fm --threads 4 --features standard --output /dev/null $capture"
  "$fm --threads 2 --features standard --format jsonl --output /dev/null $capture"
  "$fm --threads 1 --features standard --format npy --output $scratch/big.npy $capture"
)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "capture: $capture, median of $runs runs, $(date -u +%F), $(nproc) cores"
echo "| run | wall s | peak MiB | vs ndpiReader |"
echo "|---|---:|---:|---:|"
peer=""
for i in "${!names[@]}"; do
  : > "$scratch/times"
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$scratch/time" ${commands[$i]} > /dev/null 2>&1 || true
    cat "$scratch/time" >> "$scratch/times"
  done
  wall=$(awk '{print $1}' "$scratch/times" | median)
  peak=$(awk '{print $2}' "$scratch/times" | median)
  [ -z "$peer" ] && peer=$wall
  awk -v n="${names[$i]}" -v w="$wall" -v m="$peak" -v p="$peer" \
    'BEGIN {printf "| %s | %.2f | %.0f | %.2f× faster |\n", n, w, m / 1024, p / w}'
done
echo
echo "output of the whole path (CSV, every column) by thread count:"
for t in 1 2 3 8; do
  echo "  --threads $t: $($fm --threads $t --features standard "$capture" 2>/dev/null | sha256sum | cut -c1-16)"
done
