#!/usr/bin/env bash
# The flow meter's output over the whole corpus, byte for byte: every format and feature set must
# hash to tests/corpus/flowmeter_digests.tsv (recorded before the pipeline refactoring, issue #14).
#   flowmeter_digests_test.sh FLOWMETER [OPTIONS...]   (e.g. --threads 3)
# A change that alters the output on purpose records new digests, and says why in its commit:
#   scripts/flowmeter_digests.sh build/dev/examples/pktdyn-flowmeter > tests/corpus/flowmeter_digests.tsv
set -euo pipefail
here=$(dirname "$0")
corpus=${PKTDYN_CORPUS:-$here/../../../shared/corpus}
if [ ! -d "$corpus/pcap" ]; then
  echo "no corpus at $corpus: set PKTDYN_CORPUS (skipped)"
  exit 77
fi
export PKTDYN_CORPUS=$corpus
if ! diff -u "$here/flowmeter_digests.tsv" <("$here/../../scripts/flowmeter_digests.sh" "$@"); then
  echo "the flow meter's output changed (options: ${*:2}); if on purpose, record the new digests:"
  echo "  scripts/flowmeter_digests.sh build/dev/examples/pktdyn-flowmeter > tests/corpus/flowmeter_digests.tsv"
  exit 1
fi
echo "the flow meter's output equals the recorded digests (options: ${*:2})"
