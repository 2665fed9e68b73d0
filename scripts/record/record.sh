#!/usr/bin/env bash
# Records real traffic with a known network ground truth, for pktdyn's own test captures.
#
#   sudo scripts/record/record.sh --out DIR --name NAME [--delay-ms D] [--jitter-ms J] [--loss P]
#        [--reorder P] [--seed S] [--bulk-bytes N] [--traffic "dns http tls12 tls13 ssh bulk udp"]
#
# Two network namespaces (client 10.77.0.1, server 10.77.0.2) are joined through scripts/record/
# impair.cpp, a user-space netem: every IP frame in each direction is delayed by D ms (± J ms
# jitter), dropped with probability P, or sent early (reordered) with probability P, exactly as
# `tc netem delay D J loss P reorder P` on both ends would (the CI kernels lack sch_netem). The
# round-trip time a TCP handshake sees is therefore 2·D. tcpdump records at the client (nanosecond
# timestamps), editcap turns it into DIR/NAME.pcapng, and DIR/NAME.json records the configuration,
# what ran, the emulator's per-direction counts of delayed/dropped/reordered frames, and tool
# versions; DIR/NAME.impair.tsv lists each frame the emulator dropped or sent early. Traffic: DNS over UDP and TCP (dnsmasq), plain HTTP (python http.server + curl), TLS 1.2
# and 1.3 (openssl s_server + curl), an SSH session (OpenSSH), a bulk TCP transfer (iperf3) and UDP
# (iperf3 at a constant rate, plus a request/response echo).
set -euo pipefail

out="" name="" delay=10 jitter=0 loss=0 reorder=0 seed=1 bulk=200000
traffic="dns http tls12 tls13 ssh bulk udp"
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2 ;; --name) name=$2 ;; --delay-ms) delay=$2 ;; --jitter-ms) jitter=$2 ;;
    --loss) loss=$2 ;; --reorder) reorder=$2 ;; --seed) seed=$2 ;; --bulk-bytes) bulk=$2 ;;
    --traffic) traffic=$2 ;;
    *) echo "record.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ -n "$out" ] && [ -n "$name" ] || { sed -n '2,20p' "$0"; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "record.sh: needs root (network namespaces)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
"$here/../setup-deps.sh" --record

