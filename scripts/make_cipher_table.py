#!/usr/bin/python3
"""Prints the weak TLS cipher suite table of detect/cipher_suites.hpp from Wireshark's names.

  scripts/make_cipher_table.py            the C++ arrays, from `tshark -G values`
  scripts/make_cipher_table.py --tsv      id, name and weaknesses of every suite tshark names

A suite is weak by its IANA name (RFC 8446 §C.3 / RFC 7465 / RFC 8996's reasons):
  null      no encryption: WITH_NULL, NULL_WITH
  export    export-grade keys: EXPORT
  anon      no server authentication: _anon_
  rc4       RC4 (RFC 7465 forbids it)
  des       DES or triple DES (64-bit blocks: Sweet32)
  cbc_sha1  CBC mode with an HMAC-SHA1 record MAC (name ends _CBC_SHA): no AEAD, Lucky13-prone
The test tests/detect/check_cipher_table.py derives the same sets from tshark and compares.
"""
import re
import subprocess
import sys

RULES = [
    ("null", lambda n: "WITH_NULL" in n or n.startswith("TLS_NULL_WITH")),
    ("export", lambda n: "EXPORT" in n),
    ("anon", lambda n: "_anon_" in n),
    ("rc4", lambda n: "RC4" in n),
    ("des", lambda n: "3DES" in n or re.search(r"_DES(40)?_", n) is not None),
    ("cbc_sha1", lambda n: n.endswith("_CBC_SHA")),
]


def suites():
    out = subprocess.run(["tshark", "-G", "values"], capture_output=True, text=True, check=True).stdout
    table = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] == "V" and parts[1] == "tls.handshake.ciphersuite":
            table[int(parts[2])] = parts[3]
    return table


def weak_sets(table):
    return {name: sorted(i for i, n in table.items() if rule(n)) for name, rule in RULES}


def main():
    table = suites()
    if "--tsv" in sys.argv:
        for i, n in sorted(table.items()):
            print(f"{i}\t{n}\t{','.join(name for name, rule in RULES if rule(n))}")
        return
    for name, ids in weak_sets(table).items():
        body = ", ".join(f"0x{i:04X}" for i in ids)
        print(f"inline constexpr std::array<std::uint16_t, {len(ids)}> {name}_suites{{{body}}};")


if __name__ == "__main__":
    main()
