#!/usr/bin/env python3
"""Checks pktdyn-flowmeter --features SET (standard, cicflowmeter, nfstream): the CSV loads in pandas
with the flow fields followed by every column docs/features.md documents for SET, in its order; feature columns are numeric; JSON lines carry
the same values (null where CSV is empty); --format npy writes the same matrix (numpy.load, float64,
one row per flow with its Community ID, the documented columns)."""
import io
import json
import math
import re
import subprocess
import sys
import tempfile

import numpy as np

import pandas as pd

flowmeter, capture, features_md, feature_set = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
HEADINGS = {"standard": "## `standard_features`", "cicflowmeter": "### `cicflowmeter_preset`",
            "nfstream": "### `nfstream_preset`"}
text = open(features_md).read()
section = text[text.index(HEADINGS[feature_set]):]
ENDS = list(HEADINGS.values()) + ["## `handshake_metadata`"]
section = section[:min([section.find(h, 1) for h in ENDS if section.find(h, 1) > 0] + [len(section)])]
documented = re.findall(r"^\| `([^`]+)` \|", section, re.M)
assert len(documented) >= 70, f"only {len(documented)} columns documented"
csv = subprocess.run([flowmeter, "--quiet", "--features", feature_set, capture], check=True, capture_output=True,
                     text=True).stdout
frame = pd.read_csv(io.StringIO(csv))
assert list(frame.columns[-len(documented):]) == documented, "feature columns differ from docs/features.md"
for column in documented:
    assert frame[column].dtype.kind == "f" or frame[column].dtype.kind == "i", f"{column} is {frame[column].dtype}"
# The handshake columns (text, then numbers, as documented) come before the features.
handshakes = text[text.index("## `handshake_metadata`"):]
handshakes = handshakes[:handshakes.find("\n## ", 1) if handshakes.find("\n## ", 1) > 0 else len(handshakes)]
handshake_columns = re.findall(r"^\| `([^`]+)` \|", handshakes, re.M)
header = list(frame.columns)
start = header.index("handshake")
end = len(header) - len(documented)
assert header[start:end] == handshake_columns, "handshake columns differ from docs/features.md, or their order"
lines = subprocess.run([flowmeter, "--quiet", "--features", feature_set, "--format", "jsonl", capture], check=True,
                       capture_output=True, text=True).stdout.splitlines()
assert len(lines) == len(frame)
for row, line in zip(frame.itertuples(index=False), lines):
    record = json.loads(line)
    for column in documented:
        a, b = row[frame.columns.get_loc(column)], record[column]
        assert (b is None and math.isnan(a)) or (b is not None and abs(a - b) <= 1e-12 * max(1.0, abs(b))), column
with tempfile.TemporaryDirectory() as tmp:
    base = tmp + "/features"
    subprocess.run([flowmeter, "--quiet", "--features", feature_set, "--format", "npy", "--output", base, capture],
                   check=True)
    matrix = np.load(base + ".npy")
    columns = open(base + ".columns.txt").read().splitlines()
    rows = open(base + ".rows.txt").read().split()
assert matrix.dtype == np.float64 and matrix.shape == (len(frame), len(documented)), matrix.shape
assert columns == documented
by_id = {cid: i for i, cid in enumerate(frame["community_id"])}
for r, cid in enumerate(rows):
    expected = frame.loc[by_id[cid], documented].to_numpy(dtype=np.float64)
    assert np.allclose(matrix[r], expected, rtol=1e-12, atol=0, equal_nan=True), cid
print(f"{feature_set}: {len(frame)} flows, {len(documented)} feature columns as documented, CSV, JSON and .npy agree")
