#!/usr/bin/python3
"""Checks pktdyn-gbdt end to end on generated data (numpy, Debian's python3-xgboost 1.7):

* the held-out rows written by --held-out give the printed accuracy, macro-F1, AUC and confusion
  matrix by scikit-learn, and their probabilities are xgboost's on those rows; macro-F1 equals
  scikit-learn's also with a class that has no held-out rows;
* a binary problem in CSV with text labels and a text column (left out), and a 3-class problem as
  .npy + .columns.txt with integer labels: training prints held-out accuracy, macro-F1 (and AUC for
  two classes) above thresholds on these separable problems, and a confusion matrix whose counts
  add up to the held-out rows and are labelled with the class names;
* the saved JSON loads in xgboost.Booster, and `score` on a file with the columns in another order
  and an extra column gives xgboost's predictions on the same rows (|dp| <= 1e-6; in practice 0);
* `score` with a hand-built LightGBM text model gives scripts/lightgbm_reference.py's probabilities
  (|dp| <= 1e-12);
* a missing label column, a malformed CSV, a truncated or damaged .npy (also a header whose shape overflows) and a
  non-numeric cell each give a
  message naming the file and the column or row, and a non-zero exit;
* a .npy whose header is longer than 127 bytes (versions 1.0 and 2.0; numpy loads them) reads as numpy reads it;
* `score` on a file without rows writes the header with every class (p_0,p_1 for a binary model);
* a model saved without feature names is scored by position when the column count matches (as xgboost does, with
  a note), refused with both counts otherwise; a model whose feature names repeat is refused;
* a duplicate column among 50,000 is found in well under 2 s;
* each numeric option out of range or not a number is refused with the option, the value and the reason, then the
  usage, exit 2."""
import os
import re
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import xgboost as xgb
except ImportError as e:  # ctest reports the test as skipped
    print(f"skipped: {e} (Debian's python3-numpy and python3-xgboost)")
    sys.exit(77)

program = sys.argv[1]
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
rng = np.random.default_rng(7)


def run(*args, ok=True):
    r = subprocess.run([program, *args], capture_output=True, text=True)
    if ok and r.returncode != 0:
        sys.exit(f"{args}: exit {r.returncode}\n{r.stderr}")
    return r


def metrics(out):
    m = re.search(r"held-out: accuracy ([0-9.]+)  macro-F1 ([0-9.]+)(?:  AUC ([0-9.]+))?", out)
    assert m, out
    return [float(v) if v else None for v in m.groups()]


def confusion(out, names):
    lines = out[out.index("confusion matrix"):].splitlines()[1:]
    assert lines[0].split() == names, lines[0]
    matrix = [line.split() for line in lines[1:1 + len(names)]]
    assert [row[0] for row in matrix] == names, matrix
    return np.array([[int(v) for v in row[1:]] for row in matrix])


def sklearn_macro_f1(cm):
    """scikit-learn's macro-F1 of the rows and columns of a confusion matrix (rows: true class)."""
    from sklearn.metrics import f1_score
    truth = [t for t in range(len(cm)) for p in range(len(cm)) for _ in range(cm[t][p])]
    predicted = [p for t in range(len(cm)) for p in range(len(cm)) for _ in range(cm[t][p])]
    return f1_score(truth, predicted, average="macro")


