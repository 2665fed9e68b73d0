#!/usr/bin/env python3
"""custom_source feeds its ring through the whole pipeline: the flow's CSV row holds the timings and
sizes the example put in its frames (SYN 0 ms, SYN-ACK 20 ms, ACK 21 ms, 300 bytes up, 1200 down,
FINs at 42 and 62 ms)."""
import csv
import io
import subprocess
import sys

run = subprocess.run([sys.argv[1]], capture_output=True, text=True, check=True)
assert "custom source: 8 packets, 1 flows" in run.stderr, run.stderr
rows = list(csv.DictReader(io.StringIO(run.stdout)))
assert len(rows) == 1, f"expected one flow, found {len(rows)}"
row = rows[0]
expected = {
    "originator": "192.0.2.10", "responder": "198.51.100.7", "responder_port": "443", "protocol": "6",
    "duration_s": "0.062000000", "conn_state": "SF", "end_reason": "fin",
    "syn_to_syn_ack_s": "0.020000000", "syn_ack_to_ack_s": "0.001000000",
    "orig_packets": "5", "resp_packets": "3", "orig_payload_bytes": "300", "resp_payload_bytes": "1200",
}
wrong = {k: (row.get(k), v) for k, v in expected.items() if row.get(k) != v}
assert not wrong, f"columns (found, expected): {wrong}"
assert len(row) > 200, f"only {len(row)} columns: the standard features are missing"
print(f"custom_source: one flow, {len(row)} columns, the ring's timings and sizes")