tmp=$(mktemp -d /tmp/pktdyn-record.XXXXXX)
C=pdc$$ S=pds$$ CT=pdc$$t ST=pds$$t
cli=10.77.0.1 srv=10.77.0.2
cleanup() {
  for ns in "$C" "$S"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
  done
  [ -n "${impair_pid:-}" ] && kill "$impair_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  ip netns del "$C" 2>/dev/null || true
  ip netns del "$S" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
inC() { ip netns exec "$C" "$@"; }
inS() { ip netns exec "$S" "$@"; }

# --- the emulated path ---------------------------------------------------------------------------
g++ -O2 -std=c++20 -o "$tmp/impair" "$here/impair.cpp"
mkfifo "$tmp/impair.out"
"$tmp/impair" --a "$CT" --b "$ST" --delay-ms "$delay" --jitter-ms "$jitter" --loss "$loss" --reorder "$reorder" \
  --seed "$seed" --log "$tmp/impair.log" >"$tmp/impair.out" &
impair_pid=$!
exec 3<"$tmp/impair.out"
read -r ready <&3
[ "$ready" = ready ] || { echo "record.sh: impair did not start" >&2; exit 1; }

ip netns add "$C"
ip netns add "$S"
ip link set "$CT" netns "$C"
ip link set "$ST" netns "$S"
for side in "$C:$CT:$cli:02:00:00:77:00:01" "$S:$ST:$srv:02:00:00:77:00:02"; do
  IFS=: read -r ns dev addr mac <<<"$side"
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip -n "$ns" link set "$dev" address "$mac"
  ip -n "$ns" addr add "$addr/24" dev "$dev"
  ip -n "$ns" link set "$dev" up
done

# --- servers --------------------------------------------------------------------------------------
mkdir -p "$tmp/www"
head -c 20000 /dev/urandom >"$tmp/www/object.bin"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3 -subj /CN=pktdyn.test \
  -addext subjectAltName=DNS:pktdyn.test -keyout "$tmp/tls.key" -out "$tmp/tls.crt" 2>/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$tmp/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/client_key"
cp "$tmp/client_key.pub" "$tmp/authorized_keys"
cat >"$tmp/sshd_config" <<EOF
Port 22
ListenAddress $srv
HostKey $tmp/host_key
AuthorizedKeysFile $tmp/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
StrictModes no
UsePAM no
PidFile $tmp/sshd.pid
EOF
mkdir -p /run/sshd
cat >"$tmp/udp_echo.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 7777))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(data, peer)
EOF
cat >"$tmp/clients.py" <<'EOF'
"""DNS over UDP and TCP, and a UDP request/response echo, from the client namespace."""
import random, socket, struct, sys, time
srv, what = sys.argv[1], sys.argv[2]
def dns_query(qid, name, qtype):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", qtype, 1)
if what == "dns":
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    for qid, (name, qtype) in enumerate([("pktdyn.test", 1), ("www.pktdyn.test", 1), ("pktdyn.test", 28),
                                         ("missing.invalid", 1)], start=0x1000):
        u.sendto(dns_query(qid, name, qtype), (srv, 53))
        try:
            u.recvfrom(2048)
        except socket.timeout:
            pass
        time.sleep(0.05)
    t = socket.create_connection((srv, 53), timeout=5)
    q = dns_query(0x2000, "pktdyn.test", 1)
    t.sendall(struct.pack("!H", len(q)) + q)
    t.recv(2048)
    t.close()
elif what == "echo":
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(1)
    for i in range(40):
        u.sendto(struct.pack("!I", i) + bytes(96), (srv, 7777))
        try:
            u.recvfrom(2048)
        except socket.timeout:
            pass
        time.sleep(0.02)
EOF
inS dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --user=root --listen-address=$srv --bind-interfaces \
  --address=/pktdyn.test/$srv --log-facility=/dev/null --pid-file="$tmp/dnsmasq.pid" &
inS /usr/bin/python3 -m http.server 8080 --bind $srv --directory "$tmp/www" >/dev/null 2>&1 &
inS openssl s_server -quiet -accept $srv:4433 -cert "$tmp/tls.crt" -key "$tmp/tls.key" -www >/dev/null 2>&1 &
inS /usr/sbin/sshd -D -f "$tmp/sshd_config" &
inS /usr/bin/python3 "$tmp/udp_echo.py" $srv &
sleep 1

# --- capture and traffic --------------------------------------------------------------------------
# tcpdump runs as root (-Z root) to write into the private temp directory; `exec` so $! is tcpdump.
(exec ip netns exec "$C" tcpdump -Z root -i "$CT" -n -s 0 -U --time-stamp-precision=nano -w "$tmp/capture.pcap" \
   2>"$tmp/tcpdump.log") &
tcpdump_pid=$!
sleep 1
inC ping -c 1 -W 2 $srv >/dev/null || true   # ARP settled before the measured traffic
ran=()
curl_tls() { inC curl -sk --resolve pktdyn.test:4433:$srv "$@" https://pktdyn.test:4433/ -o /dev/null; }
for t in $traffic; do
  case $t in
    dns)   inC /usr/bin/python3 "$tmp/clients.py" $srv dns; ran+=("dns: dnsmasq $srv:53, 4 UDP queries (A, A, AAAA, NXDOMAIN) + 1 TCP query") ;;
    http)  inC curl -s http://$srv:8080/object.bin -o /dev/null; ran+=("http: python3 http.server $srv:8080, curl GET of a 20000-byte object") ;;
    tls12) curl_tls --tlsv1.2 --tls-max 1.2; ran+=("tls12: openssl s_server $srv:4433 (-www, ECDSA P-256), curl TLS 1.2 with SNI pktdyn.test") ;;
    tls13) curl_tls --tlsv1.3; ran+=("tls13: openssl s_server $srv:4433, curl TLS 1.3 with SNI pktdyn.test") ;;
    ssh)   inC ssh -q -i "$tmp/client_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
             root@$srv 'echo pktdyn; head -c 20000 /dev/zero | od -v | head -c 20000' >/dev/null
           ran+=("ssh: OpenSSH sshd $srv:22, ed25519 key login, a command printing 20000 bytes") ;;
    bulk)  inS iperf3 -s -1 -B $srv >/dev/null & sleep 0.5
           inC iperf3 -c $srv -n "$bulk" >/dev/null; wait $! || true
           ran+=("bulk: iperf3 TCP, $bulk bytes client to server (port 5201)") ;;
    udp)   inS iperf3 -s -1 -B $srv >/dev/null & sleep 0.5
           inC iperf3 -c $srv -u -b 200K -l 500 -t 1 >/dev/null; wait $! || true
           inC /usr/bin/python3 "$tmp/clients.py" $srv echo
           ran+=("udp: iperf3 UDP 200 kbit/s, 500-byte datagrams for 1 s (port 5201); 40 UDP echo round trips every 20 ms (port 7777)") ;;
    *) echo "record.sh: unknown traffic $t" >&2; exit 2 ;;
  esac
  sleep 0.3
done
sleep 1
kill -TERM $tcpdump_pid; wait $tcpdump_pid || true
kill -TERM $impair_pid; read -r counts <&3 || counts="{}"; wait $impair_pid || true

# --- outputs --------------------------------------------------------------------------------------
mkdir -p "$out"
editcap -F pcapng "$tmp/capture.pcap" "$out/$name.pcapng"
cp "$tmp/impair.log" "$out/$name.impair.tsv"
printf '%s\n' "${ran[@]}" >"$tmp/ran.txt"
/usr/bin/python3 - "$out/$name.json" "$tmp/ran.txt" <<EOF
import json, subprocess, sys
def version(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
        return (r.stdout or r.stderr).splitlines()[0].strip()
    except Exception:
        return "unknown"
ran = [l.strip() for l in open(sys.argv[2]) if l.strip()]
doc = {
    "capture": "$name.pcapng",
    "vantage": "client ($cli); server is $srv; tcpdump on the client's interface, nanosecond timestamps",
    "emulator": "scripts/record/impair.cpp (user-space netem between two TAP devices), same settings both directions",
    "impairment": {"one_way_delay_ms": $delay, "jitter_ms": $jitter, "jitter_distribution": "uniform [-jitter, +jitter]",
                   "loss_probability": $loss, "reorder_probability": $reorder, "seed": $seed},
    "expected_rtt_ms": 2 * $delay,
    "emulator_counts": json.loads('''$counts''' or "{}"),
    "emulator_counts_note": "a_to_b is client to server, b_to_a server to client; the capture sees client-sent frames before the emulator and server-sent frames after it",
    "ran": ran,
    "tools": {t: version(c) for t, c in {"kernel": ["uname", "-r"], "tcpdump": ["tcpdump", "--version"],
              "openssl": ["openssl", "version"], "openssh": ["ssh", "-V"], "curl": ["curl", "--version"],
              "iperf3": ["iperf3", "--version"], "dnsmasq": ["dnsmasq", "--version"]}.items()},
}
json.dump(doc, open(sys.argv[1], "w"), indent=2)
EOF
ls -l "$out/$name".*
