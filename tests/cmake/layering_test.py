#!/usr/bin/env python3
"""Reads every #include of pktdyn's headers and fails when an arrow runs back up the layers.

Layers, lowest first (a header may include its own folder and the folders of lower layers):
  core  <  simd, capture, proto  <  crypto  <  flow  <  features  <  models  <  baseline  <  detect  <  export  <  pipeline
(DESIGN.md's arrows, with crypto placed and baseline < detect, export < pipeline made explicit)
and pktdyn/pktdyn.hpp, the umbrella, above all. Optional dependencies stay in the headers that need
them: OpenSSL only in crypto/ and features/handshakes.hpp, libpcap only in capture/libpcap_source.hpp,
Eigen and xtensor only in export/eigen.hpp, export/npy.hpp and models/forest_matrix.hpp. The umbrella
includes every other header, and none of those.

  layering_test.py INCLUDE_DIR          check the tree
  layering_test.py --self-test INCLUDE_DIR
                                        also prove the check catches a back arrow and a stray dependency
"""
import pathlib
import re
import shutil
import sys
import tempfile

LAYERS = [["core"], ["simd", "capture", "proto"], ["crypto"], ["flow"], ["features"], ["models"], ["baseline"],
          ["detect"], ["export"], ["pipeline"]]
RANK = {folder: i for i, group in enumerate(LAYERS) for folder in group}
UMBRELLA_RANK = len(LAYERS)

# Which headers may include a system header of an optional dependency (a prefix of its path).
OPTIONAL = {
    "openssl/": lambda h: h.startswith("crypto/") or h == "features/handshakes.hpp",
    "pcap": lambda h: h == "capture/libpcap_source.hpp",
    "Eigen/": lambda h: h in ("export/eigen.hpp", "models/forest_matrix.hpp"),
    "xtensor/": lambda h: h in ("export/npy.hpp", "models/forest_matrix.hpp"),
    "xsimd/": lambda h: h in ("export/npy.hpp", "models/forest_matrix.hpp"),
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def rank_of(header: str) -> int:
    folder = header.split("/")[0] if "/" in header else None
    if folder is None:
        return UMBRELLA_RANK
    if folder not in RANK:
        raise SystemExit(f"layering: {header}: folder {folder}/ has no layer; add it to LAYERS in {__file__}")
    return RANK[folder]


def check(include_dir: pathlib.Path) -> list[str]:
    problems = []
    root = include_dir / "pktdyn"
    for path in sorted(root.rglob("*.hpp")):
        header = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        for line_no, (kind, target) in ((text.count("\n", 0, m.start()) + 1, m.groups()) for m in INCLUDE.finditer(text)):
            where = f"pktdyn/{header}:{line_no}"
            if kind == '"' and target.startswith("pktdyn/"):
                included = target[len("pktdyn/"):]
                if rank_of(included) > rank_of(header) or (
                        rank_of(included) == rank_of(header) and included.split("/")[0] != header.split("/")[0]):
                    problems.append(f"{where}: includes {target}, a layer above or beside its own")
            elif kind == "<":
                for prefix, allowed in OPTIONAL.items():
                    if target.startswith(prefix) and not allowed(header):
                        problems.append(f"{where}: includes <{target}>, an optional dependency this header may not need")
    return problems


def needs_optional(include_dir: pathlib.Path, header: str, seen=None) -> bool:
    """Whether `header` (or anything it includes from pktdyn) includes an optional dependency."""
    seen = set() if seen is None else seen
    if header in seen:
        return False
    seen.add(header)
    text = (include_dir / "pktdyn" / header).read_text(encoding="utf-8")
    for kind, target in INCLUDE.findall(text):
        if kind == "<" and any(target.startswith(prefix) for prefix in OPTIONAL):
            return True
        if kind == '"' and target.startswith("pktdyn/") and needs_optional(include_dir, target[len("pktdyn/"):], seen):
            return True
    return False


def check_umbrella(include_dir: pathlib.Path) -> list[str]:
    root = include_dir / "pktdyn"
    included = {t[len("pktdyn/"):] for k, t in INCLUDE.findall((root / "pktdyn.hpp").read_text()) if k == '"'}
    problems = []
    for path in sorted(root.glob("*/*.hpp")):
        header = path.relative_to(root).as_posix()
        optional = needs_optional(include_dir, header)
        if optional and header in included:
            problems.append(f"pktdyn/pktdyn.hpp includes {header}, which needs an optional target")
        elif not optional and header not in included:
            problems.append(f"pktdyn/pktdyn.hpp leaves out {header}, which the core target provides")
    return problems


def self_test(include_dir: pathlib.Path) -> None:
    """The check must flag an injected back arrow and an injected optional dependency."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = pathlib.Path(tmp) / "include"
        shutil.copytree(include_dir, copy)
        victim = copy / "pktdyn" / "proto" / "tcp.hpp"
        victim.write_text(victim.read_text() + '\n#include "pktdyn/flow/flow_key.hpp"\n#include <openssl/md5.h>\n')
        found = check(copy)
        if not any("proto/tcp.hpp" in p and "flow_key" in p for p in found):
            raise SystemExit("layering self-test: a back arrow proto -> flow went unnoticed")
        if not any("proto/tcp.hpp" in p and "openssl" in p for p in found):
            raise SystemExit("layering self-test: OpenSSL in proto/ went unnoticed")
        shutil.rmtree(copy)
        shutil.copytree(include_dir, copy)
        umbrella = copy / "pktdyn" / "pktdyn.hpp"
        umbrella.write_text(umbrella.read_text().replace('#include "pktdyn/flow/flow_key.hpp"\n', "")
                            + '#include "pktdyn/export/eigen.hpp"\n')
        found = check_umbrella(copy)
        if not any("leaves out flow/flow_key.hpp" in p for p in found):
            raise SystemExit("layering self-test: a header left out of the umbrella went unnoticed")
        if not any("includes export/eigen.hpp" in p for p in found):
            raise SystemExit("layering self-test: an optional header in the umbrella went unnoticed")


def main() -> int:
    args = sys.argv[1:]
    selftest = "--self-test" in args
    args = [a for a in args if a != "--self-test"]
    include_dir = pathlib.Path(args[0] if args else "include")
    if selftest:
        self_test(include_dir)
    problems = check(include_dir) + check_umbrella(include_dir)
    for p in problems:
        print(p)
    count = sum(1 for _ in (include_dir / "pktdyn").rglob("*.hpp"))
    print(f"layering: {count} headers, {len(problems)} arrows against the layers")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
