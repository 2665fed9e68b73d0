#!/usr/bin/env python3
"""pktdyn-detect on the shipped captures: exit 0, every line valid JSON with the documented keys,
nothing above severity 50 (they hold no attack), and --state written, then read by a second run,
which finds no service new any more (the first run, told to judge at once with --learn 0, found them all)."""
import glob
import json
import os
import subprocess
import sys
import tempfile

KEYS = ["start", "end", "detector", "entity", "peer", "severity", "technique", "community_ids", "evidence", "sentence"]


def main() -> int:
    program, captures = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, "state")
        for run in (1, 2):
            files = sorted(glob.glob(os.path.join(captures, "rtt*.pcapng")))  # the benign recordings
            p = subprocess.run([program, "--format", "jsonl", "--learn", "0", "--state", state] + files,
                               capture_output=True, text=True)
            if p.returncode != 0:
                print(f"run {run}: exit {p.returncode}: {p.stderr}")
                return 1
            detectors = []
            for line in p.stdout.splitlines():
                alert = json.loads(line)
                if list(alert) != KEYS:
                    print(f"run {run}: keys {list(alert)}")
                    return 1
                detectors.append(alert["detector"])
                if alert["severity"] > 50:
                    print(f"run {run}: severity {alert['severity']} on benign captures: {alert['sentence']}")
                    return 1
            new_services = detectors.count("new.service")
            if (run == 1 and new_services == 0) or (run == 2 and new_services != 0):
                print(f"run {run}: {new_services} new services: the state did not carry what run 1 learned")
                return 1
            if "flows;" not in p.stderr:
                print(f"run {run}: no summary: {p.stderr}")
                return 1
            if not open(state).read().startswith("pktdyn.detect_state 2\n"):
                print(f"run {run}: no state written")
                return 1
        print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
