#!/usr/bin/python3
"""Independent reference values for tests/proto/tls_fingerprint_test.cpp.

Builds ClientHello / ServerHello handshake messages from an abstract description (version, cipher
list, extensions with their data) and computes JA3 / JA3S (Salesforce's README) and JA4 / JA4S
(FoxIO's technical_details/JA4.md and JA4S.md) from that *description*, not by parsing the bytes,
so the C++ parser and fingerprint code are checked against an independent reading of the specs.

    /usr/bin/python3 scripts/tls_fingerprint_reference.py            # print the cases (hex + values)
    /usr/bin/python3 scripts/tls_fingerprint_reference.py --tshark   # also cross-check JA3/JA3S with tshark

With --tshark, every TCP case is written into a pcap (one TCP segment to/from port 443) and tshark's
tls.handshake.ja3_full / ja3 / ja3s_full / ja3s must equal this script's values.
"""
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

GREASE = [0x0a0a + 0x1010 * i for i in range(16)]


def is_grease(v):
    return v in GREASE


def u8(v): return struct.pack("!B", v)
def u16(v): return struct.pack("!H", v)
def u24(v): return struct.pack("!I", v)[1:]


# --- extension data builders ------------------------------------------------------------------
def sni(host): name = host.encode(); entry = u8(0) + u16(len(name)) + name; return u16(len(entry)) + entry
def alpn(protos): body = b"".join(u8(len(p)) + p for p in protos); return u16(len(body)) + body
def u16_list(vals, prefix=2): body = b"".join(u16(v) for v in vals); return (u16(len(body)) if prefix == 2 else u8(len(body))) + body
def u8_list(vals): return u8(len(vals)) + bytes(vals)
def key_share(entries): body = b"".join(u16(g) + u16(len(k)) + k for g, k in entries); return u16(len(body)) + body


def client_hello(version, ciphers, extensions, session_id=b"", cookie=None, compression=(0,), dtls=False,
                 with_ext_block=True):
    body = u16(version) + bytes(range(32)) + u8(len(session_id)) + session_id
    if dtls:
        body += u8(len(cookie or b"")) + (cookie or b"")
    body += u16(2 * len(ciphers)) + b"".join(u16(c) for c in ciphers) + u8(len(compression)) + bytes(compression)
    if with_ext_block:
        ext = b"".join(u16(t) + u16(len(d)) + d for t, d in extensions)
        body += u16(len(ext)) + ext
    if dtls:
        return u8(1) + u24(len(body)) + u16(0) + u24(0) + u24(len(body)) + body
    return u8(1) + u24(len(body)) + body


def server_hello(version, cipher, extensions, random=bytes(range(100, 132))):
    body = u16(version) + random + u8(0) + u16(cipher) + u8(0)
    ext = b"".join(u16(t) + u16(len(d)) + d for t, d in extensions)
    body += u16(len(ext)) + ext
    return u8(2) + u24(len(body)) + body


# --- fingerprints from the description --------------------------------------------------------
def ja3(version, ciphers, ext_types, groups, point_formats):
    f = lambda vals: "-".join(str(v) for v in vals if not is_grease(v))
    text = f"{version},{f(ciphers)},{f(ext_types)},{f(groups)},{'-'.join(str(p) for p in point_formats)}"
    return text, hashlib.md5(text.encode()).hexdigest()


def ja3s(version, cipher, ext_types):
    text = f"{version},{cipher}," + "-".join(str(v) for v in ext_types if not is_grease(v))
    return text, hashlib.md5(text.encode()).hexdigest()


JA4_VERSION = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3", 0x0002: "s2",
               0xfeff: "d1", 0xfefd: "d2", 0xfefc: "d3"}


