#!/usr/bin/python3
"""Reference models and predictions from Debian's python3-xgboost, for pktdyn's model tests.

Writes into --out, per case NAME:
  NAME.json         the model (Booster.save_model)
  NAME.inputs.csv   rows to score (no header; 'nan' is missing)
  NAME.margin.csv   XGBoost's margins, one row per input row
  NAME.pred.csv     XGBoost's predictions (probabilities / values; class labels for multi:softmax)
and manifest.txt listing the cases. Inputs mix random integer-valued rows (as flow counts are),
rows that sit exactly on every split threshold, rows one double / one float step either side of
them, and missing values. Deterministic for a given XGBoost version.
"""
import argparse
import json
import os

import numpy as np
import xgboost as xgb


def thresholds(booster):
    """(feature, threshold) of every numerical split."""
    out = []
    for tree in json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]:
        types = tree.get("split_type", [0] * len(tree["left_children"]))
        for i, left in enumerate(tree["left_children"]):
            if left != -1 and types[i] == 0:
                out.append((tree["split_indices"][i], tree["split_conditions"][i]))
    return out


def edge_rows(booster, base, rng):
    """Rows that put features on, and one step either side of, the model's thresholds."""
    rows = []
    for f, t in thresholds(booster):
        t32 = np.float32(t)
        for v in (float(t32), np.nextafter(float(t32), -np.inf), np.nextafter(float(t32), np.inf),
                  float(np.nextafter(t32, np.float32(-np.inf))), float(np.nextafter(t32, np.float32(np.inf))),
                  # the midpoints to the neighbouring floats, where rounding to float32 ties
                  (float(t32) + float(np.nextafter(t32, np.float32(-np.inf)))) / 2,
                  (float(t32) + float(np.nextafter(t32, np.float32(np.inf)))) / 2):
            r = base[rng.integers(len(base))].copy()
            r[f] = v
            rows.append(r)
    return np.array(rows) if rows else np.empty((0, base.shape[1]))


def integer_data(rng, n, d, missing=0.1):
    X = rng.integers(0, 12, size=(n, d)).astype(np.float64)
    X[:, 0] = rng.integers(0, 1500, size=n)  # a wide count, like packet sizes
    X[rng.random(X.shape) < missing] = np.nan
    return X


def write_csv(path, a):
    with open(path, "w") as f:
        for row in np.atleast_2d(a):
            f.write(",".join(repr(float(v)) for v in row) + "\n")


def save_case(out, name, booster, X):
    booster.save_model(os.path.join(out, name + ".json"))
    # Score the reloaded file, as pktdyn will.
    b = xgb.Booster(model_file=os.path.join(out, name + ".json"))
    categorical = b.feature_types is not None and "c" in b.feature_types
    d = xgb.DMatrix(X, missing=np.nan, feature_names=b.feature_names, feature_types=b.feature_types,
                    enable_categorical=categorical)
    margin = b.predict(d, output_margin=True)
    pred = b.predict(d)
    if not categorical:  # the in-place path must agree with the DMatrix path
        assert np.array_equal(b.inplace_predict(X, predict_type="margin"), margin, equal_nan=True)
    n = X.shape[0]
    write_csv(os.path.join(out, name + ".inputs.csv"), X)
    write_csv(os.path.join(out, name + ".margin.csv"), margin.reshape(n, -1))
    write_csv(os.path.join(out, name + ".pred.csv"), pred.reshape(n, -1))
    return name


PARITY_PARAMS = {"tree_method": "hist", "max_depth": 6, "eta": 0.1, "lambda": 1.0, "alpha": 0.0, "gamma": 0.0,
                 "min_child_weight": 1.0, "max_bin": 256, "base_score": 0.5, "seed": 1, "nthread": 2}
PARITY_ROUNDS = 100


