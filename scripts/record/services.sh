#!/usr/bin/env bash
# Records an office's ordinary traffic and then what nobody approved: a new UDP service on the
# server and a bulk UDP transfer between two workstations that never talked — the ground truth for
# the novelty detectors (issue #15: "a new UDP service"). pktdyn-detect learns the first minutes
# (--learn, from DIR/NAME.json) and must tell both after them.
#
#   sudo scripts/record/services.sh --out DIR [--name services] [--learn-minutes 2]
#
# Two workstations (10.90.0.1 and 10.90.0.3) and a server (10.90.0.2) on a bridge in the server's
# namespace. While learning and after: each workstation asks the server's dnsmasq (UDP 53) for a
# name every second and fetches a page from its HTTP server (TCP 8080) every 5 s. After learning:
#   [new.service]           the server starts a UDP service on port 27015 (python, echoes each
#                           datagram, a game server's shape); 10.90.0.1 sends it 20 datagrams
#   [new.internal_transfer] 10.90.0.3 sends 3 MB in UDP datagrams of 1,200 bytes to 10.90.0.1:5001
#                           (a receiver that never answers: a stream, not a service)
# tcpdump records at the bridge: DIR/NAME.pcapng (whole packets, all but the transfer) and
# DIR/NAME-upload.pcapng (headers only: the transfer). DIR/NAME.labels.jsonl gives each step's kind, the
# acting host ("attacker": the host running the new service, the sender of the transfer), the other
# side, start and end; DIR/NAME.json the tools' versions and how to judge: "learn" (the learning
# period) and "internal" (10.90.0.0/24: all three hosts are ours), which check_attacks.py passes on.
set -euo pipefail

out="" name="services" learn_minutes=2
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2 ;; --name) name=$2 ;; --learn-minutes) learn_minutes=$2 ;;
    *) echo "services.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ -n "$out" ] || { sed -n '2,22p' "$0"; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/namespaces.sh"
record_start services.sh "$out"
W1=psa$$ W2=psb$$ S=pss$$
one=10.90.0.1 server=10.90.0.2 two=10.90.0.3
record_namespaces "$W1" "$W2" "$S"
record_bridge "$S" $server ps$$ "$W1:a:$one" "$W2:b:$two"

# --- the server's approved services ----------------------------------------------------------------
ip netns exec "$S" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --user=root --listen-address=$server --bind-interfaces \
  --address=/office.pktdyn.test/$server --log-facility=/dev/null --pid-file="$tmp/dnsmasq.pid" &
mkdir -p "$tmp/www"
head -c 3000 /dev/urandom | base64 >"$tmp/www/index.html"
ip netns exec "$S" /usr/bin/python3 -m http.server 8080 --bind $server --directory "$tmp/www" >/dev/null 2>&1 &
sleep 1
ip netns exec "$S" tcpdump -q -i br0 -s 0 -w "$tmp/services.pcap" --time-stamp-precision=nano "not port 5001" 2>/dev/null &
tcpdump_pid=$!
ip netns exec "$S" tcpdump -q -i br0 -s 96 -w "$tmp/transfer.pcap" --time-stamp-precision=nano "port 5001" 2>/dev/null &
transfer_pid=$!
sleep 1

cat >"$tmp/office.py" <<'EOF'
"""A workstation's day: a DNS question every 2 s and a page every 5 s, until the end time."""
import socket, struct, sys, time, urllib.request
server, end = sys.argv[1], float(sys.argv[2])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(1)
i = 0
while time.time() < end:
    q = struct.pack("!HHHHHH", i & 0xFFFF, 0x0100, 1, 0, 0, 0)
    for part in (f"host{i % 7}", "office", "pktdyn", "test"):
        q += bytes([len(part)]) + part.encode()
    u.sendto(q + b"\0" + struct.pack("!HH", 1, 1), (server, 53))
    try:
        u.recvfrom(2048)
    except socket.timeout:
        pass
    if i % 5 == 0:  # a page every fifth tick
        urllib.request.urlopen(f"http://{server}:8080/", timeout=5).read()
    i += 1
    time.sleep(1)
EOF
start=$(date +%s.%N)
learn_end=$(/usr/bin/python3 -c "print($start + $learn_minutes * 60)")
office_end=$(/usr/bin/python3 -c "print($start + $learn_minutes * 60 + 60)")
ip netns exec "$W1" /usr/bin/python3 "$tmp/office.py" $server "$office_end" &
office1=$!
ip netns exec "$W2" /usr/bin/python3 "$tmp/office.py" $server "$office_end" &
office2=$!
sleep "$(/usr/bin/python3 -c "import time; print(max(0, $learn_end - time.time() + 5))")"

labels="$out/$name.labels.jsonl"
: >"$labels"
label() {  # label KIND ACTOR OTHER START END TOOL DETAIL
  printf '{"kind": "%s", "attacker": "%s", "victim": "%s", "start": %s, "end": %s, "tool": "%s", "command": "%s"}\n' \
    "$1" "$2" "$3" "$4" "$5" "$6" "$7" >>"$labels"
}

# [new.service] a UDP echo service on the server, asked 20 times by a workstation.
cat >"$tmp/echo.py" <<'EOF'
"""UDP echo on :27015."""
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("0.0.0.0", 27015))
while True:
    data, peer = u.recvfrom(2048)
    u.sendto(data, peer)
EOF
ip netns exec "$S" /usr/bin/python3 "$tmp/echo.py" &
sleep 1
t0=$(date +%s.%N)
ip netns exec "$W1" /usr/bin/python3 -c "
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(1)
for i in range(20):
    u.sendto(b'status %d' % i, ('$server', 27015))
    u.recvfrom(2048)
    time.sleep(0.2)"
label new.service $server $one "$t0" "$(date +%s.%N)" python3 "UDP echo on $server:27015, 20 datagrams from $one"
sleep 2

# [new.internal_transfer] 3 MB over UDP between the two workstations.
ip netns exec "$W1" /usr/bin/python3 -c "
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(('0.0.0.0', 5001))
u.settimeout(5)
try:
    while u.recv(2048):
        pass
except socket.timeout:
    pass" &
receiver=$!
sleep 1
t0=$(date +%s.%N)
ip netns exec "$W2" /usr/bin/python3 -c "
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
block = bytes(1200)
for i in range(2500):
    u.sendto(block, ('$one', 5001))
    if i % 100 == 99:
        time.sleep(0.01)"
label new.internal_transfer $two $one "$t0" "$(date +%s.%N)" python3 "2,500 UDP datagrams of 1,200 bytes from $two to $one:5001"
wait "$receiver" 2>/dev/null || true
wait "$office1" "$office2" 2>/dev/null || true
sleep 1
kill "$tcpdump_pid" "$transfer_pid"
wait "$tcpdump_pid" "$transfer_pid" 2>/dev/null || true
editcap -F pcapng "$tmp/services.pcap" "$out/$name.pcapng"
editcap -F pcapng "$tmp/transfer.pcap" "$out/$name-upload.pcapng"
printf '{"learn": "%sm", "internal": "10.90.0.0/24", "dnsmasq": "%s", "python": "%s", "recorded": "%s"}\n' "$learn_minutes" "$(dnsmasq --version | head -1)" \
  "$(/usr/bin/python3 --version)" "$(date -u +%FT%TZ)" >"$out/$name.json"
echo "services.sh: $out/$name.pcapng, $out/$name-upload.pcapng, $labels"
