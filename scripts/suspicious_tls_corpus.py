#!/usr/bin/python3
"""Suspicious TLS on the corpus: pktdyn's reasons against nDPI's flow risks, the malware and attack
captures' hits and misses, and how often benign TLS scores high (docs/suspicious_tls.md).

  scripts/suspicious_tls_corpus.py [--pktdyn-classify BIN] [--corpus DIR] [--out FILE.md] [--check]

Every nDPI-labelled capture and every capture labels/capture_labels.csv calls malware or attack is
run through `pktdyn-classify --blocklist tests/detect/data/sslbl_ja3.csv` (abuse.ch SSLBL's JA3 list
as nDPI's repository ships it, the list nDPI's own test run used) with `--learn none` (one capture is
no network to learn from). TLS and QUIC flows are joined to nDPI's flows by capture and 5-tuple;
for each pktdyn reason with an nDPI counterpart the flows both flag, only pktdyn flags and only nDPI
flags are counted. --check exits 1 when pktdyn finds fewer of nDPI's flags than RECALL says (the
flags pktdyn adds are explained in docs/suspicious_tls.md; DGA heuristics differ and are not held).
"""
import argparse
import collections
import concurrent.futures
import csv
import io
import os
import pathlib
import subprocess
import sys

import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from train_classifier import PROTOCOL_NUMBERS, endpoint_key  # noqa: E402

# pktdyn reason -> nDPI flow risk (ndpi_typedefs.h's names as ndpiReader prints them)
RECALL = {"cert_self_signed": 1.0, "cert_expired|cert_not_yet_valid": 1.0, "cert_name_mismatch": 0.8, "sni_absent": 0.85,
          "sni_ip": 1.0, "blocklisted": 1.0}
PAIRS = [
    ("cert_self_signed", "Self-signed Cert"),
    ("cert_expired|cert_not_yet_valid", "TLS Cert Expired"),  # nDPI's covers both sides of the validity
    ("cert_name_mismatch", "TLS Cert Mismatch"),
    ("sni_absent", "Missing SNI TLS Extn"),
    ("sni_ip", "HTTP/TLS/QUIC Numeric Hostname/SNI"),
    ("sni_idn", "IDN Domain Name"),
    ("sni_dga", "Susp DGA Domain name"),
    ("blocklisted", "Malicious Fingerpint"),
]