def ja4_alpn(first):
    # JA4.md "ALPN Extension Value": first and last characters; when either byte is not ASCII
    # alphanumeric, the first and last characters of the value's hex representation.
    if not first:
        return "00"
    alnum = lambda b: 0x30 <= b <= 0x39 or 0x41 <= b <= 0x5a or 0x61 <= b <= 0x7a
    if alnum(first[0]) and alnum(first[-1]):
        return chr(first[0]) + chr(first[-1])
    h = first.hex()
    return h[0] + h[-1]


def sha12(s):
    return "000000000000" if not s else hashlib.sha256(s.encode()).hexdigest()[:12]


def ja4(proto, legacy_version, supported_versions, has_sni, ciphers, ext_types, first_alpn, sigalgs):
    vers = [v for v in supported_versions if not is_grease(v)]
    if vers:
        # DTLS versions count down; the spec's "highest" means the newest.
        dtls = [v for v in vers if v >> 8 == 0xfe]
        version = min(dtls) if dtls else max(vers)
    else:
        version = legacy_version
    c = [x for x in ciphers if not is_grease(x)]
    e = [x for x in ext_types if not is_grease(x)]
    s = [x for x in sigalgs if not is_grease(x)]
    a = (proto + JA4_VERSION.get(version, "00") + ("d" if has_sni else "i") + f"{min(len(c), 99):02d}" +
         f"{min(len(e), 99):02d}" + ja4_alpn(first_alpn))
    hexes = lambda vals: ",".join(f"{v:04x}" for v in vals)
    sorted_c = hexes(sorted(c))
    sorted_e = hexes(sorted(x for x in e if x not in (0x0000, 0x0010)))
    ext_part = sorted_e + ("_" + hexes(s) if s and sorted_e else "")
    orig_c = hexes(c)
    orig_e = hexes(e) + ("_" + hexes(s) if s and e else "")
    return {
        "ja4": f"{a}_{sha12(sorted_c)}_{sha12(ext_part)}",
        "ja4_r": f"{a}_{sorted_c}_{ext_part}",
        "ja4_o": f"{a}_{sha12(orig_c)}_{sha12(orig_e)}",
        "ja4_ro": f"{a}_{orig_c}_{orig_e}",
    }


def ja4s(proto, version, ext_types, alpn_chosen, cipher):
    e = [x for x in ext_types if not is_grease(x)]
    a = proto + JA4_VERSION.get(version, "00") + f"{min(len(e), 99):02d}" + ja4_alpn(alpn_chosen) + f"_{cipher:04x}"
    raw = ",".join(f"{x:04x}" for x in e)
    return {"ja4s": f"{a}_{sha12(raw)}", "ja4s_r": f"{a}_{raw}"}


# --- the cases --------------------------------------------------------------------------------
# JA4.md's example: 15 ciphers and 16 extensions (GREASE aside), in the order the spec lists them.
SPEC_CIPHERS = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c,
                0x009d, 0x002f, 0x0035]
SPEC_SIGALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]


def chrome_like():
    groups = [0x3a3a, 0x001d, 0x0017, 0x0018]
    exts = [
        (0x2a2a, b""),
        (0x001b, bytes([2, 0, 2])),                 # compress_certificate: brotli
        (0x0000, sni("www.example.com")),
        (0x0033, key_share([(0x3a3a, b"\0"), (0x001d, bytes(32))])),
        (0x0010, alpn([b"h2", b"http/1.1"])),
        (0x4469, alpn([b"h2"])),                   # application_settings
        (0x0017, b""),
        (0x002d, u8_list([1])),
        (0x000d, u16_list(SPEC_SIGALGS)),
        (0x0005, bytes([1, 0, 0, 0, 0])),
        (0x0023, b""),
        (0x0012, b""),
        (0x002b, u8(6) + u16(0x7a7a) + u16(0x0304) + u16(0x0303)),
        (0xff01, b"\0"),
        (0x000b, u8_list([0])),
        (0x000a, u16_list(groups)),
        (0x0015, bytes(20)),                        # padding
        (0x1a1a, b"\0"),
    ]
    ciphers = [0x4a4a] + SPEC_CIPHERS
    return dict(kind="client", proto="t", bytes=client_hello(0x0303, ciphers, exts, session_id=bytes(32)),
                version=0x0303, ciphers=ciphers, exts=exts, groups=groups, point_formats=[0],
                supported_versions=[0x7a7a, 0x0304, 0x0303], sni=True, alpn=b"h2", sigalgs=SPEC_SIGALGS)


