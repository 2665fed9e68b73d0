#!/usr/bin/env bash
# Installs the Debian 12 packages pktdyn needs, only those that are missing.
# Idempotent and silent when there is nothing to do.
#   scripts/setup-deps.sh            build + test dependencies (the attack tools the tests start included)
#   scripts/setup-deps.sh --record   also what scripts/record/'s other recordings need
#   scripts/setup-deps.sh --peers    also the peers benchmarks compare against
set -euo pipefail

build=(cmake make g++ clang-14 libclang-rt-14-dev pkg-config
       libeigen3-dev libxtensor-dev xtl-dev libxsimd-dev libfmt-dev catch2
       libbenchmark-dev libpcap-dev libssl-dev
       tshark python3 python3-numpy python3-pandas python3-xgboost python3-sklearn publicsuffix)
# The attack tools and servers the tests start (tests/examples/check_live_attacks.sh) and the recordings use.
attacks=(iproute2 tcpdump dnsmasq openssh-server openssh-client openssl python3 python3-pyftpdlib
         nmap masscan hydra medusa ncrack iodine)
record=(iperf3 curl iputils-ping)
peers=(libtins-dev libndpi-bin argus-server argus-client wireshark-common hyperfine time)

want=("${build[@]}" "${attacks[@]}")
for arg in "$@"; do
  case $arg in
    --record) want+=("${record[@]}") ;;
    --peers)  want+=("${peers[@]}") ;;
    *) echo "setup-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "pktdyn setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, quietly.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
