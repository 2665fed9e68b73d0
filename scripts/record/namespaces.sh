# Sourced by the recording scripts (attacks.sh, beacon.sh, services.sh): what each needs before it records.
#
#   record_start SCRIPT OUT   needs root; installs what is missing; OUT made, absolute in $out;
#                             a scratch folder in $tmp; at exit every namespace made below is removed
#                             with what runs in it, and $tmp too
#   record_namespaces NS...   new network namespaces, loopback up, IPv6 off (the recordings are IPv4)
#   record_bridge HUB ADDRESS PREFIX NS:TAG:ADDRESS...
#                             a bridge br0 in namespace HUB holding ADDRESS/24, and from each NS a
#                             veth PREFIX<TAG> holding its ADDRESS/24, enslaved to br0 as PREFIX<TAG>v

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

record_bridge() {
  local hub=$1 address=$2 prefix=$3 side ns tag addr
  shift 3
  ip netns exec "$hub" ip link add br0 type bridge
  for side in "$@"; do
    IFS=: read -r ns tag addr <<<"$side"
    ip link add "$prefix$tag" netns "$ns" type veth peer name "$prefix${tag}v" netns "$hub"
    ip netns exec "$ns" ip addr add "$addr/24" dev "$prefix$tag"
    ip netns exec "$ns" ip link set "$prefix$tag" up
    ip netns exec "$hub" ip link set "$prefix${tag}v" master br0 up
  done
  ip netns exec "$hub" ip addr add "$address/24" dev br0
  ip netns exec "$hub" ip link set br0 up
}

record_cleanup() {
  local ns
  for ns in "${record_made[@]}"; do ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ns in "${record_made[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$tmp"
}
