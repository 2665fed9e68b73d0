#!/usr/bin/env bash
# Attacks made now, by real tools against real servers (scripts/record/attacks.sh in network
# namespaces): nmap's SYN, FIN and ping scans, masscan, hydra against OpenSSH's sshd, an HTTP
# basic-auth server and an FTP server (pyftpdlib), and iodine's DNS tunnel. pktdyn-detect must find
# each with the right kind and attacker (check_attacks.py). It fails — never skips — when the
# namespaces, a server or a tool cannot be started: needs root, as CI runs.
#   check_live_attacks.sh PKTDYN-DETECT SOURCE_DIR OUT_DIR
set -euo pipefail
program=$1 source=$2 out=$3
rm -rf "$out"
mkdir -p "$out"
"$source/scripts/record/attacks.sh" --out "$out" --name live --passwords 80 \
  --steps syn,ping,fin,masscan,hydra-ssh,hydra-http,hydra-ftp,iodine
# Every step ran (a step whose server never answered raises no alert: check_attacks.py fails then).
labels=$(wc -l <"$out/live.labels.jsonl")
[ "$labels" -eq 8 ] || { echo "check_live_attacks: $labels of 8 steps labelled" >&2; exit 1; }
exec /usr/bin/python3 "$source/tests/examples/check_attacks.py" "$program" "$out" live
