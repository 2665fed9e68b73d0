#!/usr/bin/python3
"""An independent evaluator of LightGBM text models, for pktdyn's tests (LightGBM is not in Debian).

Written from LightGBM's documented model format and the decision rules of its Tree class
(include/LightGBM/tree.h), in plain Python doubles, sharing nothing with pktdyn's C++ loader:

  decision_type bits: 1 categorical, 2 default left, (dt >> 2) & 3 the missing type
                      (0 None, 1 Zero, 2 NaN)
  numerical:   NaN becomes 0.0 unless the missing type is NaN; then Zero-type with |x| <= 1e-35f,
               or NaN-type with NaN, takes the default side; otherwise left iff x <= threshold
  categorical: int(x) negative (NaN and values beyond int become INT_MIN on x86) goes right;
               left iff bit int(x) is set in the split's cat_threshold words
  child < 0 is leaf ~child; tree i adds to output i % num_tree_per_iteration; average_output
  divides by the number of iterations; binary / multiclassova: 1 / (1 + exp(-sigmoid * s));
  multiclass: softmax; poisson / gamma / tweedie: exp.

For each fixture NAME.txt in --fixtures writes NAME.inputs.csv and NAME.pred.csv into --out, the
inputs mixing random integers with values on, and one double either side of, every threshold, NaN,
signed zeros, the zero band's edges, and odd categories; and manifest.txt.
"""
import argparse
import math
import os
import random
import struct

ZERO = struct.unpack("f", struct.pack("f", 1e-35))[0]  # kZeroThreshold, a float


def parse(path):
    header, trees, tree = {}, [], None
    flags = set()
    with open(path) as f:
        lines = [l.rstrip("\r\n") for l in f]
    for line in lines:
        if line == "end of trees":
            break
        if line.startswith("Tree="):
            tree = {}
            trees.append(tree)
            continue
        if "=" not in line:
            if tree is None and line:
                flags.add(line)
            continue
        k, v = line.split("=", 1)
        (tree if tree is not None else header)[k] = v
    return header, flags, trees


def nums(s, kind=float):
    return [kind(x) for x in s.split()] if s else []


def to_int_x86(x):
    """C++ static_cast<int>(double) as x86 does it: truncation, INT_MIN when out of range or NaN."""
    if math.isnan(x) or x >= 2**31 or x <= -2**31 - 1:
        return -2**31
    return int(x)


def leaf_of(tree, row):
    if int(tree["num_leaves"]) == 1:
        return 0
    feat = nums(tree["split_feature"], int)
    thr = nums(tree["threshold"])
    dt = nums(tree["decision_type"], int)
    left, right = nums(tree["left_child"], int), nums(tree["right_child"], int)
    bounds = nums(tree.get("cat_boundaries", ""), int)
    words = nums(tree.get("cat_threshold", ""), int)
    node = 0
    while node >= 0:
        x = row[feat[node]]
        d = dt[node]
        missing = (d >> 2) & 3
        if d & 1:  # categorical
            i = to_int_x86(x)
            if i < 0:
                node = right[node]
                continue
            c = int(thr[node])
            w = words[bounds[c]:bounds[c + 1]]
            found = i // 32 < len(w) and (w[i // 32] >> (i % 32)) & 1
            node = left[node] if found else right[node]
            continue
        if math.isnan(x) and missing != 2:
            x = 0.0
        if (missing == 1 and -ZERO <= x <= ZERO) or (missing == 2 and math.isnan(x)):
            node = left[node] if d & 2 else right[node]
        else:
            node = left[node] if x <= thr[node] else right[node]
    return ~node


def predict(header, flags, trees, row):
    k = int(header.get("num_tree_per_iteration", "1"))
    scores = [0.0] * k
    for i, t in enumerate(trees):
        scores[i % k] += nums(t["leaf_value"])[leaf_of(t, row)]
    if "average_output" in flags:
        scores = [s / (len(trees) // k) for s in scores]
    objective = header.get("objective", "custom").split()
    sigmoid = 1.0
    for option in objective[1:]:
        if option.startswith("sigmoid:"):
            sigmoid = float(option[len("sigmoid:"):])
    name = objective[0]
    if name in ("binary", "multiclassova", "cross_entropy"):
        return [1.0 / (1.0 + math.exp(-sigmoid * s)) for s in scores]
    if name == "multiclass":
        top = max(scores)
        e = [math.exp(s - top) for s in scores]
        return [v / sum(e) for v in e]
    if name in ("poisson", "gamma", "tweedie"):
        return [math.exp(s) for s in scores]
    return scores


def inputs(header, trees, rng):
    width = int(header["max_feature_idx"]) + 1
    specials = [math.nan, 0.0, -0.0, ZERO, -ZERO, math.nextafter(ZERO, 1), math.nextafter(-ZERO, -1), 1e-36, -1e-36,
                -1.0, -0.5, 0.5, 2.7, 31, 32, 63, 64, 65, 95, 96, 1e10, -1e10, 2**31, math.inf, -math.inf]
    values = list(specials)
    for t in trees:
        for th, d in zip(nums(t.get("threshold", "")), nums(t.get("decision_type", ""), int)):
            if not d & 1:
                values += [th, math.nextafter(th, -math.inf), math.nextafter(th, math.inf), -th]
    rows = []
    for _ in range(400):
        rows.append([float(rng.randint(-2, 20)) if rng.random() < 0.7 else rng.choice(values) for _ in range(width)])
    for v in values:  # every interesting value in every column, the others random
        for c in range(width):
            r = [float(rng.randint(0, 20)) for _ in range(width)]
            r[c] = v
            rows.append(r)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(11)
    names = sorted(f[:-4] for f in os.listdir(a.fixtures) if f.endswith(".txt"))
    for name in names:
        header, flags, trees = parse(os.path.join(a.fixtures, name + ".txt"))
        rows = inputs(header, trees, rng)
        with open(os.path.join(a.out, name + ".inputs.csv"), "w") as f:
            f.writelines(",".join(repr(v) for v in r) + "\n" for r in rows)
        with open(os.path.join(a.out, name + ".pred.csv"), "w") as f:
            f.writelines(",".join(repr(v) for v in predict(header, flags, trees, r)) + "\n" for r in rows)
    with open(os.path.join(a.out, "manifest.txt"), "w") as f:
        f.write("lightgbm_reference.py\n" + "".join(n + "\n" for n in names))


if __name__ == "__main__":
    main()
