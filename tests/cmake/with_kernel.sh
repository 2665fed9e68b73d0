#!/bin/sh
# Runs the unit suite with one byte-histogram kernel forced through PKTDYN_SIMD.
#   with_kernel.sh <kernel> <pktdyn_tests>
# Exits 77 (ctest: skipped) when this CPU cannot run the kernel, so it is not counted as passed.
kernel=$1
tests=$2
case $kernel in
  sse4.2) need="sse4_2" ;;
  avx2)   need="avx2 bmi2" ;;
  avx512) need="avx512f avx512bw avx512vl" ;;
  *)      need="" ;;
esac
for flag in $need; do
  grep -qw "$flag" /proc/cpuinfo || { echo "this CPU has no $flag: the $kernel kernel is not run"; exit 77; }
done
PKTDYN_SIMD=$kernel exec "$tests" '~[corpus]~[sklearn]~[xgboost]~[lightgbm]' --reporter compact
