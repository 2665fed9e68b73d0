#!/usr/bin/env bash
# Records servers configured to be weak, and their well-configured counterparts: the ground truth
# for the encryption posture's rules (issue #16; detect/posture.hpp, docs/posture.md). Each server
# listens on its own port, so a flow's responder port says what to expect of it.
#
#   sudo scripts/record/posture.sh --out DIR [--name posture]
#
# A client (10.91.0.1) and a server (10.91.0.2) on a bridge. OpenSSL 3.0's s_server, with a small
# CA of our own signing every certificate but the expired one (RSA for the TLS 1.0 and NULL servers):
#   4431  TLS 1.3, CA-signed certificate                              expect: nothing
#   4432  TLS 1.0 only, AES128-SHA (@SECLEVEL=0)                      expect: tls1.0, suite_chosen=cbc_sha1
#   4433  TLS 1.2, ADH-AES128-SHA: anonymous, no certificate          expect: suite_chosen=anon, suite_offered=anon
#   4434  TLS 1.2, NULL-SHA256: no encryption                         expect: suite_chosen=null, suite_offered=null
#   4435  TLS 1.2, a self-signed certificate that expired in 2020     expect: cert_self_signed, cert_expired
#   443   HTTP (python's http.server), fetched with curl              expect: plaintext_on_tls_port=http
# OpenSSH 9.2 (sshd, ssh in BatchMode: the algorithms are negotiated, then the login is refused):
#   22    only diffie-hellman-group14-sha1, aes128-cbc, hmac-md5      expect: ssh_weak_kex, ssh_weak_cipher, ssh_weak_mac
#   2022  OpenSSH's defaults                                          expect: nothing
# Cleartext logins: FTP (pyftpdlib, port 21, USER/PASS) and HTTP basic authentication (port 8080),
# both by curl: expect cleartext_auth=ftp and cleartext_auth=http-basic.
# DIR/NAME.pcapng is the recording, DIR/NAME.labels.jsonl one line per port with the rules expected
# ("expect"), DIR/NAME.json the tools' versions. tests/examples/check_posture.py compares.
set -euo pipefail

out="" name="posture"
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2 ;; --name) name=$2 ;;
    *) echo "posture.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ -n "$out" ] || { sed -n '2,24p' "$0"; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/namespaces.sh"
record_start posture.sh "$out"
C=ppc$$ S=pps$$
client=10.91.0.1 server=10.91.0.2
inC() { ip netns exec "$C" "$@"; }
inS() { ip netns exec "$S" "$@"; }
record_namespaces "$C" "$S"
record_bridge "$S" $server pp$$ "$C:c:$client"

# --- certificates: a CA, a server certificate it signed, and an expired self-signed one -----------
cd "$tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 30 \
  -subj "/CN=pktdyn posture CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
  -subj "/CN=posture.pktdyn.test" 2>/dev/null
printf 'subjectAltName=DNS:posture.pktdyn.test\n' >san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 30 -extfile san.ext 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr -subj "/CN=posture.pktdyn.test" 2>/dev/null
openssl x509 -req -in rsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out rsa.pem -days 30 -extfile san.ext 2>/dev/null
/usr/bin/python3 - <<'EOF'
"""A self-signed certificate valid from 2019 to 2020 (openssl's req cannot date one in the past)."""
import datetime
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "expired.pktdyn.test")])
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime(2019, 1, 1)).not_valid_after(datetime.datetime(2020, 1, 1))
        .sign(key, hashes.SHA256()))