def check_held_out(path, printed, cm, names, booster, features):
    """The held-out predictions give the printed metrics by scikit-learn, and xgboost's probabilities."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, roc_auc_score
    lines = open(path).read().splitlines()
    assert lines[0] == "row,label,predicted," + ",".join("p_" + n for n in names), lines[0]
    cells = [line.split(",") for line in lines[1:]]
    rows = np.array([int(c[0]) - 1 for c in cells])
    truth = [names.index(c[1]) for c in cells]
    predicted = [names.index(c[2]) for c in cells]
    p = np.array([[float(v) for v in c[3:]] for c in cells])
    assert predicted == list(np.argmax(p, axis=1))
    accuracy, f1, auc = printed
    assert abs(accuracy_score(truth, predicted) - accuracy) < 1e-4
    assert abs(f1_score(truth, predicted, average="macro") - f1) < 1e-4
    if len(names) == 2:
        assert abs(roc_auc_score(truth, p[:, 1]) - auc) < 1e-4, (roc_auc_score(truth, p[:, 1]), auc)
    assert (confusion_matrix(truth, predicted, labels=range(len(names))) == cm).all()
    expected = booster.predict(xgb.DMatrix(features[rows], feature_names=booster.feature_names)).astype(np.float64)
    if len(names) == 2:
        expected = np.column_stack([1 - expected, expected])
    return np.max(np.abs(p - expected))


def true_tree_sizes(text):
    """Each tree's length in bytes as LightGBM's tree_sizes counts it (Tree= line to the next, or to 'end of trees')."""
    starts = [m.start() for m in re.finditer(r"^Tree=", text, re.M)] + [text.index("end of trees")]
    return [b - a for a, b in zip(starts, starts[1:])]


def with_true_tree_sizes(path, out):
    """The hand-built fixtures carry placeholder tree_sizes, which LightGBM and pktdyn refuse: a copy with the real ones."""
    text = open(path).read()
    text = re.sub(r"^tree_sizes=.*$", "tree_sizes=" + " ".join(map(str, true_tree_sizes(text))), text, count=1, flags=re.M)
    open(out, "w").write(text)
    return out


def npy_with_header(path, matrix, length, version=1):
    """matrix as float64 .npy with the header padded to `length` bytes (numpy pads to 64; it loads any length)."""
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': {matrix.shape}, }}".encode()
    header += b" " * (length - len(header) - 1) + b"\n"
    size = len(header).to_bytes(2 if version == 1 else 4, "little")
    open(path, "wb").write(b"\x93NUMPY" + bytes([version, 0]) + size + header + matrix.astype("<f8").tobytes())
    assert np.array_equal(np.load(path), matrix, equal_nan=True), path


def write_csv(path, columns, rows):
    with open(path, "w") as f:
        f.write(",".join(columns) + "\n")
        for row in rows:
            f.write(",".join("" if isinstance(v, float) and np.isnan(v) else str(v) for v in row) + "\n")


def read_scores(path):
    lines = open(path).read().splitlines()
    header = lines[0].split(",")
    cells = [line.split(",") for line in lines[1:]]
    return header, [c[0] for c in cells], np.array([[float(v) for v in c[1:]] for c in cells])


with tempfile.TemporaryDirectory() as tmp:
    # Binary, CSV: two informative features, one noise feature with missing values, a text column.
    n = 1500
    x = rng.normal(size=(n, 3))
    y = (x[:, 0] + 0.8 * x[:, 1] + 0.1 * rng.normal(size=n) > 0).astype(int)
    x[rng.random(n) < 0.1, 2] = np.nan
    names = np.array(["benign", "malicious"])[y]
    columns = ["flow_id", "bytes_ratio", "iat_mean", "noise", "label"]
    write_csv(f"{tmp}/binary.csv", columns,
              [[f"id{i}", *(float(v) for v in x[i]), names[i]] for i in range(n)])
    out = run("--label", "label", "--rounds", "40", "--depth", "4", "--threads", "2", "--save", f"{tmp}/binary.json",
              "--held-out", f"{tmp}/binary.held.csv", f"{tmp}/binary.csv")
    accuracy, f1, auc = metrics(out.stdout)
    assert accuracy >= 0.9 and f1 >= 0.9 and auc >= 0.97, out.stdout
    assert "flow_id" in out.stderr, "the text column is not reported as left out"
    cm = confusion(out.stdout, ["benign", "malicious"])
    assert cm.sum() == round(0.2 * (y == 0).sum()) + round(0.2 * (y == 1).sum()), cm
    assert abs(np.trace(cm) / cm.sum() - accuracy) < 1e-4
    assert abs(sklearn_macro_f1(cm) - f1) < 1e-4, (sklearn_macro_f1(cm), f1)
    assert open(f"{tmp}/binary.classes.txt").read().split() == ["benign", "malicious"]

    # Scoring a file with the columns shuffled and one more, against xgboost on the model's columns.
    order = ["noise", "extra", "iat_mean", "bytes_ratio"]
    fresh = rng.normal(size=(300, 3))
    fresh[::7, 1] = np.nan
    rows = [[fresh[i, 2], 1.0, fresh[i, 1], fresh[i, 0]] for i in range(300)]
    write_csv(f"{tmp}/fresh.csv", order, rows)
    run("score", "--model", f"{tmp}/binary.json", "--output", f"{tmp}/scores.csv", f"{tmp}/fresh.csv")
    header, predicted, p = read_scores(f"{tmp}/scores.csv")
    assert header == ["predicted", "p_benign", "p_malicious"], header
    booster = xgb.Booster(model_file=f"{tmp}/binary.json")
    assert booster.feature_names == ["bytes_ratio", "iat_mean", "noise"], booster.feature_names
    held_delta = check_held_out(f"{tmp}/binary.held.csv", (accuracy, f1, auc), cm, ["benign", "malicious"], booster, x)
    assert held_delta <= 1e-6, held_delta
    expected = booster.predict(xgb.DMatrix(fresh, feature_names=booster.feature_names))
    binary_delta = np.max(np.abs(p[:, 1] - expected))
    assert binary_delta <= 1e-6, binary_delta
    assert np.allclose(p[:, 0], 1 - p[:, 1], atol=1e-12)
    assert all(c == ["benign", "malicious"][int(v > 0.5)] for c, v in zip(predicted, p[:, 1]) if v != 0.5)

    # Three classes, .npy with integer labels in the middle of the columns.
    n = 1200
    centers = np.array([[0, 0], [4, 0], [0, 4]])
    k = rng.integers(0, 3, size=n)
    x3 = centers[k] + rng.normal(size=(n, 2))
    matrix = np.column_stack([x3[:, 0], k.astype(np.float64), x3[:, 1], rng.normal(size=n)])
    np.save(f"{tmp}/three.npy", matrix)
    open(f"{tmp}/three.columns.txt", "w").write("a\nclass\nb\nc\n")
    out = run("train", "--label", "class", "--rounds", "30", "--learning-rate", "0.2", "--test-fraction", "0.25",
              "--seed", "3", "--save", f"{tmp}/three.json", "--held-out", f"{tmp}/three.held.csv", f"{tmp}/three.npy")
    accuracy, f1, auc = metrics(out.stdout)
    assert accuracy >= 0.9 and f1 >= 0.9 and auc is None, out.stdout
    cm = confusion(out.stdout, ["0", "1", "2"])
    assert cm.sum() == sum(round(0.25 * (k == c).sum()) for c in range(3)), cm
    assert abs(sklearn_macro_f1(cm) - f1) < 1e-4, (sklearn_macro_f1(cm), f1)
    score = run("score", "--model", f"{tmp}/three.json", f"{tmp}/three.npy")
    lines = score.stdout.splitlines()
    assert lines[0] == "predicted,p_0,p_1,p_2", lines[0]
    p3 = np.array([[float(v) for v in line.split(",")[1:]] for line in lines[1:]])
    booster = xgb.Booster(model_file=f"{tmp}/three.json")
    held_delta = max(held_delta, check_held_out(f"{tmp}/three.held.csv", (accuracy, f1, auc), cm, ["0", "1", "2"], booster,
                                                matrix[:, [0, 2, 3]]))
    assert held_delta <= 1e-6, held_delta
    expected = booster.predict(xgb.DMatrix(matrix[:, [0, 2, 3]], feature_names=["a", "b", "c"]))
    multi_delta = np.max(np.abs(p3 - expected))
    assert p3.shape == (n, 3) and multi_delta <= 1e-6, multi_delta

    # A class with one row (none held out, never predicted) does not count in macro-F1.
    rare = np.array(names, dtype=object)
    rare[0] = "rare"
    write_csv(f"{tmp}/rare.csv", columns, [[f"id{i}", *(float(v) for v in x[i]), rare[i]] for i in range(len(rare))])
    out = run("--label", "label", "--rounds", "20", f"{tmp}/rare.csv")
    accuracy, f1, auc = metrics(out.stdout)
    cm = confusion(out.stdout, ["benign", "malicious", "rare"])
    assert cm[2].sum() == 0 and f1 >= 0.9 and abs(sklearn_macro_f1(cm) - f1) < 1e-4, (cm, f1)

    # A LightGBM text model (hand-built, tests/models/data/lightgbm) against the independent evaluator.
    sys.path.insert(0, os.path.join(root, "scripts"))
    import lightgbm_reference
    lightgbm_delta = 0.0
    for name in ["binary_missing", "multiclass"]:
        model = with_true_tree_sizes(os.path.join(root, "tests", "models", "data", "lightgbm", name + ".txt"),
                                     f"{tmp}/{name}.txt")
        header, flags, trees = lightgbm_reference.parse(model)
        features = header["feature_names"].split()
        lgb_rows = rng.integers(-2, 40, size=(200, len(features))).astype(np.float64)
        lgb_rows[rng.random(lgb_rows.shape) < 0.1] = np.nan
        write_csv(f"{tmp}/lgb.csv", features[::-1], lgb_rows[:, ::-1].tolist())
        run("score", "--model", model, "--output", f"{tmp}/lgb.scores.csv", f"{tmp}/lgb.csv")
        _, _, p = read_scores(f"{tmp}/lgb.scores.csv")
        expected = np.array([lightgbm_reference.predict(header, flags, trees, list(r)) for r in lgb_rows])
        if expected.shape[1] == 1:
            expected = np.column_stack([1 - expected[:, 0], expected[:, 0]])
        lightgbm_delta = max(lightgbm_delta, np.max(np.abs(p - expected)))
        assert p.shape == expected.shape and lightgbm_delta <= 1e-12, (name, lightgbm_delta)

    # Errors: a clear message naming the file and what is wrong, and a non-zero exit.
    def fails(args, *needles):
        r = run(*args, ok=False)
        assert r.returncode != 0, (args, r.stdout)
        for needle in needles:
            assert needle in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr and "terminate" not in r.stderr, r.stderr

    fails(["--label", "verdict", f"{tmp}/binary.csv"], f"{tmp}/binary.csv", "no label column 'verdict'")
    open(f"{tmp}/ragged.csv", "w").write("a,b,label\n1,2,x\n3,y\n")
    fails(["--label", "label", f"{tmp}/ragged.csv"], f"{tmp}/ragged.csv", "data row 2 has 2 cells")
    open(f"{tmp}/header.csv", "w").write("a,b,label\n")
    fails(["--label", "label", f"{tmp}/header.csv"], f"{tmp}/header.csv", "no data rows")
    open(f"{tmp}/typo.csv", "w").write("a,b,label\n1,2,x\n3,4..5,y\n")
    fails(["--label", "label", f"{tmp}/typo.csv"], f"{tmp}/typo.csv", "column 'b'", "'4..5' is not a number")
    with open(f"{tmp}/three.npy", "rb") as f:
        open(f"{tmp}/cut.npy", "wb").write(f.read()[:200])
    open(f"{tmp}/cut.columns.txt", "w").write("a\nclass\nb\nc\n")
    fails(["--label", "class", f"{tmp}/cut.npy"], f"{tmp}/cut.npy", "ends before")
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952, 8), }"
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    open(f"{tmp}/huge.npy", "wb").write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\0" * 64)
    open(f"{tmp}/huge.columns.txt", "w").write("a\nb\nc\nd\ne\nf\ng\nh\n")
    fails(["--label", "a", f"{tmp}/huge.npy"], f"{tmp}/huge.npy", "more values than the file holds")
    open(f"{tmp}/junk.npy", "wb").write(b"not numpy at all")
    open(f"{tmp}/junk.columns.txt", "w").write("a\n")
    fails(["--label", "a", f"{tmp}/junk.npy"], f"{tmp}/junk.npy", "not a NumPy .npy file")
    fails(["--label", "class", f"{tmp}/nothere.npy"], f"{tmp}/nothere.npy")
    write_csv(f"{tmp}/missing.csv", ["iat_mean", "noise"], [[1.0, 2.0]])
    fails(["score", "--model", f"{tmp}/binary.json", f"{tmp}/missing.csv"], "bytes_ratio", f"{tmp}/missing.csv")
    open(f"{tmp}/bad.json", "w").write('{"learner": 1')
    fails(["score", "--model", f"{tmp}/bad.json", f"{tmp}/fresh.csv"], f"{tmp}/bad.json", "invalid JSON")
    fails([f"{tmp}/binary.csv"], "train needs --label NAME", "usage")

    # Numeric options: the option, the value, why; then the usage; exit 2.
    def refused_option(args, message):
        r = run(*args, ok=False)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert r.stderr.startswith(f"pktdyn-gbdt: {message}\n") and "usage:" in r.stderr, (args, r.stderr)

    csv = f"{tmp}/binary.csv"
    refused_option(["--label", "label", "--threads", "100000", csv], "--threads 100000: out of range: 0 to 1024 (0: every core)")
    refused_option(["--label", "label", "--rounds", "12abc", csv], "--rounds 12abc: not a whole number")
    refused_option(["--label", "label", "--rounds", "0", csv], "--rounds 0: out of range: 1 to 100000")
    refused_option(["--label", "label", "--depth", "-2", csv], "--depth -2: out of range: 1 to 20")
    refused_option(["--label", "label", "--seed", "1.5", csv], "--seed 1.5: not a whole number")
    refused_option(["--label", "label", "--learning-rate", "inf", csv], "--learning-rate inf: not a finite number")
    refused_option(["--label", "label", "--learning-rate", "0", csv], "--learning-rate 0: out of range: above 0, at most 1")
    refused_option(["--label", "label", "--test-fraction", "nan", csv], "--test-fraction nan: not a finite number")
    refused_option(["--label", "label", "--test-fraction", "1", csv], "--test-fraction 1: out of range: 0 (hold none out) to below 1")
    refused_option(["--label", "label", "--frobnicate", csv], "unknown option '--frobnicate'")
    refused_option(["score", "--model", f"{tmp}/binary.json", "--threads", "2", csv], "--threads is for train, not score")

    # A file without rows: the header still lists every class (a logistic model has two).
    write_csv(f"{tmp}/empty.csv", order, [])
    out = run("score", "--model", f"{tmp}/binary.json", f"{tmp}/empty.csv")
    assert out.stdout == "predicted,p_benign,p_malicious\n", out.stdout
    os.rename(f"{tmp}/binary.classes.txt", f"{tmp}/binary.classes.txt.away")
    out = run("score", "--model", f"{tmp}/binary.json", f"{tmp}/empty.csv")
    assert out.stdout == "predicted,p_0,p_1\n", out.stdout
    os.rename(f"{tmp}/binary.classes.txt.away", f"{tmp}/binary.classes.txt")
    write_csv(f"{tmp}/empty3.csv", ["a", "b", "c"], [])
    out = run("score", "--model", f"{tmp}/three.json", f"{tmp}/empty3.csv")
    assert out.stdout == "predicted,p_0,p_1,p_2\n", out.stdout

    # A model without feature names (xgboost trained on a bare matrix): by position, as xgboost scores it.
    bare = xgb.train({"objective": "binary:logistic", "max_depth": 3}, xgb.DMatrix(x, label=y), 10)
    bare.save_model(f"{tmp}/bare.json")
    assert xgb.Booster(model_file=f"{tmp}/bare.json").feature_names is None
    write_csv(f"{tmp}/positions.csv", ["whatever", "names", "here"], fresh.tolist())
    out = run("score", "--model", f"{tmp}/bare.json", "--output", f"{tmp}/positions.scores.csv", f"{tmp}/positions.csv")
    assert "has no feature names: reading the 3 feature columns" in out.stderr and "by position" in out.stderr, out.stderr
    _, _, p = read_scores(f"{tmp}/positions.scores.csv")
    expected = xgb.Booster(model_file=f"{tmp}/bare.json").predict(xgb.DMatrix(fresh))
    position_delta = np.max(np.abs(p[:, 1] - expected))
    assert position_delta <= 1e-6, position_delta
    write_csv(f"{tmp}/four.csv", ["a", "b", "c", "d"], [[1.0, 2.0, 3.0, 4.0]])
    fails(["score", "--model", f"{tmp}/bare.json", f"{tmp}/four.csv"], f"{tmp}/bare.json", f"{tmp}/four.csv",
          "its 3 features are read by position, but the file has 4 feature columns")

    # A model whose feature names repeat: two features would read one column.
    import json
    doc = json.load(open(f"{tmp}/binary.json"))
    doc["learner"]["feature_names"] = ["bytes_ratio", "iat_mean", "bytes_ratio"]
    json.dump(doc, open(f"{tmp}/twice.json", "w"))
    fails(["score", "--model", f"{tmp}/twice.json", f"{tmp}/fresh.csv"], f"{tmp}/twice.json",
          "feature_names holds 'bytes_ratio' twice (features 0 and 2)")

    # .npy headers longer than 127 bytes (xtensor 0.24 misread their length), versions 1.0 and 2.0.
    reference = run("score", "--model", f"{tmp}/three.json", f"{tmp}/three.npy").stdout
    for version, length in [(1, 246), (2, 500)]:
        npy_with_header(f"{tmp}/long{version}.npy", matrix, length, version)
        open(f"{tmp}/long{version}.columns.txt", "w").write("a\nclass\nb\nc\n")
        out = run("score", "--model", f"{tmp}/three.json", f"{tmp}/long{version}.npy")
        assert out.stdout == reference, (version, out.stdout[:200])

    # 50,000 columns, the last repeating the one before: found by the header check at once.
    import time
    names = [f"c{i}" for i in range(49999)] + ["c49998"]
    open(f"{tmp}/wide.csv", "w").write(",".join(names) + "\n" + ",".join("1" for _ in names) + "\n")
    start = time.monotonic()
    fails(["--label", "c0", f"{tmp}/wide.csv"], f"{tmp}/wide.csv",
          "column 'c49998' appears more than once (columns 49999 and 50000, counting from 1)")
    wide_seconds = time.monotonic() - start
    assert wide_seconds < 2, wide_seconds

print(f"pktdyn-gbdt: binary accuracy/F1/AUC above thresholds, 3-class on .npy; scores equal python3-xgboost "
      f"{xgb.__version__} (max |dp| {binary_delta:.2g} binary, {multi_delta:.2g} 3-class, {held_delta:.2g} held out); LightGBM text models score as scripts/lightgbm_reference.py "
      f"(max |dp| {lightgbm_delta:.2g}); a model without names scored by position (max |dp| {position_delta:.2g}); "
      f"metrics equal sklearn's; error cases and bad options refused clearly; 50,000-column header checked in "
      f"{wide_seconds:.2f} s")
