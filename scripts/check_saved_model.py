#!/usr/bin/python3
"""Loads a model pktdyn saved as XGBoost JSON into Debian's python3-xgboost and checks that XGBoost's
predictions on the given rows equal pktdyn's.
  check_saved_model.py MODEL.json ROWS.csv PKTDYN_PREDICTIONS.csv
Exit status 0 when every |difference| <= 1e-6, 1 otherwise (the worst difference is printed)."""
import sys

import numpy as np
import xgboost as xgb

model, rows, expected = sys.argv[1:4]
b = xgb.Booster(model_file=model)
X = np.loadtxt(rows, delimiter=",", ndmin=2)
ours = np.loadtxt(expected, delimiter=",", ndmin=2)
theirs = b.predict(xgb.DMatrix(X, missing=np.nan)).reshape(len(X), -1)
worst = float(np.max(np.abs(theirs - ours)))
print(f"xgboost {xgb.__version__}: {len(X)} rows, {b.num_boosted_rounds()} rounds, worst |difference| {worst:.3g}")
sys.exit(0 if worst <= 1e-6 else 1)
