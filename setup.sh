#!/usr/bin/env bash
# pktdyn in two commands (Debian 12, as root or with sudo):
#   ./setup.sh         install what is missing, build, and run the flow meter on the capture pktdyn ships
#   ./setup.sh test    install what is missing, build, and run the whole test suite
#                      (unit, corpus against tshark, package, fuzz replay, live attacks by real tools;
#                      then again under ASan+UBSan)
# Set PKTDYN_CORPUS to the shared corpus if it is not at ../shared/corpus; without it the corpus
# tests are skipped with a message.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup-deps.sh

case "${1:-example}" in
  example)
    cmake --preset release -DPKTDYN_BUILD_TESTS=OFF -DPKTDYN_BUILD_BENCHMARKS=OFF >/dev/null
    cmake --build --preset release --target pktdyn-flowmeter | grep -v '^\[' || true
    ./build/release/examples/pktdyn-flowmeter data/captures/rtt20-mixed.pcapng
    ;;
  test)
    cmake --preset dev >/dev/null
    cmake --build --preset dev
    ctest --preset dev
    # The same tests under AddressSanitizer + UndefinedBehaviorSanitizer (the package tests build
    # consumers with the plain compiler, and the live attacks take minutes of real tools: they run
    # once, above).
    cmake --preset asan >/dev/null
    cmake --build --preset asan
    ctest --preset asan -LE "package|live"
    ;;
  *)
    echo "usage: ./setup.sh [example|test]" >&2
    exit 2
    ;;
esac