def training_parity(out, rng):
    """Data, parameters and XGBoost hist's held-out metrics for the trainer's parity test:
    parity_{train,test}.csv (label in the last column), parity_xgboost.txt (metric value lines)."""
    n, d = 24000, 10
    X = integer_data(rng, n, d, missing=0.05)
    Z = np.nan_to_num(X, nan=0.0)
    s = (np.log1p(Z[:, 0]) / 2 - Z[:, 1] / 4 + np.sin(Z[:, 2]) + (Z[:, 3] > 6) - (Z[:, 4] * Z[:, 5]) / 40
         + rng.normal(0, 1.0, n))
    y_bin = (s > np.median(s)).astype(float)
    y_multi = np.digitize(s, np.quantile(s, [0.25, 0.5, 0.75])).astype(float)
    train, test = slice(0, 18000), slice(18000, n)
    write_csv(os.path.join(out, "parity_train.csv"), np.column_stack([X[train], y_bin[train], y_multi[train], s[train]]))
    write_csv(os.path.join(out, "parity_test.csv"), np.column_stack([X[test], y_bin[test], y_multi[test], s[test]]))
    lines = [f"rounds {PARITY_ROUNDS}"]
    dtest_bin = xgb.DMatrix(X[test], label=y_bin[test])
    b = xgb.train({**PARITY_PARAMS, "objective": "binary:logistic"}, xgb.DMatrix(X[train], label=y_bin[train]),
                  PARITY_ROUNDS)
    p = b.predict(dtest_bin)
    lines.append(f"binary_logloss {logloss(y_bin[test], p)!r}")
    lines.append(f"binary_auc {auc(y_bin[test], p)!r}")
    b = xgb.train({**PARITY_PARAMS, "objective": "multi:softprob", "num_class": 4},
                  xgb.DMatrix(X[train], label=y_multi[train]), PARITY_ROUNDS)
    P = b.predict(xgb.DMatrix(X[test])).reshape(-1, 4)
    lines.append(f"multiclass_logloss {float(-np.mean(np.log(np.clip(P[np.arange(len(P)), y_multi[test].astype(int)], 1e-16, 1))))!r}")
    b = xgb.train({**PARITY_PARAMS, "objective": "reg:squarederror"}, xgb.DMatrix(X[train], label=s[train]), PARITY_ROUNDS)
    r = b.predict(xgb.DMatrix(X[test]))
    lines.append(f"regression_rmse {float(np.sqrt(np.mean((r - s[test]) ** 2)))!r}")
    with open(os.path.join(out, "parity_xgboost.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def logloss(y, p):
    p = np.clip(p, 1e-16, 1 - 1e-16)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def auc(y, p):
    """Area under the ROC curve, ties counted half (Mann-Whitney U)."""
    from scipy.stats import rankdata
    r = rankdata(p)
    pos = y == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return float((r[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    cases = []
    d = 8
    names = [f"f{i}" for i in range(d)]
    X = integer_data(rng, 3000, d)
    Xq = integer_data(rng, 1500, d)
    x0, x1, x2 = np.nan_to_num(X[:, 0], nan=700), np.nan_to_num(X[:, 1], nan=5), np.nan_to_num(X[:, 2], nan=5)
    logit = (x0 - 700) / 300 + (x1 - 6) / 3 - (x2 > 7) + rng.normal(0, 0.5, len(X))
    y_bin = (logit > 0).astype(int)
    y_multi = np.digitize(logit, [-1.5, -0.3, 0.8])  # 4 classes
    y_reg = logit * 3 + 10

    def train(params, y, rounds, **kw):
        return xgb.train({"tree_method": "hist", "seed": 1, **params}, xgb.DMatrix(X, label=y, **kw), rounds)

    def with_edges(b):
        return np.vstack([Xq, edge_rows(b, Xq, rng)])

    b = train({"objective": "binary:logistic", "max_depth": 5, "eta": 0.3}, y_bin, 40, feature_names=names)
    cases.append(save_case(out, "binary", b, with_edges(b)))
    b = train({"objective": "binary:logistic", "max_depth": 4, "base_score": 0.3}, y_bin, 20)
    cases.append(save_case(out, "binary_base_score", b, with_edges(b)))
    b = train({"objective": "binary:logitraw", "max_depth": 3, "base_score": 0.7}, y_bin, 10)
    cases.append(save_case(out, "logitraw", b, with_edges(b)))
    b = train({"objective": "multi:softprob", "num_class": 4, "max_depth": 4, "eta": 0.2}, y_multi, 25)
    cases.append(save_case(out, "softprob", b, with_edges(b)))
    b = train({"objective": "multi:softmax", "num_class": 4, "max_depth": 3}, y_multi, 10)
    cases.append(save_case(out, "softmax", b, with_edges(b)))
    b = train({"objective": "reg:squarederror", "max_depth": 6, "eta": 0.1}, y_reg, 60)
    cases.append(save_case(out, "regression", b, with_edges(b)))
    b = train({"objective": "reg:squarederror", "max_depth": 3, "base_score": 2.5}, y_reg, 10)
    cases.append(save_case(out, "regression_base_score", b, with_edges(b)))
    b = train({"objective": "reg:logistic", "max_depth": 4}, 1 / (1 + np.exp(-logit)), 20)
    cases.append(save_case(out, "reg_logistic", b, with_edges(b)))
    b = train({"objective": "count:poisson", "max_depth": 3}, np.round(np.exp(logit / 2)), 15)
    cases.append(save_case(out, "poisson", b, with_edges(b)))
    b = train({"objective": "binary:logistic", "max_depth": 4, "num_parallel_tree": 3, "subsample": 0.7,
               "colsample_bynode": 0.7}, y_bin, 5)
    cases.append(save_case(out, "forest", b, with_edges(b)))

    # Categorical features (partition splits and one-hot splits), with missing values; inputs
    # include categories never seen, negative, fractional and huge values.
    cat = rng.integers(0, 40, size=len(X)).astype(np.float64)
    cat[rng.random(len(cat)) < 0.1] = np.nan
    cat2 = rng.integers(0, 5, size=len(X)).astype(np.float64)
    Xc = np.column_stack([cat, cat2, X[:, :3]])
    affinity = rng.normal(0, 2, 40)
    yc = ((np.where(np.isnan(cat), 0, affinity[np.nan_to_num(cat).astype(int)]) + (cat2 == 3) * 1.5 + logit / 2) > 0).astype(int)
    types = ["c", "c", "q", "q", "q"]
    Xcq = Xc[:1500].copy()
    odd = np.array([-1, -0.5, 0.5, 2.7, 39.99, 40, 41, 63, 64, 1000, 1e9, 16777215, 16777216, np.nan])
    Xcq[:len(odd), 0] = odd
    Xcq[len(odd):2 * len(odd), 1] = odd
    for name, onehot in (("categorical", 1), ("categorical_onehot", 64)):
        b = xgb.train({"tree_method": "hist", "seed": 1, "objective": "binary:logistic", "max_depth": 4,
                       "max_cat_to_onehot": onehot},
                      xgb.DMatrix(Xc, label=yc, feature_types=types, enable_categorical=True), 20)
        Xe = np.vstack([Xcq, edge_rows(b, Xcq, rng)])
        cases.append(save_case(out, name, b, Xe))

    training_parity(out, rng)

    with open(os.path.join(out, "manifest.txt"), "w") as f:
        f.write(f"xgboost {xgb.__version__}\n")
        for c in cases:
            f.write(c + "\n")


if __name__ == "__main__":
    main()