open("expired.key", "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
open("expired.pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
EOF
cd - >/dev/null

# --- the servers -----------------------------------------------------------------------------------
serve() {  # serve PORT ARGS...: an s_server answering each connection with a line (-rev echoes reversed)
  local port=$1
  shift
  inS openssl s_server -quiet -accept "$port" -naccept 1 -rev "$@" >/dev/null 2>&1 &
}
serve 4431 -cert "$tmp/server.pem" -key "$tmp/server.key" -tls1_3
serve 4432 -cert "$tmp/rsa.pem" -key "$tmp/rsa.key" -tls1 -cipher 'AES128-SHA:@SECLEVEL=0'
serve 4433 -nocert -tls1_2 -cipher 'ADH-AES128-SHA:@SECLEVEL=0'
serve 4434 -cert "$tmp/rsa.pem" -key "$tmp/rsa.key" -tls1_2 -cipher 'NULL-SHA256:@SECLEVEL=0'
serve 4435 -cert "$tmp/expired.pem" -key "$tmp/expired.key" -tls1_2
mkdir -p "$tmp/www"
echo "posture" >"$tmp/www/index.html"
inS /usr/bin/python3 -m http.server 443 --bind $server --directory "$tmp/www" >/dev/null 2>&1 &
cat >"$tmp/basic_auth.py" <<'EOF'
"""HTTP on :8080 that accepts basic authentication for user/secret."""
import base64, http.server
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.headers.get("Authorization") == "Basic " + base64.b64encode(b"user:secret").decode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
EOF
inS /usr/bin/python3 "$tmp/basic_auth.py" &
cat >"$tmp/ftp.py" <<'EOF'
"""FTP on :21 (pyftpdlib): one user."""
import logging, tempfile
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
logging.disable(logging.CRITICAL)
authorizer = DummyAuthorizer()
authorizer.add_user("user", "secret", tempfile.mkdtemp())
FTPHandler.authorizer = authorizer
FTPServer(("0.0.0.0", 21), FTPHandler).serve_forever()
EOF
inS /usr/bin/python3 "$tmp/ftp.py" &
ssh-keygen -q -t ed25519 -N '' -f "$tmp/host_key"
mkdir -p /run/sshd
for port in 22 2022; do
  cat >"$tmp/sshd_$port" <<EOF
Port $port
HostKey $tmp/host_key
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
PidFile $tmp/sshd_$port.pid
EOF
done
cat >>"$tmp/sshd_22" <<'EOF'
KexAlgorithms diffie-hellman-group14-sha1
Ciphers aes128-cbc
MACs hmac-md5
EOF
inS /usr/sbin/sshd -f "$tmp/sshd_22" -D -E "$tmp/sshd_22.log" &
inS /usr/sbin/sshd -f "$tmp/sshd_2022" -D -E "$tmp/sshd_2022.log" &
sleep 1
inS tcpdump -q -U -i br0 -s 0 -w "$tmp/posture.pcap" --time-stamp-precision=nano 2>/dev/null &
tcpdump_pid=$!
sleep 1

# --- the clients, and what each port should be judged ----------------------------------------------
labels="$out/$name.labels.jsonl"
: >"$labels"
label() {  # label PORT RULES...: the rules a flow to PORT must fire, exactly
  local port=$1
  shift
  local list=""
  for r in "$@"; do list+="${list:+, }\"$r\""; done
  printf '{"port": %s, "expect": [%s]}\n' "$port" "$list" >>"$labels"
}
hello() {  # hello PORT ARGS...: one TLS connection sending a line
  local port=$1
  shift
  echo "posture" | inC timeout 5 openssl s_client -quiet -connect $server:"$port" -servername posture.pktdyn.test "$@" >/dev/null 2>&1 || true
}
hello 4431 -CAfile "$tmp/ca.pem"
label 4431
hello 4432 -tls1 -cipher 'AES128-SHA:@SECLEVEL=0'
label 4432 tls1.0 suite_chosen=cbc_sha1
hello 4433 -tls1_2 -cipher 'ADH-AES128-SHA:@SECLEVEL=0'
label 4433 suite_chosen=anon suite_offered=anon
hello 4434 -tls1_2 -cipher 'NULL-SHA256:@SECLEVEL=0'
label 4434 suite_chosen=null suite_offered=null
hello 4435 -tls1_2
label 4435 cert_self_signed cert_expired
inC curl -s -o /dev/null http://$server:443/ || true
label 443 plaintext_on_tls_port=http
ssh_try() {  # ssh_try PORT OPTIONS...: algorithms negotiated, then the login refused (no key, no password)
  local port=$1
  shift
  inC timeout 10 ssh -p "$port" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "$@" nobody@$server true \
    >/dev/null 2>&1 || true
}
ssh_try 22 -o KexAlgorithms=diffie-hellman-group14-sha1 -o Ciphers=aes128-cbc -o MACs=hmac-md5
label 22 ssh_weak_kex=diffie-hellman-group14-sha1 ssh_weak_cipher=aes128-cbc ssh_weak_mac=hmac-md5
ssh_try 2022
label 2022
inC curl -s -o /dev/null ftp://user:secret@$server/ || true
label 21 cleartext_auth=ftp
inC curl -s -o /dev/null -u user:secret http://$server:8080/ || true
label 8080 cleartext_auth=http-basic
sleep 2
kill "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null || true
editcap -F pcapng "$tmp/posture.pcap" "$out/$name.pcapng"
printf '{"openssl": "%s", "openssh": "%s", "curl": "%s", "pyftpdlib": "%s", "recorded": "%s"}\n' "$(openssl version)" "$(ssh -V 2>&1)" \
  "$(curl --version | head -1)" "$(/usr/bin/python3 -c 'import pyftpdlib; print(pyftpdlib.__ver__)')" "$(date -u +%FT%TZ)" >"$out/$name.json"
echo "posture.sh: $out/$name.pcapng, $labels"
