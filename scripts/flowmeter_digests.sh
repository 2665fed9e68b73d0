#!/usr/bin/env bash
# SHA-256 digests of pktdyn-flowmeter's output over the whole corpus, read as one time-ordered
# stream, for every output format and feature set: a refactoring must reproduce them byte for byte.
#   scripts/flowmeter_digests.sh FLOWMETER [EXTRA OPTIONS...] > digests.tsv
# Columns: format, features, sha256 of the records (for npy: of NAME.npy, NAME.columns.txt and
# NAME.rows.txt together), exit code. The corpus is PKTDYN_CORPUS (default ../shared/corpus).
set -euo pipefail
flowmeter=$1
shift
corpus=${PKTDYN_CORPUS:-$(dirname "$0")/../../shared/corpus}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for features in none standard cicflowmeter nfstream; do
  for format in csv jsonl npy; do
    [ "$format" = npy ] && [ "$features" = none ] && continue  # npy holds feature columns only
    set +e
    if [ "$format" = npy ]; then
      "$flowmeter" --quiet --format npy --features "$features" --output "$scratch/out.npy" "$@" "$corpus/pcap" 2>/dev/null
      code=$?
      digest=$(cat "$scratch/out.npy" "$scratch/out.columns.txt" "$scratch/out.rows.txt" | sha256sum | cut -d' ' -f1)
    else
      digest=$("$flowmeter" --quiet --format "$format" --features "$features" "$@" "$corpus/pcap" 2>/dev/null | sha256sum | cut -d' ' -f1)
      code=${PIPESTATUS[0]}
    fi
    set -e
    printf '%s\t%s\t%s\t%s\n' "$format" "$features" "$digest" "$code"
  done
done
