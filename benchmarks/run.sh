#!/usr/bin/env bash
# Builds the benchmark captures (outside the repository) and a release build, then runs the
# benchmarks. Figures go into benchmarks/RESULTS.md by hand, with this command.
#   benchmarks/run.sh [benchmark-name-filter]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh --peers
captures=${PKTDYN_BENCH_CAPTURES:-/tmp/pktdyn-bench}
export PKTDYN_BENCH_CAPTURES=$captures
[ -s "$captures/big.pcap" ] || ../shared/bench/make-captures.sh "$captures"
cmake --preset release -DPKTDYN_BUILD_BENCHMARKS=ON >/dev/null  # setup.sh may have turned them off
cmake --build --preset release >/dev/null
cat "$captures"/*.pcap > /dev/null   # warm the page cache
# The models benchmark's data and XGBoost's figures, timed in this same run (python3-xgboost).
export PKTDYN_BENCH_MODELS=$captures/models
/usr/bin/python3 benchmarks/xgboost_peer.py --dir "$PKTDYN_BENCH_MODELS"
for b in build/release/benchmarks/bench_*; do
  "$b" --benchmark_filter="${1:-.}" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
done
