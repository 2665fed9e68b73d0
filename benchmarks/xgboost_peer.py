#!/usr/bin/python3
"""The peer side of benchmarks/models.cpp: Debian's python3-xgboost on the same models and rows.

Makes, once, into --dir: flow-like data (40 integer-valued features, missing values), two models
trained with tree_method=hist — binary:logistic, 200 trees of depth 6, and multi:softprob with 10
classes — the rows to score, and XGBoost's margins for them (bench_models checks pktdyn against these
before it times anything). Then, on every run, times XGBoost: inplace_predict with nthread=1 on
the same rows (best of --repeat), and hist training with --threads threads on the training rows
with the parameters bench_models trains with. Prediction is timed in CPU time (one thread, as
Google Benchmark's figures), and in wall time too; training in wall time. Writes the figures to DIR/xgboost_times.txt.
"""
import argparse
import os
import time

import numpy as np
import xgboost as xgb

FEATURES = 40
TRAIN_ROWS = 100_000
SCORE_ROWS = 100_000
TRAIN_PARAMS = {"tree_method": "hist", "max_depth": 6, "eta": 0.1, "max_bin": 256, "lambda": 1.0,
                "min_child_weight": 1.0, "objective": "binary:logistic", "base_score": 0.5}
TRAIN_ROUNDS = 200


def flow_like(rng, n):
    """Counts and sizes, as flow features are: integer-valued, skewed, sometimes missing."""
    X = np.empty((n, FEATURES))
    for j in range(FEATURES):
        scale = [3, 20, 300, 1500][j % 4]
        X[:, j] = np.floor(rng.exponential(scale, n))
    X[rng.random(X.shape) < 0.05] = np.nan
    return X


def labels(rng, X):
    Z = np.nan_to_num(X, nan=0.0)
    s = (np.log1p(Z[:, 0]) - np.log1p(Z[:, 1]) + 0.002 * Z[:, 2] - 0.0005 * Z[:, 3] + np.sin(Z[:, 4] / 7)
         + 0.3 * (Z[:, 5] > 10) + rng.normal(0, 0.7, len(Z)))
    y_bin = (s > np.median(s)).astype(np.float64)
    y_multi = np.digitize(s, np.quantile(s, np.linspace(0.1, 0.9, 9))).astype(np.float64)  # 10 classes
    return y_bin, y_multi


def make(d):
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(2024)
    X = flow_like(rng, TRAIN_ROWS)
    y_bin, y_multi = labels(rng, X)
    R = flow_like(rng, SCORE_ROWS)
    dtrain = xgb.DMatrix(X, label=y_bin)
    binary = xgb.train({**TRAIN_PARAMS, "seed": 1}, dtrain, TRAIN_ROUNDS)
    multi = xgb.train({"tree_method": "hist", "max_depth": 6, "eta": 0.1, "objective": "multi:softprob",
                       "num_class": 10, "seed": 1}, xgb.DMatrix(X, label=y_multi), 60)
    binary.save_model(os.path.join(d, "binary.json"))
    multi.save_model(os.path.join(d, "multiclass.json"))
    X.astype("<f8").tofile(os.path.join(d, "train.f64"))
    y_bin.astype("<f8").tofile(os.path.join(d, "train_labels.f64"))
    R.astype("<f8").tofile(os.path.join(d, "rows.f64"))
    for name, b in (("binary", binary), ("multiclass", multi)):
        b.inplace_predict(R, predict_type="margin").astype("<f4").tofile(os.path.join(d, name + ".margin.f32"))
    with open(os.path.join(d, "shape.txt"), "w") as f:
        f.write(f"features {FEATURES}\ntrain_rows {TRAIN_ROWS}\nscore_rows {SCORE_ROWS}\n")


def best_of(repeat, fn, clock=time.perf_counter):
    best = float("inf")
    for _ in range(repeat):
        t = clock()
        fn()
        best = min(best, clock() - t)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=os.environ.get("PKTDYN_BENCH_MODELS", "/tmp/pktdyn-bench/models"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-training", action="store_true")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.dir, "shape.txt")):
        make(a.dir)
    R = np.fromfile(os.path.join(a.dir, "rows.f64"), dtype="<f8").reshape(-1, FEATURES)
    out = [f"xgboost {xgb.__version__}"]
    for name in ("binary", "multiclass"):
        b = xgb.Booster(model_file=os.path.join(a.dir, name + ".json"))
        b.set_param({"nthread": 1})
        b.inplace_predict(R[:1000])  # warm up
        # CPU time, as Google Benchmark reports: one thread, so it is that thread's time, and a
        # machine shared with other work does not count against either side.
        cpu = best_of(a.repeat, lambda: b.inplace_predict(R), time.process_time)
        wall = best_of(a.repeat, lambda: b.inplace_predict(R))
        out.append(f"{name}_predict_rows_per_second {len(R) / cpu:.0f}")
        out.append(f"{name}_predict_rows_per_second_wall {len(R) / wall:.0f}")
    if not a.no_training:
        X = np.fromfile(os.path.join(a.dir, "train.f64"), dtype="<f8").reshape(-1, FEATURES)
        y = np.fromfile(os.path.join(a.dir, "train_labels.f64"), dtype="<f8")
        params = {**TRAIN_PARAMS, "nthread": a.threads, "seed": 1}
        # DMatrix construction (quantile sketch) is part of the job, as binning is in pktdyn's trainer.
        seconds = best_of(max(1, a.repeat // 2),
                          lambda: xgb.train(params, xgb.DMatrix(X, label=y, nthread=a.threads), TRAIN_ROUNDS))
        out.append(f"train_seconds_{a.threads}_threads {seconds:.3f}")
    with open(os.path.join(a.dir, "xgboost_times.txt"), "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
