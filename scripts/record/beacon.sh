#!/usr/bin/env bash
# Records a beacon over TLS between two network namespaces: a client calling its server every
# INTERVAL seconds ± JITTER (uniform, seeded), for MINUTES, the way a command-and-control implant
# checks in — the ground truth for the beacon detector (issue #15). A long recording: run by a
# person, not by CI (the detector wants at least an hour of calls).
#
#   sudo scripts/record/beacon.sh --out DIR [--name beacon] [--minutes 75] [--interval 30] [--jitter 6] [--seed 15]
#
# The client (10.89.0.1) opens a TLS connection to c2.pktdyn.test (10.89.0.2:443, openssl s_server
# with a self-signed certificate), sends an HTTP GET with a small fixed body, reads the answer and
# closes; then sleeps. tcpdump records at the server's interface: DIR/NAME.pcapng. DIR/NAME.labels.jsonl
# holds one label (kind beacon, attacker, victim, start, end, interval, jitter, seed, server name,
# calls made); DIR/NAME.json the tools' versions.
set -euo pipefail

out="" name="beacon" minutes=75 interval=30 jitter=6 seed=15
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2 ;; --name) name=$2 ;; --minutes) minutes=$2 ;; --interval) interval=$2 ;;
    --jitter) jitter=$2 ;; --seed) seed=$2 ;;
    *) echo "beacon.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ -n "$out" ] || { sed -n '2,14p' "$0"; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/namespaces.sh"
record_start beacon.sh "$out"
C=pbc$$ S=pbs$$
client=10.89.0.1 server=10.89.0.2
record_namespaces "$C" "$S"
ip link add pb$$c netns "$C" type veth peer name pb$$s netns "$S"
ip netns exec "$C" ip addr add $client/24 dev pb$$c
ip netns exec "$S" ip addr add $server/24 dev pb$$s
ip netns exec "$C" ip link set pb$$c up
ip netns exec "$S" ip link set pb$$s up

openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=c2.pktdyn.test" -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
ip netns exec "$S" openssl s_server -quiet -accept 443 -cert "$tmp/cert.pem" -key "$tmp/key.pem" -www >/dev/null 2>&1 &
sleep 1
ip netns exec "$S" tcpdump -q -i pb$$s -s 0 -w "$tmp/beacon.pcap" --time-stamp-precision=nano "port 443" 2>/dev/null &
tcpdump_pid=$!
sleep 1

cat >"$tmp/beacon.py" <<'EOF'
"""Calls https://c2.pktdyn.test/ every interval ± jitter seconds (uniform, seeded) until the end time."""
import random, socket, ssl, sys, time
server, interval, jitter, seed, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
rng = random.Random(seed)
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
calls = 0
while time.time() < end:
    with socket.create_connection((server, 443), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="c2.pktdyn.test") as s:
            s.sendall(b"GET /tasks HTTP/1.0\r\nHost: c2.pktdyn.test\r\nUser-Agent: pktdyn-beacon\r\n\r\n")
            while s.recv(65536):
                pass
    calls += 1
    time.sleep(max(0.0, interval + rng.uniform(-jitter, jitter)))
print(calls)
EOF
start=$(date +%s.%N)
end=$(/usr/bin/python3 -c "print($start + $minutes * 60)")
calls=$(ip netns exec "$C" /usr/bin/python3 "$tmp/beacon.py" $server "$interval" "$jitter" "$seed" "$end")
finish=$(date +%s.%N)
sleep 1
kill "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null || true
editcap -F pcapng "$tmp/beacon.pcap" "$out/$name.pcapng"
printf '{"kind": "beacon", "attacker": "%s", "victim": "%s", "start": %s, "end": %s, "tool": "python3 ssl", "interval_s": %s, "jitter_s": %s, "seed": %s, "server_name": "c2.pktdyn.test", "calls": %s}\n' \
  "$client" "$server" "$start" "$finish" "$interval" "$jitter" "$seed" "$calls" >"$out/$name.labels.jsonl"
printf '{"openssl": "%s", "python": "%s", "recorded": "%s"}\n' "$(openssl version)" "$(/usr/bin/python3 --version)" \
  "$(date -u +%FT%TZ)" >"$out/$name.json"
echo "beacon.sh: $out/$name.pcapng ($calls calls), $out/$name.labels.jsonl"
