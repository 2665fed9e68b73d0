#!/usr/bin/env bash
# Runs one libFuzzer target (built by the `clang` preset) for a while.
#   tests/fuzz/run.sh TARGET [SECONDS]      e.g. tests/fuzz/run.sh pcapng_reader 600
# Seeds: tests/fuzz/corpus/TARGET (and the dictionary tests/fuzz/TARGET.dict when there is one) plus, when present, the shared corpus's captures (read-only; never
# copied into the project). New inputs go to a scratch directory outside the repository; crashes
# are written to tests/fuzz/corpus/TARGET/ (minimise them with -minimize_crash=1 before committing),
# where ctest's "fuzz replay" tests replay them on every run.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=$1 seconds=${2:-300}
bin=build/clang/tests/fuzz/fuzz_$target
[ -x "$bin" ] || { cmake --preset clang >/dev/null && cmake --build --preset clang --target "fuzz_$target"; }
scratch=${PKTDYN_FUZZ_SCRATCH:-/tmp/pktdyn-fuzz}/$target
mkdir -p "$scratch/new" "$scratch/seeds"
corpus=${PKTDYN_CORPUS:-../shared/corpus}
if [ "$target" = decoder ] && [ -d "$corpus/pcap" ] && [ -z "$(ls -A "$scratch/seeds")" ]; then
  # Every 5th packet of the shared corpus, tagged with its link type (never copied into the project).
  [ -x build/clang/tests/fuzz/extract_seeds ] || cmake --build --preset clang --target extract_seeds
  build/clang/tests/fuzz/extract_seeds "$scratch/seeds" 5 "$corpus/pcap" >/dev/null
elif [[ "$target" =~ ^(tls|quic|ssh|dns)$ ]] && [ -d "$corpus/pcap" ] && [ -z "$(ls -A "$scratch/seeds")" ]; then
  # The corpus's payloads of that protocol, behind the target's option byte (never copied into the project).
  [ -x build/clang/tests/fuzz/extract_seeds ] || cmake --build --preset clang --target extract_seeds
  build/clang/tests/fuzz/extract_seeds --payloads "$target" "$scratch/seeds" "$corpus/pcap" >/dev/null
elif [ -d "$corpus/pcap" ] && [ -z "$(ls -A "$scratch/seeds")" ]; then
  # Link the corpus captures whose format matches the target (by magic), as extra seeds.
  find "$corpus/pcap" -type f | while read -r f; do
    magic=$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')
    case $target:$magic in
      pcapng_reader:0a0d0d0a|pcap_reader:d4c3b2a1|pcap_reader:a1b2c3d4|pcap_reader:4d3cb2a1|pcap_reader:a1b23c4d)
        ln -sf "$(realpath "$f")" "$scratch/seeds/$(echo "$f" | tr '/' '_')" ;;
    esac
  done
fi
dict=()
[ -f "tests/fuzz/$target.dict" ] && dict=(-dict="tests/fuzz/$target.dict")
"$bin" -max_total_time="$seconds" -max_len=${PKTDYN_FUZZ_MAX_LEN:-16384} -print_final_stats=1 -artifact_prefix="tests/fuzz/corpus/$target/crash-" "${dict[@]}" \
  "$scratch/new" "tests/fuzz/corpus/$target" "$scratch/seeds"
