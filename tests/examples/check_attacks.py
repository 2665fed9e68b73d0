#!/usr/bin/env python3
"""pktdyn-detect on our own recordings of attacks: CAPTURES/NAME.pcapng (and NAME-upload.pcapng where
there is one) with NAME.labels.jsonl, NAME "attacks" unless given (scripts/record/attacks.sh; the TLS
beacon of scripts/record/beacon.sh is "beacon", the new services of scripts/record/services.sh
"services"). Every labelled attack is found with the right kind,
against the right attacker, in its time (hydra from 10.88.0.1, medusa and ncrack from 10.88.0.3: each
guesser judged on its own). The attackers are given as our networks (--internal), the victims stand
for the world outside.

A label's kind names the detector expected (a UDP scan in the same 15-minute window as the SYN scan
is part of the scanner's window already told: any scan alert of the attacker counts, as docs/detect.md
says; nmap's ping sweep is told as a ping sweep or as host discovery). An alert is "in time" when its
window overlaps the label's, widened by the detector's own window (15 min) before and a minute after."""
import json
import os
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
    "bruteforce.ftp": {"bruteforce.ftp"},
    "dns.tunnel": {"dns.tunnel"},
    "exfil.large_upload": {"exfil.large_upload"},
    "beacon": {"beacon"},
    "new.service": {"new.service"},
    "new.internal_transfer": {"new.internal_transfer"},
}


def main() -> int:
    program, captures = sys.argv[1], sys.argv[2]
    name = sys.argv[3] if len(sys.argv) > 3 else "attacks"  # NAME.pcapng, NAME-upload.pcapng, NAME.labels.jsonl
    labels = [json.loads(line) for line in open(f"{captures}/{name}.labels.jsonl")]
    # How to judge: the recording's NAME.json may say ("internal" networks, a "learn" period);
    # else the attackers are "our networks" and their victims stand for the world outside.
    judge = json.load(open(f"{captures}/{name}.json")) if os.path.exists(f"{captures}/{name}.json") else {}
    internal = judge.get("internal") or ",".join(sorted({f"{label['attacker']}/32" for label in labels}))
    learn = ["--learn", judge["learn"]] if "learn" in judge else []
    files = [f for f in (f"{captures}/{name}.pcapng", f"{captures}/{name}-upload.pcapng") if os.path.exists(f)]
    p = subprocess.run([program, "--format", "jsonl", "--internal", internal] + learn + files, capture_output=True, text=True)
    if p.returncode != 0:
        print(f"exit {p.returncode}: {p.stderr}")
        return 1
    alerts = [json.loads(line) for line in p.stdout.splitlines()]
    missed = 0
    for label in labels:
        kinds = EXPECTED[label["kind"]]
        found = [a for a in alerts if a["detector"] in kinds and a["entity"] == label["attacker"]
                 and a["start"] <= label["end"] + 60 and a["end"] >= label["start"] - 15 * 60]
        print(f"{label['kind']:20} {label.get('command', label['tool'])[:60]:60} -> {', '.join(sorted({a['detector'] for a in found})) or 'MISSED'}")
        missed += not found
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
