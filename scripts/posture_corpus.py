#!/usr/bin/python3
"""Which corpus captures trigger each encryption-posture rule: the evidence table of docs/posture.md.

  scripts/posture_corpus.py [--pktdyn-classify BIN] [--corpus DIR] [--out FILE.tsv]

Runs `pktdyn-classify` on every capture of the corpus (two at a time) and writes, per rule (the
part of a reason before '='), the captures whose flows fired it with their flow counts, and the
postures of all judged flows. A capture that triggers no rule is the non-triggering example.
"""
import argparse
import collections
import concurrent.futures
import csv
import io
import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent


def judge(binary, path):
    done = subprocess.run([binary, "--quiet", "--behaviour-only", str(path)], capture_output=True, text=True)
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    return path, rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pktdyn-classify", default=str(ROOT / "build/dev/examples/pktdyn-classify"))
    p.add_argument("--corpus", default=os.environ.get("PKTDYN_CORPUS", str(ROOT.parent / "shared/corpus")))
    p.add_argument("--out", default=str(ROOT / "build/posture_corpus.tsv"))
    a = p.parse_args()
    captures = sorted(q for q in (pathlib.Path(a.corpus) / "pcap").rglob("*") if q.is_file() and q.suffix in (".pcap", ".pcapng", ".cap", ".trace", ".dump", ".pcap0"))
    by_rule = collections.defaultdict(collections.Counter)
    details = collections.defaultdict(collections.Counter)
    postures = collections.Counter()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for path, rows in pool.map(lambda c: judge(a.pktdyn_classify, c), captures):
            name = str(path.relative_to(pathlib.Path(a.corpus) / "pcap"))
            for r in rows:
                postures[r["posture"] or "(no payload)"] += 1
                for reason in filter(None, r["posture_reasons"].split(";")):
                    rule, _, detail = reason.partition("=")
                    by_rule[rule][name] += 1
                    if detail:
                        details[rule][detail] += 1
    with open(a.out, "w") as out:
        out.write("rule\tcaptures\tflows\texamples\tdetails\n")
        for rule, caps in sorted(by_rule.items()):
            examples = ", ".join(f"{c} ({n})" for c, n in caps.most_common(4))
            detail = ", ".join(f"{d} ({n})" for d, n in details[rule].most_common(6))
            out.write(f"{rule}\t{len(caps)}\t{sum(caps.values())}\t{examples}\t{detail}\n")
    print(open(a.out).read())
    print("postures:", dict(postures))
    print(f"{len(captures)} captures")


if __name__ == "__main__":
    main()
