#!/usr/bin/env bash
# Builds a consumer project against pktdyn, the way a user would:
#   package_test.sh find_package   SOURCE_DIR WORK_DIR   (install pktdyn to a prefix, then find_package)
#   package_test.sh add_subdirectory SOURCE_DIR WORK_DIR (the consumer adds pktdyn's source tree)
set -euo pipefail
mode=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
log=$work/log.txt
trap 'status=$?; [ $status -eq 0 ] || { echo "--- failed; output:"; cat "$log"; }; exit $status' EXIT
gen=()
command -v ninja >>"$log" 2>&1 && gen=(-G Ninja)
case $mode in
  find_package)
    cmake -S "$src" -B "$work/pktdyn" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$work/prefix" \
          -DPKTDYN_BUILD_TESTS=OFF -DPKTDYN_BUILD_EXAMPLES=OFF -DPKTDYN_BUILD_BENCHMARKS=OFF -DPKTDYN_INSTALL=ON >>"$log" 2>&1
    cmake --install "$work/pktdyn" >>"$log" 2>&1
    test -f "$work/prefix/share/cmake/pktdyn/pktdynConfigVersion.cmake"
    cmake -S "$src/tests/package/find_package" -B "$work/consumer" "${gen[@]}" -DCMAKE_PREFIX_PATH="$work/prefix" >>"$log" 2>&1
    ;;
  add_subdirectory)
    cmake -S "$src/tests/package/add_subdirectory" -B "$work/consumer" "${gen[@]}" -DPKTDYN_SOURCE_DIR="$src" >>"$log" 2>&1
    ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
cmake --build "$work/consumer" -j2 >>"$log" 2>&1
"$work/consumer/consumer"
