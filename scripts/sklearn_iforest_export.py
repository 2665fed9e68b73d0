#!/usr/bin/python3
"""Reference data for pktdyn's isolation forest, from scikit-learn (Debian's python3-sklearn).

Writes into --out:
  exact-<name>.forest   a fitted sklearn IsolationForest in pktdyn's text form (isolation_forest.hpp)
  exact-<name>.scores   the rows it was asked about and sklearn's score_samples of each
  auc-<seed>.data       rows with known outliers, their labels, and the AUC of sklearn's forest
                        (random_state=seed) fitted on them

The text forms are state_text.hpp's: a "kind version" line, then "key values..." lines, sequences as
their length then the values, numbers in the shortest form that reads back to the same bits.
Exits 77 (ctest's "skipped") when scikit-learn is not installed.
"""
import argparse
import pathlib
import sys

try:
    import numpy as np
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score
except ImportError as e:
    print(f"sklearn_iforest_export: skipped, {e} (install python3-sklearn)", file=sys.stderr)
    sys.exit(77)

AUC_SEEDS = range(5)


def field(key, values):
    values = list(values)
    return f"{key} {len(values)} " + " ".join(repr(v) for v in values) + "\n"


def forest_text(forest, n_features):
    text = f"pktdyn.isolation_forest 1\nfeatures {n_features}\nsubsample {forest.max_samples_}\n"
    text += f"trees {len(forest.estimators_)}\n"
    for estimator, features in zip(forest.estimators_, forest.estimators_features_):
        t = estimator.tree_
        leaf = t.children_left == -1
        # A tree fitted on a subset of the features numbers them within the subset: map back.
        feature = np.where(leaf, -2, np.asarray(features)[np.where(leaf, 0, t.feature)])
        text += f"nodes {t.node_count}\n"
        text += field("left", map(int, t.children_left)) + field("right", map(int, t.children_right))
        text += field("feature", map(int, feature)) + field("threshold", map(float, t.threshold))
        text += field("samples", map(int, t.n_node_samples))
    return text


def near_thresholds(forest, X, rng, count):
    """Rows nudged to just above a split's threshold in double, where float32 may round them back
    below it: they go left in sklearn's float32 comparison and right in a double one."""
    rows = []
    for _ in range(count):
        k = rng.integers(len(forest.estimators_))
        t = forest.estimators_[k].tree_
        features = np.asarray(forest.estimators_features_[k])
        internal = np.flatnonzero(t.children_left != -1)
        node = rng.choice(internal)
        row = X[rng.integers(len(X))].copy()
        row[features[t.feature[node]]] = np.nextafter(t.threshold[node], np.inf)
        rows.append(row)
    return np.array(rows)


def exact_case(out, name, X_fit, X_score, **params):
    forest = IsolationForest(**params).fit(X_fit)
    scores = forest.score_samples(X_score)
    (out / f"exact-{name}.forest").write_text(forest_text(forest, X_fit.shape[1]))
    (out / f"exact-{name}.scores").write_text(
        f"pktdyn.sklearn_scores 1\nrows {len(X_score)}\ncolumns {X_score.shape[1]}\n"
        + field("values", map(float, X_score.ravel())) + field("score_samples", map(float, scores)))


def outlier_data(seed):
    """Two correlated Gaussian clusters in 6 dimensions, and 5% outliers from a wider Gaussian
    around them: outliers overlap the clusters' tails, so neither forest finds all of them."""
    rng = np.random.default_rng(1000 + seed)
    d, n, n_out = 6, 2000, 100
    mix = rng.normal(size=(d, d))
    centres = np.stack([np.zeros(d), np.full(d, 4.0)])
    inliers = rng.normal(size=(n, d)) @ mix * 0.5 + centres[rng.integers(2, size=n)]
    outliers = rng.normal(size=(n_out, d)) * 3.0 + 2.0
    X = np.vstack([inliers, outliers])
    y = np.r_[np.zeros(n), np.ones(n_out)]
    order = rng.permutation(len(X))
    return X[order], y[order]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=pathlib.Path)
    out = ap.parse_args().out
    out.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(7)
    X = np.vstack([rng.normal(size=(950, 4)) * [1, 10, 0.01, 1e6], rng.uniform(-8, 8, size=(50, 4))])
    X[:, 3] = np.round(X[:, 3])  # an integer-valued feature, as counters are
    forest = IsolationForest(random_state=3).fit(X)
    X_score = np.vstack([X, near_thresholds(forest, X, rng, 500), rng.normal(size=(200, 4)) * 20])
    exact_case(out, "default", X, X_score, random_state=3)
    # Fewer rows than 256 and a subsample not a power of two; feature subsets; bootstrap.
    exact_case(out, "small", X[:150], X_score, random_state=5, n_estimators=37)
    exact_case(out, "subsets", X, X_score, random_state=11, max_samples=100, max_features=0.5, bootstrap=True)

    for seed in AUC_SEEDS:
        X, y = outlier_data(seed)
        auc = roc_auc_score(y, -IsolationForest(random_state=seed).fit(X).score_samples(X))
        (out / f"auc-{seed}.data").write_text(
            f"pktdyn.outlier_data 1\nrows {len(X)}\ncolumns {X.shape[1]}\n" + field("values", map(float, X.ravel()))
            + field("outlier", map(int, y)) + f"sklearn_auc {auc!r}\n")
        print(f"seed {seed}: sklearn AUC {auc:.4f}")


if __name__ == "__main__":
    main()
