# Sourced by the recording scripts (attacks.sh, beacon.sh): what each needs before it records.
#
#   record_start SCRIPT OUT   needs root; installs what is missing; OUT made, absolute in $out;
#                             a scratch folder in $tmp; at exit every namespace made below is removed
#                             with what runs in it, and $tmp too
#   record_namespaces NS...   new network namespaces, loopback up, IPv6 off (the recordings are IPv4)

record_start() {
  [ "$(id -u)" -eq 0 ] || { echo "$1: needs root (network namespaces)" >&2; exit 1; }
  "$(dirname "${BASH_SOURCE[0]}")/../setup-deps.sh"  # the attack tools and servers: its default set
  mkdir -p "$2"
  out=$(cd "$2" && pwd)
  tmp=$(mktemp -d "/tmp/pktdyn-${1%.sh}.XXXXXX")
  record_made=()
  trap record_cleanup EXIT
}

record_namespaces() {
  local ns
  for ns in "$@"; do
    ip netns add "$ns"
    record_made+=("$ns")
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  done
}

record_cleanup() {
  local ns
  for ns in "${record_made[@]}"; do ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ns in "${record_made[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$tmp"
}
