#!/usr/bin/env python3
"""pktdyn-detect on our own attack recording (scripts/record/attacks.sh; data/captures/attacks*.pcapng):
every labelled attack is found with the right kind, against the right attacker, in its time (hydra
from 10.88.0.1, medusa and ncrack from 10.88.0.3: each guesser judged on its own).

A label's kind names the detector expected (a UDP scan in the same 15-minute window as the SYN scan
is part of the scanner's window already told: any scan alert of the attacker counts, as docs/detect.md
says; nmap's ping sweep is told as a ping sweep or as host discovery). An alert is "in time" when its
window overlaps the label's, widened by the detector's own window (15 min) before and a minute after."""
import json
import subprocess
import sys

EXPECTED = {
    "scan.vertical": {"scan.vertical"},
    "scan.horizontal": {"scan.horizontal"},
    "scan.udp": {"scan.vertical", "scan.horizontal", "scan.mixed"},
    "scan.ping_sweep": {"scan.ping_sweep", "scan.host_discovery"},
    "scan.stealth": {"scan.stealth"},
    "bruteforce.ssh": {"bruteforce.ssh"},
    "bruteforce.http": {"bruteforce.http"},
    "dns.tunnel": {"dns.tunnel"},
    "exfil.large_upload": {"exfil.large_upload"},
}


def main() -> int:
    program, captures = sys.argv[1], sys.argv[2]
    p = subprocess.run([program, "--format", "jsonl", "--internal", "10.88.0.1/32,10.88.0.3/32", f"{captures}/attacks.pcapng",
                        f"{captures}/attacks-upload.pcapng"], capture_output=True, text=True)
    if p.returncode != 0:
        print(f"exit {p.returncode}: {p.stderr}")
        return 1
    alerts = [json.loads(line) for line in p.stdout.splitlines()]
    labels = [json.loads(line) for line in open(f"{captures}/attacks.labels.jsonl")]
    missed = 0
    for label in labels:
        kinds = EXPECTED[label["kind"]]
        found = [a for a in alerts if a["detector"] in kinds and a["entity"] == label["attacker"]
                 and a["start"] <= label["end"] + 60 and a["end"] >= label["start"] - 15 * 60]
        print(f"{label['kind']:20} {label['command'][:60]:60} -> {', '.join(sorted({a['detector'] for a in found})) or 'MISSED'}")
        missed += not found
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