def spec_empty_sigalgs():
    # JA4.md: "If there are no signature algorithms in the hello packet, then the string ends without
    # an underscore" -- its example keeps 000d in the list, i.e. an empty signature_algorithms.
    c = chrome_like()
    exts = [(t, u16_list([]) if t == 0x000d else d) for t, d in c["exts"]]
    c.update(bytes=client_hello(0x0303, c["ciphers"], exts, session_id=bytes(32)), exts=exts, sigalgs=[])
    return c


def tls12_no_sni():
    groups = [0x0017, 0x0018]
    exts = [(0x000a, u16_list(groups)), (0x000b, u8_list([0, 1, 2])), (0x000d, u16_list([0x0401, 0x0201])),
            (0x0017, b""), (0xff01, b"\0")]
    ciphers = [0xc02f, 0xc030, 0x009e, 0x0033, 0x00ff]
    return dict(kind="client", proto="t", bytes=client_hello(0x0303, ciphers, exts), version=0x0303, ciphers=ciphers,
                exts=exts, groups=groups, point_formats=[0, 1, 2], supported_versions=[], sni=False, alpn=None,
                sigalgs=[0x0401, 0x0201])


def quic_odd_alpn():
    # ALPN's first value 0x30 0xab 0xcd 0x31 (the spec's "01" example) over QUIC; no signature_algorithms.
    exts = [(0x0000, sni("q.example")), (0x0010, alpn([bytes([0x30, 0xab, 0xcd, 0x31]), b"h3"])),
            (0x002b, u8(2) + u16(0x0304)), (0x000a, u16_list([0x001d])), (0x0039, b"\x01\x02\x00\x00")]
    ciphers = [0x1301, 0x1303]
    return dict(kind="client", proto="q", bytes=client_hello(0x0303, ciphers, exts), version=0x0303,
                ciphers=ciphers, exts=exts, groups=[0x001d], point_formats=[], supported_versions=[0x0304], sni=True,
                alpn=bytes([0x30, 0xab, 0xcd, 0x31]), sigalgs=[])


def tls10_no_extensions():
    ciphers = [0x002f, 0x0035, 0x000a]
    return dict(kind="client", proto="t", bytes=client_hello(0x0301, ciphers, [], with_ext_block=False), version=0x0301,
                ciphers=ciphers, exts=[], groups=[], point_formats=[], supported_versions=[], sni=False, alpn=None,
                sigalgs=[])


def dtls12_cookie():
    exts = [(0x000a, u16_list([0x0017])), (0x000b, u8_list([0])), (0x0010, alpn([b"webrtc"])),
            (0x000d, u16_list([0x0403])), (0x000e, bytes([0, 2, 0, 1, 0]))]   # use_srtp
    ciphers = [0xc02b, 0xc00a]
    return dict(kind="client", proto="d", bytes=client_hello(0xfefd, ciphers, exts, cookie=bytes(range(16)), dtls=True),
                version=0xfefd, ciphers=ciphers, exts=exts, groups=[0x0017], point_formats=[0], supported_versions=[],
                sni=False, alpn=b"webrtc", sigalgs=[0x0403])


def many_ciphers():
    ciphers = list(range(0x0100, 0x0100 + 120))
    exts = [(0x0010, alpn([b"x"])), (0x0000, sni("m.example"))]
    return dict(kind="client", proto="t", bytes=client_hello(0x0302, ciphers, exts), version=0x0302, ciphers=ciphers,
                exts=exts, groups=[], point_formats=[], supported_versions=[], sni=True, alpn=b"x", sigalgs=[])


