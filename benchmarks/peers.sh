#!/usr/bin/env bash
# Whole programs on a benchmark capture, in one run: pktdyn-flowmeter against the flow tools people
# run instead (argus, nDPI's ndpiReader, tshark's conversation statistics). Each program runs
# `runs` times after a warm-up read of the capture; the table gives the median wall time, packets/s
# and peak resident memory (GNU time), and each peer's time as a multiple of pktdyn's.
#   benchmarks/peers.sh [capture name, default big.pcap] [runs, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh --peers
captures=${PKTDYN_BENCH_CAPTURES:-/tmp/pktdyn-bench}
[ -s "$captures/big.pcap" ] || ../shared/bench/make-captures.sh "$captures"
capture=$captures/${1:-big.pcap}
runs=${2:-3}
cmake --preset release -DPKTDYN_BUILD_BENCHMARKS=ON >/dev/null
cmake --build --preset release --target pktdyn-flowmeter >/dev/null
flowmeter=build/release/examples/pktdyn-flowmeter
packets=$(capinfos -c -M "$capture" | awk '/Number of packets/ {print $NF}')
cat "$capture" > /dev/null   # warm the page cache

declare -A tools=(
  ["pktdyn-flowmeter --format none (flows + TCP tracker, no records)"]="$flowmeter --quiet --format none $capture"
  ["pktdyn-flowmeter (CSV, every field)"]="$flowmeter --quiet --output /dev/null $capture"
  ["argus 3.0.8 (-w /dev/null)"]="argus -r $capture -w /dev/null"
  ["ndpiReader 4.2 (-q)"]="ndpiReader -q -i $capture"
  ["tshark 4.0 -z conv,tcp -z conv,udp"]="tshark -q -n -r $capture -z conv,tcp -z conv,udp"
)
order=("pktdyn-flowmeter --format none (flows + TCP tracker, no records)" "pktdyn-flowmeter (CSV, every field)"
       "argus 3.0.8 (-w /dev/null)" "ndpiReader 4.2 (-q)"
       "tshark 4.0 -z conv,tcp -z conv,udp")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A wall peak
for name in "${order[@]}"; do
  : > /tmp/pktdyn-peers.times
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o /tmp/pktdyn-peers.time ${tools[$name]} > /dev/null 2>&1 || true
    cat /tmp/pktdyn-peers.time >> /tmp/pktdyn-peers.times
  done
  wall[$name]=$(awk '{print $1}' /tmp/pktdyn-peers.times | median)
  peak[$name]=$(awk '{print $2}' /tmp/pktdyn-peers.times | median)
done

echo "capture: $capture ($packets packets), median of $runs runs, $(date -u +%F)"
echo "| program | wall s | M packets/s | peak MiB | time vs pktdyn |"
echo "|---|---:|---:|---:|---:|"
base=${wall[${order[0]}]}
for name in "${order[@]}"; do
  awk -v n="$name" -v w="${wall[$name]}" -v m="${peak[$name]}" -v p="$packets" -v b="$base" \
    'BEGIN {printf "| %s | %.2f | %.2f | %.0f | %.1f× |\n", n, w, p / w / 1e6, m / 1024, w / b}'
done
