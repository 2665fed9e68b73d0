#!/usr/bin/python3
"""What a change does to the flow meter's output on the corpus, flow by flow.

    scripts/flowmeter_corpus_diff.py run FLOWMETER OUTDIR     one CSV per corpus capture (+ .err, .rc)
    scripts/flowmeter_corpus_diff.py compare BEFORE AFTER     flows added, removed and changed, by column

Run it with the flow meter built before a change and after it (a `git worktree` of the earlier
commit builds the first), then compare. Flows are matched by (community_id, first_seen); a flow
whose key or start moved shows as one removed and one added. The corpus is PKTDYN_CORPUS
(default ../shared/corpus). Every flow meter option after OUTDIR is passed on.
"""
import collections
import csv
import os
import subprocess
import sys

csv.field_size_limit(1 << 30)
corpus = os.environ.get("PKTDYN_CORPUS", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "corpus"))


def run(flowmeter, out, options):
    root = os.path.join(corpus, "pcap")
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            os.makedirs(os.path.join(out, os.path.dirname(rel)), exist_ok=True)
            base = os.path.join(out, rel)
            with open(base + ".csv", "wb") as o, open(base + ".err", "wb") as e:
                try:
                    rc = subprocess.run([flowmeter, "--quiet", "--features", "standard", *options, path],
                                        stdout=o, stderr=e, timeout=120).returncode
                except subprocess.TimeoutExpired:
                    rc = "timeout"
            with open(base + ".rc", "w") as r:
                r.write(f"{rc}\n")


def rows(path):
    try:
        with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
            return {(r["community_id"], r["first_seen"], i): r for i, r in enumerate(csv.DictReader(f))}
    except FileNotFoundError:
        return {}


def keyed(table):
    # Several flows may share an ID and start (a split at the same nanosecond): number them in order.
    seen = collections.Counter()
    out = {}
    for (cid, first, _), r in sorted(table.items(), key=lambda kv: kv[0][2]):
        seen[(cid, first)] += 1
        out[(cid, first, seen[(cid, first)])] = r
    return out


def header(path):
    try:
        with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
            return next(csv.reader(f), [])
    except FileNotFoundError:
        return []


def compare(before, after):
    added = removed = changed = same = 0
    new_columns, gone_columns = set(), set()
    by_column = collections.Counter()
    files_changed = collections.Counter()
    examples = collections.defaultdict(list)
    exit_codes = collections.Counter()
    for dirpath, _, files in sorted(os.walk(before)):
        for name in sorted(files):
            if name.endswith(".rc"):
                rel = os.path.relpath(os.path.join(dirpath, name), before)[:-3]
                with open(os.path.join(before, rel + ".rc")) as f:
                    rc_before = f.read().strip()
                try:
                    with open(os.path.join(after, rel + ".rc")) as f:
                        rc_after = f.read().strip()
                except FileNotFoundError:
                    rc_after = "missing"
                if rc_before != rc_after:
                    exit_codes[(rc_before, rc_after)] += 1
            if not name.endswith(".csv"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), before)
            b, a = keyed(rows(os.path.join(before, rel))), keyed(rows(os.path.join(after, rel)))
            hb, ha = header(os.path.join(before, rel)), header(os.path.join(after, rel))
            if hb and ha:
                new_columns |= set(ha) - set(hb)
                gone_columns |= set(hb) - set(ha)
            for k in b.keys() - a.keys():
                removed += 1
                files_changed[rel[:-4]] += 1
            for k in a.keys() - b.keys():
                added += 1
                files_changed[rel[:-4]] += 1
            for k in b.keys() & a.keys():
                diff = [c for c in b[k] if c in a[k] and b[k][c] != a[k][c]]
                if diff:
                    changed += 1
                    files_changed[rel[:-4]] += 1
                    for c in diff:
                        by_column[c] += 1
                        if len(examples[c]) < 3:
                            examples[c].append(f"{rel[:-4]} {k[0]} {k[1]}: {b[k].get(c)!r} -> {a[k].get(c)!r}")
                else:
                    same += 1
    print(f"flows unchanged {same}, changed {changed}, removed {removed}, added {added}")
    if new_columns or gone_columns:
        print(f"columns added: {', '.join(sorted(new_columns)) or 'none'}; removed: {', '.join(sorted(gone_columns)) or 'none'}")
    print(f"captures with a difference: {len(files_changed)}")
    for f, n in files_changed.most_common(40):
        print(f"  {n:6d}  {f}")
    print("changed values by column:")
    for c, n in by_column.most_common():
        print(f"  {n:6d}  {c}")
        for e in examples[c]:
            print(f"            {e}")
    if exit_codes:
        print("exit codes that changed (before -> after: captures):")
        for (x, y), n in exit_codes.most_common():
            print(f"  {x} -> {y}: {n}")


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
