#!/usr/bin/env bash
# The flow meter's output over the whole corpus is the same bytes for 1, 2, 3 and 8 threads, here
# with a table so small that flows are evicted and timeouts so short that flows split:
#   flowmeter_threads_test.sh FLOWMETER [OPTIONS...]
set -euo pipefail
here=$(dirname "$0")
corpus=${PKTDYN_CORPUS:-$here/../../../shared/corpus}
if [ ! -d "$corpus/pcap" ]; then
  echo "no corpus at $corpus: set PKTDYN_CORPUS (skipped)"
  exit 77
fi
flowmeter=$1
shift
reference=""
for threads in 1 2 3 8; do
  # Exit code 3 is expected: one corpus file is damaged.
  digest=$( { "$flowmeter" --quiet --features standard --format jsonl --threads "$threads" "$@" "$corpus/pcap" 2>/dev/null || [ $? -eq 3 ]; } | sha256sum)
  [ -z "$reference" ] && reference=$digest
  if [ "$digest" != "$reference" ]; then
    echo "--threads $threads gives other bytes than --threads 1 (options: $*)"
    exit 1
  fi
done
echo "1, 2, 3 and 8 threads give the same bytes (options: $*)"
