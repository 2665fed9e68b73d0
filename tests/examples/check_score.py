#!/usr/bin/env python3
"""pktdyn-score against python3-xgboost: a model trained by xgboost on the flow meter's standard
features (label: the flow is TCP) scores every flow of the shipped captures; pktdyn-score's p_1 must
equal xgboost's prediction for the same flow's features.

  check_score.py PKTDYN_SCORE PKTDYN_FLOWMETER CAPTURE_DIR
"""
import csv
import glob
import io
import math
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import xgboost as xgb
except ImportError as e:
    print(f"skipped: {e} (scripts/setup-deps.sh installs python3-xgboost)")
    sys.exit(77)

score, flowmeter, capture_dir = sys.argv[1:4]
captures = sorted(glob.glob(f"{capture_dir}/*.pcapng"))


def number(text):
    return math.nan if text == "" else float(text)


meter = ["--quiet", "--handshakes", "off", "--features", "standard"]
rows = list(csv.DictReader(io.StringIO(subprocess.run([flowmeter, *meter, *captures], capture_output=True, text=True,
                                                      check=True).stdout)))
with tempfile.TemporaryDirectory() as tmp:  # the feature columns: those the .npy output holds
    subprocess.run([flowmeter, *meter, "--format", "npy", "--output", f"{tmp}/f", *captures], check=True)
    with open(f"{tmp}/f.columns.txt") as f:
        features = f.read().split()
assert len(features) == 190, f"{len(features)} standard features"
x = np.array([[number(r[c]) for c in features] for r in rows])
y = np.array([1.0 if r["protocol"] == "6" else 0.0 for r in rows])
assert 0 < y.sum() < len(y), "the shipped captures hold TCP and other flows"
booster = xgb.train({"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "seed": 1},
                    xgb.DMatrix(x, label=y, feature_names=features), num_boost_round=8)
expected = {(r["community_id"], r["first_seen"]): p for r, p in zip(rows, booster.predict(xgb.DMatrix(x, feature_names=features)))}

with tempfile.TemporaryDirectory() as tmp:
    model = f"{tmp}/model.json"
    booster.save_model(model)
    scored = subprocess.run([score, "--model", model, *captures], capture_output=True, text=True, check=True)
    sharded = subprocess.run([score, "--model", model, "--threads", "3", *captures], capture_output=True, text=True, check=True)
assert sharded.stdout == scored.stdout, "--threads 3 wrote other bytes than one thread"
got = list(csv.DictReader(io.StringIO(scored.stdout)))
assert "p_1" in got[0], f"no p_1 column in {list(got[0])[-3:]}"
assert len(got) == len(expected), f"{len(got)} flows scored, the flow meter has {len(expected)}"
worst = 0.0
for r in got:
    want = expected[(r["community_id"], r["first_seen"])]
    worst = max(worst, abs(float(r["p_1"]) - want))
    assert abs(float(r["p_0"]) + float(r["p_1"]) - 1) < 1e-12
assert worst < 1e-6, f"largest difference from xgboost's prediction: {worst}"
print(f"pktdyn-score: {len(got)} flows, {len(features)} features, largest difference from xgboost {worst:.2e}")
