#!/usr/bin/env bash
# Builds a consumer project against pktdyn, the way a user would:
#   package_test.sh find_package   SOURCE_DIR WORK_DIR   (install pktdyn to a prefix, then find_package)
#   package_test.sh add_subdirectory SOURCE_DIR WORK_DIR (the consumer adds pktdyn's source tree)
set -euo pipefail
mode=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
case $mode in
  find_package)
    cmake -S "$src" -B "$work/pktdyn" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$work/prefix" \
          -DPKTDYN_BUILD_TESTS=OFF -DPKTDYN_BUILD_EXAMPLES=OFF -DPKTDYN_BUILD_BENCHMARKS=OFF -DPKTDYN_INSTALL=ON >/dev/null
    cmake --install "$work/pktdyn" >/dev/null
    test -f "$work/prefix/share/cmake/pktdyn/pktdynConfigVersion.cmake"
    cmake -S "$src/tests/package/find_package" -B "$work/consumer" "${gen[@]}" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
    ;;
  add_subdirectory)
    cmake -S "$src/tests/package/add_subdirectory" -B "$work/consumer" "${gen[@]}" -DPKTDYN_SOURCE_DIR="$src" >/dev/null
    ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
cmake --build "$work/consumer" -j2 >/dev/null
"$work/consumer/consumer"
