#!/usr/bin/python3
"""pktdyn-classify's verdicts equal python3-xgboost's predictions from the same model files.

  check_classify.py PKTDYN_CLASSIFY MODELS CAPTURE|DIR...

For each capture: `pktdyn-classify --model-inputs` gives each flow's model inputs (at its end and
after 4, 8, 16 packets); XGBoost (Debian's python3-xgboost, not our code) loads the shipped JSON
models and predicts from them; pktdyn-classify's own verdicts (category, application, their
probabilities, the early categories, "unknown" below the reject threshold; no verdict for a flow
without payload) must agree flow by flow, probabilities within float32 rounding, and be the same
bytes at 3 threads as at 1. Exit 77 (skipped) when python3-xgboost is missing.
"""
import io
import pathlib
import subprocess
import sys

try:
    import numpy as np
    import pandas as pd
    import xgboost as xgb
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

binary, models = sys.argv[1], sys.argv[2]
captures = [str(p) for a in sys.argv[3:] for p in (sorted(pathlib.Path(a).glob("*.pcap*")) if pathlib.Path(a).is_dir() else [pathlib.Path(a)])]
ID = ["flow_index", "community_id", "originator", "originator_port", "responder", "responder_port", "protocol", "at_packets", "tokens"]


def load(path):
    booster = xgb.Booster()
    booster.load_model(path)
    attrs = booster.attributes()
    return booster, attrs["pktdyn_classes"].split(","), float(attrs["pktdyn_reject_below"])


def matrix(rows, names):
    x = pd.DataFrame(index=rows.index, columns=names, dtype="float64")
    for n in names:
        if n in rows.columns:
            x[n] = rows[n].astype("float64")
    token_names = [n for n in names if n not in rows.columns]
    for i, text in zip(rows.index, rows.tokens.fillna("")):
        present = set(text.split())
        for n in token_names:
            x.at[i, n] = 1.0 if n in present else 0.0
    return xgb.DMatrix(x.to_numpy(), feature_names=names)


def verdicts(model, rows):
    booster, classes, reject = model
    p = booster.predict(matrix(rows, booster.feature_names))
    best = p.argmax(axis=1)
    top = p.max(axis=1)
    return [classes[b] if q >= reject else "unknown" for b, q in zip(best, top)], top


failures = 0
checked = 0
for kind in ("text", "behaviour"):
    category = load(f"{models}/app_category_{kind}.json")
    application = load(f"{models}/app_name_{kind}.json")
    flags = [] if kind == "text" else ["--behaviour-only"]
    for capture in captures:
        inputs = pd.read_csv(io.StringIO(subprocess.run([binary, "--model-inputs", capture], capture_output=True, text=True,
                                                        check=True).stdout), low_memory=False)
        ours_text = subprocess.run([binary, "--quiet", "--early", *flags, capture], capture_output=True, text=True, check=True).stdout
        sharded = subprocess.run([binary, "--quiet", "--early", "--threads", "3", *flags, capture], capture_output=True, text=True,
                                 check=True).stdout
        if sharded != ours_text:
            print(f"FAIL {capture}: the output at 3 threads differs from 1 thread's")
            failures += 1
        ours = pd.read_csv(io.StringIO(ours_text), low_memory=False, keep_default_na=False)
        end = inputs[inputs.at_packets == 0].reset_index(drop=True)
        if len(end) != len(ours):
            print(f"FAIL {capture}: {len(ours)} verdicts for {len(end)} flows")
            failures += 1
            continue
        expected = {}
        expected["app_category"], expected["app_category_probability"] = verdicts(category, end)
        expected["app_name"], expected["app_name_probability"] = verdicts(application, end)
        for n in (4, 8, 16):
            at = inputs[inputs.at_packets == n].set_index("flow_index")
            rows = end.copy()
            take = rows.flow_index.isin(at.index)
            rows.loc[take, at.columns.drop("tokens", errors="ignore")] = at.loc[rows.flow_index[take]].reindex(
                columns=at.columns.drop("tokens", errors="ignore")).to_numpy()
            expected[f"app_category_at_{n}"], _ = verdicts(category, rows)
        payload = (end.orig_shape_bytes + end.resp_shape_bytes > 0).to_numpy()
        for column, values in expected.items():
            for i, v in enumerate(values):
                got = ours[column].iloc[i]
                checked += 1
                if not payload[i]:  # a flow without payload has no verdict
                    v = ""
                if column.endswith("probability") and v != "":
                    same = got != "" and abs(float(got) - float(v)) <= 2e-6
                else:
                    same = str(got) == str(v)
                if not same:
                    failures += 1
                    if failures <= 20:
                        print(f"FAIL {kind} {capture} flow {i} ({ours.community_id.iloc[i]}): {column} is {got}, XGBoost says {v}")
print(f"{checked} verdicts compared, {failures} differ")
sys.exit(1 if failures else 0)
