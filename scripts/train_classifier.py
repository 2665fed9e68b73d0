#!/usr/bin/python3
"""Trains pktdyn's shipped application models and measures them on captures they never saw.

  scripts/train_classifier.py [--pktdyn-classify BIN] [--corpus DIR] [--out DIR] [--report FILE]
                              [--cache DIR] [--skip-evaluation]

Data: the corpus's nDPI-labelled flows (labels/flows_detail.csv: nDPI's category and Master.App
label per 5-tuple, 405 captures), joined by capture and 5-tuple to the rows `pktdyn-classify
--model-inputs` writes for each capture (the models' own inputs, at each flow's end and after its
first 4, 8 and 16 packets). Flows nDPI could not classify, or classified only by port ("Match by
port"), are left out. Classes: the categories, and the applications (the last part of nDPI's
Master.App: TLS.Google -> Google, HTTP -> HTTP), seen in at least MIN_CAPTURES captures; flows of
rarer classes are left out and counted.

Models (XGBoost 1.7, Debian's python3-xgboost; multi:softprob, hist, one thread, fixed seed, so the
files come out the same bit for bit): app_{category,name}_{behaviour,text}.json in --out, each with
its classes, inputs and reject threshold as learner attributes (models/app_classifier.hpp reads
them). Behaviour models read flow_shape, TCP and handshake numbers; text models also read tokens of
the server / resolved / queried names, the ALPN offer and the JA4 that appear in at least
MIN_TOKEN_CAPTURES training captures.

Evaluation (written to --report as Markdown and printed): five-fold cross-validation grouped by
capture (no capture on both sides), macro-F1 and accuracy at the flow's end for a majority-class
baseline, a well-known-port baseline, and both models; the same models on a per-flow random split
(the leak); early verdicts after 4, 8, 16 packets; the reject threshold's accuracy / coverage
curve. The reject threshold shipped is the least probability at which the out-of-fold verdicts kept
are right at least TARGET_ACCURACY of the time (0.5 when none reaches it).
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GroupKFold, KFold

ROOT = pathlib.Path(__file__).resolve().parent.parent
MIN_CAPTURES = 8
MIN_TOKEN_CAPTURES = 3
TARGET_ACCURACY = 0.8
EARLY = (4, 8, 16)
SEED = 20261208
# Chosen on the capture-disjoint folds among a few settings (depth 4-6, 60-120 rounds, with and
# without row and column sampling and weights); depth 5 and 70 rounds keep each file under 5 MiB.
PARAMS = dict(objective="multi:softprob", tree_method="hist", max_depth=5, learning_rate=0.12, subsample=0.8,
              colsample_bytree=0.5, min_child_weight=2.0, max_bin=128, seed=SEED)
ROUNDS = 70
ID_COLUMNS = ["flow_index", "community_id", "originator", "originator_port", "responder", "responder_port", "protocol", "at_packets", "tokens"]

# The classic well-known-port table (IANA service names) with the category and application nDPI gives
# each protocol: what a port-based classifier says.
PORTS = {
    ("tcp", 80): ("Web", "HTTP"), ("tcp", 8080): ("Web", "HTTP"), ("tcp", 443): ("Web", "TLS"), ("tcp", 8443): ("Web", "TLS"),
    ("udp", 443): ("Web", "QUIC"), ("udp", 53): ("Network", "DNS"), ("tcp", 53): ("Network", "DNS"),
    ("udp", 5353): ("Network", "MDNS"), ("udp", 67): ("Network", "DHCP"), ("udp", 68): ("Network", "DHCP"),
    ("udp", 123): ("System", "NTP"), ("udp", 137): ("System", "NetBIOS"), ("udp", 138): ("System", "NetBIOS"),
    ("tcp", 139): ("System", "NetBIOS"), ("tcp", 445): ("System", "SMBv23"), ("tcp", 22): ("RemoteAccess", "SSH"),
    ("tcp", 23): ("RemoteAccess", "Telnet"), ("tcp", 3389): ("RemoteAccess", "RDP"), ("tcp", 5900): ("RemoteAccess", "VNC"),
    ("tcp", 25): ("Email", "SMTP"), ("tcp", 587): ("Email", "SMTP"), ("tcp", 465): ("Email", "SMTPS"),
    ("tcp", 110): ("Email", "POP3"), ("tcp", 995): ("Email", "POPS"), ("tcp", 143): ("Email", "IMAP"),
    ("tcp", 993): ("Email", "IMAPS"), ("udp", 5060): ("VoIP", "SIP"), ("tcp", 5060): ("VoIP", "SIP"),
    ("tcp", 554): ("Media", "RTSP"), ("tcp", 1935): ("Media", "RTMP"), ("tcp", 3306): ("Database", "MySQL"),
    ("tcp", 5432): ("Database", "PostgreSQL"), ("tcp", 1433): ("Database", "MsSQL-TDS"), ("tcp", 6379): ("Database", "Redis"),
    ("tcp", 27017): ("Database", "MongoDB"), ("tcp", 21): ("Download", "FTP_CONTROL"), ("tcp", 20): ("Download", "FTP_DATA"),
    ("udp", 1194): ("VPN", "OpenVPN"), ("tcp", 1194): ("VPN", "OpenVPN"), ("udp", 500): ("VPN", "IPSec"),
    ("udp", 4500): ("VPN", "IPSec"), ("tcp", 1723): ("VPN", "PPTP"), ("tcp", 6881): ("Download", "BitTorrent"),
    ("udp", 6881): ("Download", "BitTorrent"), ("tcp", 5222): ("Chat", "Jabber"), ("tcp", 6667): ("Chat", "IRC"),
    ("tcp", 1883): ("IoT-Scada", "MQTT"), ("tcp", 502): ("IoT-Scada", "Modbus"), ("tcp", 135): ("RPC", "DCE_RPC"),
    ("udp", 1900): ("Network", "SSDP"), ("udp", 3478): ("Network", "STUN"), ("udp", 161): ("Network", "SNMP"),
    ("udp", 162): ("Network", "SNMP"), ("udp", 514): ("System", "Syslog"), ("tcp", 389): ("System", "LDAP"),
    ("tcp", 88): ("Network", "Kerberos"), ("udp", 88): ("Network", "Kerberos"), ("udp", 1812): ("Network", "Radius"),
    ("tcp", 10050): ("Network", "Zabbix"), ("tcp", 10051): ("Network", "Zabbix"), ("udp", 427): ("RPC", "Service_Location_Protocol"),
    ("tcp", 853): ("Network", "DoH_DoT"), ("udp", 5355): ("Network", "LLMNR"),
}


def run_inputs(binary, corpus, cache, pcap):
    """The model inputs of one capture, cached by the capture's name and the program's bytes."""
    key = hashlib.sha256((pcap + BINARY_DIGEST).encode()).hexdigest()[:20]
    out = cache / f"{key}.csv"
    if not out.exists():
        tmp = out.with_suffix(".tmp")
        done = subprocess.run([binary, "--model-inputs", "--output", str(tmp), str(corpus / "pcap" / pcap)],
                              check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if not tmp.exists():  # a damaged capture still gives the flows before the damage; nothing at all is an error
            raise SystemExit(f"pktdyn-classify wrote nothing for {pcap}: {done.stderr.strip()}")
        tmp.replace(out)
    frame = pd.read_csv(out, low_memory=False)
    frame.insert(0, "pcap", pcap)
    return frame


PROTOCOL_NUMBERS = {"TCP": 6, "UDP": 17, "ICMP": 1, "ICMPV6": 58, "IGMP": 2, "SCTP": 132, "ESP": 50, "AH": 51, "VRRP": 112,
                    "OSPF": 89, "PIM": 103}
PROTOCOL_NAMES = {6: "tcp", 17: "udp"}


def endpoint_key(pcap, proto, a, pa, b, pb):
    ends = sorted([(str(a), int(pa) if pd.notna(pa) and pa != "" else 0), (str(b), int(pb) if pd.notna(pb) and pb != "" else 0)])
    return (pcap, proto, ends[0], ends[1])


def load(binary, corpus, cache):
    labels = pd.read_csv(corpus / "labels" / "flows_detail.csv", low_memory=False)
    labels = labels[labels.category.notna() & (labels.app != "Unknown") & (labels.confidence != "Match by port")].copy()
    labels["application"] = labels.app.str.split(".").str[-1]
    labels["proto_name"] = labels.proto.map(lambda p: PROTOCOL_NUMBERS.get(str(p)) or int(p))
    labels["key"] = [endpoint_key(*r) for r in labels[["pcap", "proto_name", "src_ip", "src_port", "dst_ip", "dst_port"]].itertuples(index=False)]
    # A 5-tuple nDPI labelled twice, differently, says nothing certain.
    agree = labels.groupby("key").category.nunique() == 1
    labels = labels[labels.key.map(agree)].drop_duplicates("key")
    pcaps = sorted(labels.pcap.unique())
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        frames = list(pool.map(lambda p: run_inputs(binary, corpus, cache, p), pcaps))
    rows = pd.concat(frames, ignore_index=True)
    rows["key"] = [endpoint_key(*r) for r in rows[["pcap", "protocol", "originator", "originator_port", "responder", "responder_port"]].itertuples(index=False)]
    joined = rows.merge(labels[["key", "category", "application", "breed"]], on="key", how="inner")
    return labels, joined


def classes_of(frame, column):
    end = frame[frame.at_packets == 0]
    seen = end.groupby(column).pcap.nunique()
    return sorted(seen[seen >= MIN_CAPTURES].index)


def vocabulary(frame):
    """Tokens seen in at least MIN_TOKEN_CAPTURES captures of `frame`, sorted."""
    captures = {}
    for pcap, tokens in zip(frame.pcap, frame.tokens.fillna("")):
        for t in set(tokens.split()):
            captures.setdefault(t, set()).add(pcap)
    return sorted(t for t, c in captures.items() if len(c) >= MIN_TOKEN_CAPTURES)


def matrix(frame, behaviour, vocab):
    x = frame[behaviour].astype("float64")
    if not vocab:
        return x
    index = {t: i for i, t in enumerate(vocab)}
    tokens = np.zeros((len(frame), len(vocab)), dtype="float64")
    for r, text in enumerate(frame.tokens.fillna("")):
        for t in text.split():
            if t in index:
                tokens[r, index[t]] = 1.0
    return pd.concat([x.reset_index(drop=True), pd.DataFrame(tokens, columns=vocab)], axis=1)


def weights(frame, target):
    """Each row weighed by 1 / sqrt(flows of its capture), mean 1: a capture with hundreds of flows of
    one protocol does not drown the others. (Weighing classes too raised macro-F1 a little but broke
    the probabilities' calibration, which the reject option needs.)"""
    per_capture = frame.groupby("pcap").flow.transform("nunique")
    w = (1 / np.sqrt(per_capture)).to_numpy()
    return w / w.mean()


def fit(frame, behaviour, target, classes, text, threads):
    vocab = vocabulary(frame) if text else []
    x = matrix(frame, behaviour, vocab)
    y = frame[target].map({c: i for i, c in enumerate(classes)}).to_numpy()
    data = xgb.DMatrix(x, label=y, weight=weights(frame, target), feature_names=list(x.columns), nthread=threads)
    booster = xgb.train({**PARAMS, "num_class": len(classes), "nthread": threads}, data, num_boost_round=ROUNDS)
    return booster, vocab


def predict(booster, frame, behaviour, vocab):
    x = matrix(frame, behaviour, vocab)
    return booster.predict(xgb.DMatrix(x, feature_names=list(x.columns)))


def at_n(frame, n):
    """Each flow's row as it was after n packets: the row at n, or its end row if it had no more."""
    early = frame[frame.at_packets == n]
    end = frame[frame.at_packets == 0]
    return pd.concat([early, end[~end.flow.isin(early.flow)]]).sort_values("flow")


def scores(truth, predicted):
    return f1_score(truth, predicted, average="macro", zero_division=0), accuracy_score(truth, predicted)


def evaluate(frame, behaviour, target, classes, report):
    frame = frame[frame[target].isin(classes)].copy()
    end = frame[frame.at_packets == 0].sort_values("flow")
    out = {"flows": len(end), "captures": int(end.pcap.nunique()), "classes": len(classes)}
    lines = [f"### {target}: {len(classes)} classes, {len(end)} flows in {out['captures']} captures", ""]
    lines += ["| split | model | macro-F1 | accuracy |", "|---|---|---:|---:|"]
    oof = {}
    for split_name, splitter, groups in (("capture-disjoint (5 folds by capture)", GroupKFold(5), end.pcap),
                                         ("per-flow random (5 folds, the leak)", KFold(5, shuffle=True, random_state=SEED), None)):
        predictions = {m: pd.Series(index=end.flow, dtype=object) for m in ("majority", "port", "behaviour", "behaviour+text")}
        probabilities = {}
        early = {m: {n: pd.Series(index=end.flow, dtype=object) for n in EARLY} for m in ("behaviour", "behaviour+text")}
        for train_flows, test_flows in splitter.split(end, groups=groups):
            train_ids, test_ids = set(end.flow.iloc[train_flows]), set(end.flow.iloc[test_flows])
            train, test = frame[frame.flow.isin(train_ids)], frame[frame.flow.isin(test_ids)]
            test_end = test[test.at_packets == 0].sort_values("flow")
            majority = train[train.at_packets == 0][target].value_counts().idxmax()
            predictions["majority"][test_end.flow] = majority
            column = 0 if target == "category" else 1
            predictions["port"][test_end.flow] = [
                PORTS.get((PROTOCOL_NAMES.get(p), int(port)) if pd.notna(port) else None, (None, None))[column] or majority
                for p, port in zip(test_end.protocol, test_end.responder_port)]
            for model, text in (("behaviour", False), ("behaviour+text", True)):
                booster, vocab = fit(train, behaviour, target, classes, text, threads=2)
                p = predict(booster, test_end, behaviour, vocab)
                predictions[model][test_end.flow] = [classes[i] for i in p.argmax(axis=1)]
                probabilities.setdefault(model, {}).update(dict(zip(test_end.flow, p.max(axis=1))))
                for n in EARLY:
                    rows = at_n(test, n)
                    q = predict(booster, rows, behaviour, vocab)
                    early[model][n][rows.flow] = [classes[i] for i in q.argmax(axis=1)]
        truth = end.set_index("flow")[target]
        encrypted = truth[end.set_index("flow").breed[truth.index] == "Encrypted"]
        for subset_name, subset in (("", truth), (", encrypted flows", encrypted)):
            if subset_name and not split_name.startswith("capture"):
                continue
            for model in predictions:
                f1, acc = scores(subset, predictions[model][subset.index])
                out[f"{split_name}{subset_name}/{model}"] = {"macro_f1": f1, "accuracy": acc, "flows": len(subset)}
                lines.append(f"| {split_name}{subset_name} ({len(subset)} flows) | {model} | {f1:.3f} | {acc:.3f} |")
        if split_name.startswith("capture"):
            per_class = ["", "Per class, capture-disjoint (F1; flows):", "",
                         "| class | flows | captures | port | behaviour | behaviour+text |", "|---|---:|---:|---:|---:|---:|"]
            f1s = {m: f1_score(truth, predictions[m][truth.index], labels=classes, average=None, zero_division=0)
                   for m in ("port", "behaviour", "behaviour+text")}
            for i, c in enumerate(classes):
                per_class.append(f"| {c} | {int((truth == c).sum())} | {end[end[target] == c].pcap.nunique()} | "
                                 + " | ".join(f"{f1s[m][i]:.2f}" for m in f1s) + " |")
            oof = {m: (predictions[m][truth.index], pd.Series(probabilities[m])[truth.index]) for m in ("behaviour", "behaviour+text")}
            early_lines = ["", "Early verdicts, capture-disjoint (a flow with fewer packets has its end verdict):", "",
                           "| model | " + " | ".join(f"after {n} packets" for n in EARLY) + " | at the end |",
                           "|---|" + "---:|" * (len(EARLY) + 1)]
            for model in ("behaviour", "behaviour+text"):
                cells = []
                for n in EARLY:
                    f1, acc = scores(truth, early[model][n][truth.index])
                    out[f"early/{model}/{n}"] = {"macro_f1": f1, "accuracy": acc}
                    cells.append(f"F1 {f1:.3f}, acc {acc:.3f}")
                f1, acc = scores(truth, predictions[model][truth.index])
                early_lines.append(f"| {model} | " + " | ".join(cells) + f" | F1 {f1:.3f}, acc {acc:.3f} |")
    lines += per_class + early_lines
    # The reject option: out-of-fold verdicts kept at or above each threshold.
    lines += ["", "Reject threshold, capture-disjoint out-of-fold verdicts (kept: probability ≥ threshold):", "",
              "| threshold | " + " | ".join(f"{m}: kept, accuracy of kept" for m in oof) + " |", "|---:|" + "---:|" * len(oof)]
    thresholds = {}
    curve = {m: [] for m in oof}
    for t in np.arange(0.0, 0.96, 0.05):
        cells = []
        for m, (pred, prob) in oof.items():
            kept = prob >= t - 1e-12
            acc = float((pred[kept] == truth[kept]).mean()) if kept.any() else float("nan")
            cells.append(f"{kept.mean():.3f}, {acc:.3f}")
            curve[m].append((round(float(t), 2), float(kept.mean()), acc))
            if m not in thresholds and kept.any() and acc >= TARGET_ACCURACY:
                thresholds[m] = round(float(t), 2)
        lines.append(f"| {t:.2f} | " + " | ".join(cells) + " |")
    out["reject_curve"] = curve
    out["reject_below"] = {m: thresholds.get(m, 0.5) for m in oof}
    lines += ["", "Shipped reject thresholds (least with accuracy of kept ≥ "
              f"{TARGET_ACCURACY}): " + ", ".join(f"{m} {v}" for m, v in out["reject_below"].items()), ""]
    report.extend(lines)
    return out


def train_final(frame, behaviour, target, classes, text, reject_below, path):
    frame = frame[frame[target].isin(classes)]
    booster, _ = fit(frame, behaviour, target, classes, text, threads=1)
    booster.set_attr(pktdyn_target="category" if target == "category" else "application",
                     pktdyn_inputs="behaviour+text" if text else "behaviour",
                     pktdyn_classes=",".join(classes), pktdyn_reject_below=f"{reject_below}")
    booster.save_model(str(path))
    return path.stat().st_size


def main():
    global BINARY_DIGEST
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pktdyn-classify", default=str(ROOT / "build/dev/examples/pktdyn-classify"))
    parser.add_argument("--corpus", default=os.environ.get("PKTDYN_CORPUS", str(ROOT.parent / "shared/corpus")))
    parser.add_argument("--out", default=str(ROOT / "data/models"))
    parser.add_argument("--report", default=str(ROOT / "data/models/evaluation.md"))
    parser.add_argument("--cache", default=str(ROOT / "build/classify-inputs"))
    parser.add_argument("--skip-evaluation", action="store_true", help="train the shipped models only")
    a = parser.parse_args()
    corpus, cache, out = pathlib.Path(a.corpus), pathlib.Path(a.cache), pathlib.Path(a.out)
    cache.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    BINARY_DIGEST = hashlib.sha256(pathlib.Path(a.pktdyn_classify).read_bytes()).hexdigest()

    labels, frame = load(a.pktdyn_classify, corpus, cache)
    frame["flow"] = frame.pcap + "|" + frame.flow_index.astype(str)
    behaviour = [c for c in frame.columns if c not in ID_COLUMNS + ["pcap", "key", "category", "application", "breed", "flow"]]
    end = frame[frame.at_packets == 0]
    report = ["# Application models: evaluation", "",
              f"Generated by `scripts/train_classifier.py` (XGBoost {xgb.__version__}, scikit-learn, seed {SEED}).", "",
              f"Labelled flows (nDPI, not Unknown, not port-matched): {len(labels)} in {labels.pcap.nunique()} captures; "
              f"joined to pktdyn flows: {len(end)} flow ends in {end.pcap.nunique()} captures ({len(frame)} rows with the early ones).", ""]
    results = {}
    targets = {"category": classes_of(frame, "category"), "application": classes_of(frame, "application")}
    for target, classes in targets.items():
        kept = end[end[target].isin(classes)]
        report.append(f"{target}: {len(classes)} classes seen in ≥ {MIN_CAPTURES} captures ({', '.join(classes)}); "
                      f"{len(end) - len(kept)} flows of rarer classes left out.")
        report.append("")
    if not a.skip_evaluation:
        for target, classes in targets.items():
            results[target] = evaluate(frame, behaviour, target, classes, report)
    elif (out / "evaluation.json").exists():  # the thresholds the last evaluation chose
        results = json.loads((out / "evaluation.json").read_text())
    sizes = {}
    for target, classes in targets.items():
        name = "category" if target == "category" else "name"
        for text in (False, True):
            model = "behaviour+text" if text else "behaviour"
            reject = results.get(target, {}).get("reject_below", {}).get(model, 0.5)
            path = out / f"app_{name}_{'text' if text else 'behaviour'}.json"
            sizes[path.name] = train_final(frame, behaviour, target, classes, text, reject, path)
    report += ["## Model files", "", "| file | bytes |", "|---|---:|"] + [f"| {k} | {v} |" for k, v in sizes.items()] + [""]
    text = "\n".join(report)
    if not a.skip_evaluation:
        pathlib.Path(a.report).write_text(text)
        (out / "evaluation.json").write_text(json.dumps(results, indent=1, default=float) + "\n")
    print(text)


BINARY_DIGEST = ""

if __name__ == "__main__":
    main()
