#!/usr/bin/env python3
"""Checks pktdyn-flowmeter's JSON lines on a netem recording: every line is a JSON object with the
CSV header's fields, and each TCP flow's RTT minimum is the configured path delay (the recording's
.json sidecar) within max(1 ms, 5 %)."""
import json
import subprocess
import sys

flowmeter, capture = sys.argv[1], sys.argv[2]
expected = json.load(open(capture.rsplit(".", 1)[0] + ".json"))["expected_rtt_ms"] / 1000
header = subprocess.run([flowmeter, "--quiet", capture], check=True, capture_output=True, text=True).stdout.splitlines()[0]
lines = subprocess.run([flowmeter, "--quiet", "--format", "jsonl", capture], check=True, capture_output=True,
                       text=True).stdout.splitlines()
flows = [json.loads(line) for line in lines]
assert flows, "no flows"
for f in flows:
    assert list(f) == header.split(","), "JSON keys differ from the CSV header"
tcp = [f for f in flows if f["protocol"] == 6 and f["orig_rtt_samples"]]
assert len(tcp) >= 3, f"only {len(tcp)} TCP flows with RTT samples"
for f in tcp:
    rtt = f["orig_rtt_min_s"]
    assert abs(rtt - expected) <= max(0.001, 0.05 * expected), f"{f['community_id']}: RTT min {rtt} s, path {expected} s"
    assert f["initial_rtt_s"] is None or abs(f["initial_rtt_s"] - expected) <= max(0.001, 0.05 * expected)
print(f"{len(flows)} flows, {len(tcp)} TCP flows with RTT within bounds of {expected * 1000:.0f} ms")
