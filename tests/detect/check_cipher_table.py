#!/usr/bin/python3
"""detect/cipher_suites.hpp holds exactly the weak suites Wireshark's names give (tshark -G values).

  check_cipher_table.py HEADER       exit 77 (skipped) without tshark
"""
import pathlib
import re
import shutil
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts"))
import make_cipher_table  # noqa: E402

if shutil.which("tshark") is None:
    print("skipped: no tshark")
    sys.exit(77)
header = pathlib.Path(sys.argv[1]).read_text()
ours = {name: [int(x, 16) for x in re.findall(r"0x[0-9A-F]{4}", body)]
        for name, body in re.findall(r"(\w+)_suites\{([^}]*)\}", header)}
theirs = make_cipher_table.weak_sets(make_cipher_table.suites())
bad = [name for name in theirs if ours.get(name) != theirs[name]]
for name in bad:
    print(f"{name}: header has {len(ours.get(name, []))} suites, tshark's names give {len(theirs[name])}: "
          f"missing {sorted(set(theirs[name]) - set(ours.get(name, [])))[:10]}, extra {sorted(set(ours.get(name, [])) - set(theirs[name]))[:10]}")
print(f"{sum(len(v) for v in theirs.values())} weak suite entries compared, {len(bad)} tables differ")
sys.exit(1 if bad else 0)
