#!/usr/bin/env python3
"""pktdyn-detect on ten days of scheduled office traffic (scripts/record/schedule.py over our own
recordings) with four anomalies injected at known times: each is found, against the right host, at
its time, after a week of learning; nothing above severity 50 but the anomalies' own alerts."""
import json
import pathlib
import subprocess
import sys
import tempfile

EXPECTED = {"exfil.new_peer": "exfil.new_peer", "new.service": "new.service", "new.internal_transfer": "new.internal_transfer",
            "ratio.shift": "ratio.shift"}


def main() -> int:
    program, source = sys.argv[1], pathlib.Path(sys.argv[2])
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, source / "scripts/record/schedule.py", "--recording", source / "data/captures/rtt20-mixed.pcapng",
                        "--bulk", source / "data/captures/attacks-upload.pcapng", "--out", tmp], check=True, capture_output=True)
        p = subprocess.run([program, "--format", "jsonl", "--learn", "7d", f"{tmp}/schedule.pcap"], capture_output=True, text=True)
        labels = [json.loads(line) for line in open(f"{tmp}/schedule.labels.jsonl")]
    if p.returncode != 0:
        print(f"exit {p.returncode}: {p.stderr}")
        return 1
    alerts = [json.loads(line) for line in p.stdout.splitlines()]
    failed = 0
    for label in labels:
        found = [a for a in alerts if a["detector"] == EXPECTED[label["kind"]] and a["entity"] == label["entity"]
                 and abs(a["start"] - label["start"]) < 3600]
        print(f"{label['kind']:22} {label['entity']:12} -> {found[0]['sentence'] if found else 'MISSED'}")
        failed += not found
    anomalous = {(l["entity"]) for l in labels} | {l["peer"] for l in labels}
    for a in alerts:
        if a["severity"] > 50 and a["entity"] not in anomalous:
            print(f"severity {a['severity']} on ordinary traffic: {a['sentence']}")
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