def run(binary, corpus, pcap):
    done = subprocess.run([binary, "--quiet", "--behaviour-only", "--learn", "none", "--blocklist",
                           str(ROOT / "tests/detect/data/sslbl_ja3.csv"), str(corpus / "pcap" / pcap)],
                          capture_output=True, text=True)
    rows = pd.read_csv(io.StringIO(done.stdout), keep_default_na=False, low_memory=False) if done.stdout else pd.DataFrame()
    if len(rows):
        rows.insert(0, "pcap", pcap)
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pktdyn-classify", default=str(ROOT / "build/dev/examples/pktdyn-classify"))
    p.add_argument("--corpus", default=os.environ.get("PKTDYN_CORPUS", str(ROOT.parent / "shared/corpus")))
    p.add_argument("--out", default=str(ROOT / "build/suspicious_tls_corpus.md"))
    p.add_argument("--check", action="store_true")
    a = p.parse_args()
    corpus = pathlib.Path(a.corpus)
    if not (corpus / "labels/flows_detail.csv").exists():
        print(f"skipped: no corpus at {corpus}")
        sys.exit(77)
    labels = pd.read_csv(corpus / "labels/flows_detail.csv", low_memory=False)
    bad = pd.read_csv(corpus / "labels/capture_labels.csv")
    bad = bad[bad.label.str.startswith(("malware", "attack"))]
    pcaps = sorted(set(labels.pcap) | set(bad.pcap))
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        frames = [f for f in pool.map(lambda c: run(a.pktdyn_classify, corpus, c), pcaps) if len(f)]
    flows = pd.concat(frames, ignore_index=True)
    tls = flows[flows.tls_suspicion != ""].copy()
    tls["score"] = tls.tls_suspicion.astype(float)
    tls["reasons"] = tls.tls_suspicion_reasons.map(lambda r: {x.split("=")[0] for x in r.split(";") if x})
    out = ["# Suspicious TLS on the corpus", "",
           f"`scripts/suspicious_tls_corpus.py`: {len(pcaps)} captures, {len(tls)} TLS/QUIC flows scored.", ""]

    # Against nDPI's risks, on the joined flows.
    labels["proto_name"] = labels.proto.map(lambda x: PROTOCOL_NUMBERS.get(str(x)) or int(x))
    labels["key"] = [endpoint_key(*r) for r in labels[["pcap", "proto_name", "src_ip", "src_port", "dst_ip", "dst_port"]].itertuples(index=False)]
    risks = labels.groupby("key").risks.agg(lambda s: ";".join(x for x in s.dropna()))
    tls["key"] = [endpoint_key(*r) for r in tls[["pcap", "protocol", "originator", "originator_port", "responder", "responder_port"]].itertuples(index=False)]
    joined = tls[tls.key.isin(risks.index)].copy()
    joined["ndpi"] = joined.key.map(risks).map(lambda r: {x.strip() for x in r.split(";") if x.strip()})
    out += [f"Against nDPI's flow risks ({len(joined)} TLS/QUIC flows joined to nDPI's):", "",
            "| pktdyn reason | nDPI risk | both | pktdyn only | nDPI only |", "|---|---|---:|---:|---:|"]
    disagreements = []
    for ours, theirs in PAIRS:
        a_ = joined.reasons.map(lambda r: any(o in r for o in ours.split("|")))
        b_ = joined.ndpi.map(lambda r: theirs in r)
        both, mine, their = int((a_ & b_).sum()), int((a_ & ~b_).sum()), int((~a_ & b_).sum())
        out.append(f"| `{ours}` | {theirs} | {both} | {mine} | {their} |")
        if ours in RECALL and (both + their) and both < RECALL[ours] * (both + their):
            disagreements.append(f"{ours} finds {both} of nDPI's {both + their}")
        for kind, mask in (("pktdyn only", a_ & ~b_), ("nDPI only", ~a_ & b_)):
            for _, r in joined[mask].head(3).iterrows():
                out.append(f"|  | {kind}: `{r.pcap}` {r.server_name or '(no name)'} | | | |")
    # The malware and attack captures.
    out += ["", "Malware and attack captures (labels/capture_labels.csv) with TLS flows:", "",
            "| capture | label | TLS flows | highest score | its reasons |", "|---|---|---:|---:|---|"]
    for _, c in bad.iterrows():
        mine = tls[tls.pcap == c.pcap]
        if len(mine) == 0:
            continue
        top = mine.sort_values("score", ascending=False).iloc[0]
        out.append(f"| `{c.pcap}` | {c.label} | {len(mine)} | {int(top.score)} | {top.tls_suspicion_reasons or '—'} |")
    benign = tls[~tls.pcap.isin(bad.pcap)]
    counts = collections.Counter(x for r in benign.reasons for x in r)
    out += ["", f"Benign captures: {len(benign)} TLS/QUIC flows; score ≥ 50: {int((benign.score >= 50).sum())} "
            f"({100 * (benign.score >= 50).mean():.1f} %); ≥ 30: {int((benign.score >= 30).sum())} "
            f"({100 * (benign.score >= 30).mean():.1f} %). Reasons on benign flows: "
            + ", ".join(f"{k} {v}" for k, v in counts.most_common()), "",
            "Without the block list's points: " + str(int(((benign.score - benign.reasons.map(lambda r: 60 if "blocklisted" in r else 0)) >= 50).sum()))
            + " benign flows score 50 or more.", ""]
    high = benign.sort_values("score", ascending=False).head(8)
    out += ["The benign flows scored highest:", "", "| capture | server name | score | reasons |", "|---|---|---:|---|"]
    out += [f"| `{r.pcap}` | {r.server_name or '—'} | {int(r.score)} | {r.tls_suspicion_reasons} |" for _, r in high.iterrows()]
    text = "\n".join(out) + "\n"
    pathlib.Path(a.out).write_text(text)
    print(text)
    if a.check and disagreements:
        print("FAIL:", "; ".join(disagreements))
        sys.exit(1)


if __name__ == "__main__":
    main()