def server_tls12_spec():
    # JA4S.md's example: TLS 1.2, cipher c030, extensions 0005,0017,ff01,0000.
    exts = [(0x0005, b""), (0x0017, b""), (0xff01, b"\0"), (0x0000, b"")]
    return dict(kind="server", proto="t", bytes=server_hello(0x0303, 0xc030, exts), version=0x0303, cipher=0xc030,
                exts=exts, selected=0x0303, alpn=None)


def server_tls13():
    exts = [(0x002b, u16(0x0304)), (0x0033, u16(0x001d) + u16(32) + bytes(32)), (0x0010, alpn([b"h2"]))]
    return dict(kind="server", proto="t", bytes=server_hello(0x0303, 0x1301, exts), version=0x0303, cipher=0x1301,
                exts=exts, selected=0x0304, alpn=b"h2")


CASES = {f.__name__: f for f in (chrome_like, spec_empty_sigalgs, tls12_no_sni, quic_odd_alpn, tls10_no_extensions, dtls12_cookie,
                                  many_ciphers, server_tls12_spec, server_tls13)}


def values(c):
    types = [t for t, _ in c["exts"]]
    if c["kind"] == "client":
        text, md5 = ja3(c["version"], c["ciphers"], types, c["groups"], c["point_formats"])
        out = {"ja3_string": text, "ja3": md5}
        out.update(ja4(c["proto"], c["version"], c["supported_versions"], c["sni"], c["ciphers"], types, c["alpn"],
                       c["sigalgs"]))
        return out
    text, md5 = ja3s(c["version"], c["cipher"], types)
    out = {"ja3s_string": text, "ja3s": md5}
    out.update(ja4s(c["proto"], c["selected"], types, c["alpn"], c["cipher"]))
    return out


def pcap_of(messages, server):
    """One Ethernet/IPv4/TCP segment per message, each inside a TLS handshake record."""
    out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
    for i, m in enumerate(messages):
        rec = b"\x16\x03\x01" + u16(len(m)) + m
        sport, dport = (443, 40000 + i) if server else (40000 + i, 443)
        tcp = struct.pack("!HHIIBBHHH", sport, dport, 1000, 1, 0x50, 0x18, 65535, 0, 0) + rec
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i, 0, 64, 6, 0, bytes([10, 0, 0, 1]),
                         bytes([10, 0, 0, 2])) + tcp
        frame = b"\x02" + bytes(5) + b"\x02" + bytes(4) + b"\x01" + b"\x08\x00" + ip
        out += struct.pack("<IIII", i + 1, 0, len(frame), len(frame)) + frame
    return out


def tshark_check():
    ok = True
    for server in (False, True):
        names = [n for n, f in CASES.items() if (f()["kind"] == "server") == server and f()["proto"] == "t"]
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "hellos.pcap")
            with open(p, "wb") as f:
                f.write(pcap_of([CASES[n]()["bytes"] for n in names], server))
            fields = ["tls.handshake.ja3s_full", "tls.handshake.ja3s"] if server else ["tls.handshake.ja3_full",
                                                                                     "tls.handshake.ja3"]
            cmd = ["tshark", "-r", p, "-T", "fields"] + sum((["-e", x] for x in fields), [])
            rows = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()
        for n, row in zip(names, rows):
            full, md5 = row.split("\t")
            v = values(CASES[n]())
            mine = (v["ja3s_string"], v["ja3s"]) if server else (v["ja3_string"], v["ja3"])
            good = (full, md5) == mine
            ok &= good
            print(f"tshark {n}: {'agrees' if good else 'DIFFERS'} ({full} {md5})")
    return ok


def main():
    for name, f in CASES.items():
        c = f()
        print(f"// {name}")
        print(f"hex: {c['bytes'].hex()}")
        for k, v in values(c).items():
            print(f"{k}: {v}")
        print()
    if "--tshark" in sys.argv:
        return 0 if tshark_check() else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
