#!/usr/bin/python3
"""Writes the small seed inputs for the capture-reader fuzz targets into tests/fuzz/corpus/.

Seeds are made here, not copied from third-party captures: a few valid files in each byte order
and resolution, and a few damaged ones, so the fuzzer starts from every branch of the readers.
Running fuzzers may add ../shared/corpus files as extra seeds at run time (never committed).
"""
import os
import struct
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fuzz", "corpus")


def eth_ipv4_udp(payload=b"seed"):
    ip_len = 20 + 8 + len(payload)
    return (b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" +
            struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 1, 0, 64, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) +
            struct.pack("!HHHH", 1234, 53, 8 + len(payload), 0) + payload)


def pcap(order="<", magic=0xa1b2c3d4, records=((1, 2, eth_ipv4_udp()),), snaplen=65535, link=1):
    out = struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, snaplen, link)
    for sec, frac, data in records:
        out += struct.pack(order + "IIII", sec, frac, len(data), len(data)) + data
    return out


def block(order, btype, body):
    body += b"\0" * (-len(body) % 4)
    total = len(body) + 12
    return struct.pack(order + "II", btype, total) + body + struct.pack(order + "I", total)


def pcapng(order="<", tsresol=None, packets=((0, 1, eth_ipv4_udp()),), extra=b""):
    shb = block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = b""
    if tsresol is not None:
        opts += struct.pack(order + "HHB3x", 9, 1, tsresol)
    opts += struct.pack(order + "HH", 0, 0)
    idb = block(order, 1, struct.pack(order + "HHI", 1, 0, 0) + opts)
    out = shb + idb + extra
    for iface, ts, data in packets:
        out += block(order, 6, struct.pack(order + "IIIII", iface, ts >> 32, ts & 0xffffffff, len(data), len(data)) + data)
    return out


def ipv4(proto, payload, src=(192, 168, 1, 1), dst=(192, 168, 1, 2)):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 7, 0, 64, proto, 0, bytes(src), bytes(dst)) + payload


def ipv6(nxt, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nxt, 64, b"\x20\x01\x0d\xb8" + bytes(11) + b"\x01",
                       b"\x20\x01\x0d\xb8" + bytes(11) + b"\x02") + payload


def tcp(payload=b"GET / HTTP/1.1\r\n", sport=40000, dport=80, options=b"\x02\x04\x05\xb4\x01\x03\x03\x07"):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, (5 + len(options) // 4) << 4, 0x02, 65535, 0, 0) + options + payload


def udp(payload, sport=5353, dport=53):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def eth(etype, payload):
    return b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02" + struct.pack("!H", etype) + payload


# Link-type indices: tests/fuzz/fuzz_support.hpp's table.
LINK_INDEX = {"ethernet": 0, "sll": 1, "sll2": 2, "raw": 3, "null": 6, "ppp": 8, "fddi": 14, "radiotap": 19}


def decoder_seeds():
    inner = ipv4(6, tcp())
    return {
        "eth_tcp": bytes([LINK_INDEX["ethernet"]]) + eth(0x0800, inner),
        "eth_vlan_ipv6_udp": bytes([0]) + eth(0x8100, struct.pack("!HH", 100, 0x86DD) + ipv6(17, udp(b"q"))),
        "eth_mpls": bytes([0]) + eth(0x8847, struct.pack("!I", 16 << 12 | 0x100 | 64) + inner),
        "eth_icmp_error": bytes([0]) + eth(0x0800, ipv4(1, struct.pack("!BBHI", 3, 3, 0, 0) + ipv4(17, udp(b"")))),
        "eth_fragment": bytes([0]) + eth(0x0800, struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 9, 0x2000, 64, 17, 0,
                                                               bytes(4), bytes(4)) + udp(b"", 53, 53)[:8]),
        "sll_ipv4": bytes([LINK_INDEX["sll"]]) + struct.pack("!HHH8sH", 0, 1, 6, bytes(8), 0x0800) + inner,
        "raw_ipv6_ext": bytes([LINK_INDEX["raw"]]) + ipv6(0, bytes([6, 0, 1, 4, 0, 0, 0, 0]) + tcp()),
        "null_ipv4": bytes([LINK_INDEX["null"]]) + struct.pack("<I", 2) + inner,
        "ppp_ipv4": bytes([LINK_INDEX["ppp"]]) + b"\xff\x03\x00\x21" + inner,
        "fddi_snap": bytes([LINK_INDEX["fddi"]]) + bytes(13) + b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + inner,
        "radiotap_wifi": bytes([LINK_INDEX["radiotap"]]) + struct.pack("<BBHI", 0, 0, 8, 0) + struct.pack("<H", 0x0188) +
                         bytes(24) + b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + inner,
    }


def tunnel_seeds():
    inner_eth = eth(0x0800, ipv4(6, tcp()))
    inner_ip = ipv4(6, tcp())
    return {
        "tunnel_vxlan": struct.pack("!II", 0x08000000, 42 << 8) + inner_eth,
        "tunnel_geneve": struct.pack("!BBHI", 1, 0, 0x6558, 7 << 8) + struct.pack("!HBB", 0x0102, 3, 0) + inner_eth,
        "tunnel_gtp_u": struct.pack("!BBHI", 0x30, 255, len(inner_ip), 0x1234) + inner_ip,
        "tunnel_teredo": struct.pack("!HH4s", 0, 0x1234, bytes(4)) + ipv6(59, b""),
        "tunnel_ayiya": bytes([0x41, 0x52, 0x11, 41]) + bytes(4) + bytes(16) + bytes(20) + ipv6(59, b""),
        "tunnel_capwap": struct.pack("!I", (4 << 19) | (1 << 9) | (1 << 8)) + bytes(12) + struct.pack(">H", 0x0801) +
                         bytes(22) + b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + inner_ip,
        "tunnel_vxlan_gpe": struct.pack("!II", 0x0C000003, 5 << 8) + inner_eth,
        "tunnel_gre_in_udp": struct.pack("!HH", 0, 0x0800) + inner_ip,
        "tunnel_mpls_in_udp": struct.pack("!I", 20 << 12 | 0x100 | 64) + inner_ip,
        "tunnel_gre": struct.pack("!HHI", 0x2000, 0x6558, 99) + inner_eth,
        "tunnel_ip_in_ip": inner_ip,
        "tunnel_ipv6_in_ip": ipv6(6, tcp()),
        "tunnel_pim": struct.pack("!BBHI", 0x21, 0, 0, 0) + inner_ip,
        "tunnel_srv6_ethernet": inner_eth,
    }


def model_loader_seeds():
    """Small models for the model-loader target: XGBoost JSON saved by python3-xgboost (binary with
    missing values, 3-class softprob, categorical, regression), the hand-built LightGBM models of
    tests/models/data/lightgbm, and a few damaged ones. Without python3-xgboost the XGBoost seeds
    already in the corpus are kept."""
    seeds = {}
    lightgbm = os.path.join(root, "..", "..", "models", "data", "lightgbm")
    for name in sorted(os.listdir(lightgbm)):
        with open(os.path.join(lightgbm, name), "rb") as f:
            seeds["lightgbm_" + name] = f.read()
    seeds["lightgbm_truncated.txt"] = seeds["lightgbm_multiclass.txt"][:700]
    seeds["json_deep.json"] = b"[" * 70 + b"]" * 70
    seeds["json_literals.json"] = b'{"a":[NaN,-Infinity,Infinity,1e309,-0.0,"\\u00e9\\ud83d\\ude00"],"b":{"":null,"t":true}}'
    try:
        import numpy as np
        import xgboost as xgb
    except ImportError:
        return seeds
    rng = np.random.default_rng(1)
    X = rng.integers(0, 8, size=(200, 3)).astype(np.float64)
    X[rng.random(X.shape) < 0.1] = np.nan
    cases = {
        "binary": ({"objective": "binary:logistic", "max_depth": 2}, (X[:, 0] > 3).astype(int), 3),
        "softprob": ({"objective": "multi:softprob", "num_class": 3, "max_depth": 2}, np.nan_to_num(X[:, 1]) % 3, 2),
        "regression": ({"objective": "reg:squarederror", "max_depth": 2, "base_score": 0.25}, np.nan_to_num(X[:, 2]), 2),
    }
    for name, (params, y, rounds) in cases.items():
        booster = xgb.train({**params, "tree_method": "hist", "seed": 0}, xgb.DMatrix(X, label=y, feature_names=["a", "b", "c"]),
                            rounds)
        seeds[f"xgboost_{name}.json"] = bytes(booster.save_raw("json"))
    cat = np.column_stack([rng.integers(0, 6, size=200), rng.normal(size=200)])
    dm = xgb.DMatrix(cat, label=(cat[:, 0] % 2 == 0).astype(int), feature_types=["c", "q"], enable_categorical=True)
    booster = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "max_depth": 2, "max_cat_to_onehot": 1}, dm, 2)
    seeds["xgboost_categorical.json"] = bytes(booster.save_raw("json"))
    seeds["xgboost_bad_child.json"] = seeds["xgboost_binary.json"].replace(b'"left_children":[1,', b'"left_children":[9,', 1)
    seeds["xgboost_truncated.json"] = seeds["xgboost_binary.json"][:400]
    return seeds


def tls_seeds():
    """TLS / DTLS inputs for fuzz_tls (byte 0: bit 0 = DTLS): hellos built by
    scripts/tls_fingerprint_reference.py, wrapped in records, a server flight with a certificate
    openssl makes here (skipped without openssl), alerts, and cut copies."""
    import subprocess
    import tempfile
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import tls_fingerprint_reference as ref

    def record(ctype, body, version=0x0303):
        return struct.pack("!BHH", ctype, version, len(body)) + body

    def dtls_record(ctype, body, seq=0):
        return struct.pack("!BHHHIH", ctype, 0xfefd, 0, seq >> 32, seq & 0xffffffff, len(body)) + body

    ch = ref.chrome_like()["bytes"]
    sh = ref.server_tls13()["bytes"]
    cert = b""
    try:
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                            "-keyout", os.path.join(d, "k"), "-outform", "DER", "-out", os.path.join(d, "c"), "-subj",
                            "/CN=seed.example", "-addext", "subjectAltName=DNS:seed.example", "-days", "1"],
                           check=True, capture_output=True)
            with open(os.path.join(d, "c"), "rb") as f:
                cert = f.read()
    except (OSError, subprocess.CalledProcessError):
        pass
    certificate = b"\x0b" + struct.pack("!I", len(cert) + 6)[1:] + struct.pack("!I", len(cert) + 3)[1:] + \
        struct.pack("!I", len(cert))[1:] + cert
    seeds = {
        "client_hello_record": b"\0" + record(22, ch, 0x0301),
        "client_hello_quic_stream": b"\0" + ref.quic_odd_alpn()["bytes"],
        "client_hello_truncated": b"\0" + record(22, ch, 0x0301)[:200],
        "tls12_no_sni": b"\0" + record(22, ref.tls12_no_sni()["bytes"]),
        "server_flight": b"\0" + record(22, ref.server_tls12_spec()["bytes"] + certificate + b"\x0e\0\0\0") +
                         record(20, b"\1") + record(21, b"\2\x28") + record(23, bytes(40)),
        "server_hello_tls13": b"\0" + record(22, sh) + record(23, bytes(30)),
        "dtls_client_hello": b"\1" + dtls_record(22, ref.dtls12_cookie()["bytes"]) + dtls_record(21, b"\1\0", 1),
    }
    if cert:
        seeds["certificate_der"] = b"\0" + cert
    return seeds


def ssh_seeds():
    """Identification lines and KEXINIT packets written from RFC 4253 §4.2, §6 and §7.1."""
    def name_list(names):
        return struct.pack("!I", len(names)) + names
    lists = [b"curve25519-sha256,diffie-hellman-group14-sha256", b"ssh-ed25519,rsa-sha2-512",
             b"aes128-ctr,chacha20-poly1305@openssh.com", b"aes128-ctr", b"hmac-sha2-256", b"hmac-sha2-256",
             b"none,zlib@openssh.com", b"none", b"", b""]
    payload = b"\x14" + bytes(range(16)) + b"".join(name_list(x) for x in lists) + b"\x00" + bytes(4)
    padding = 8 - (5 + len(payload)) % 8
    padding += 8 if padding < 4 else 0
    packet = struct.pack("!IB", 1 + len(payload) + padding, padding) + payload + bytes(padding)
    return {
        "client": b"SSH-2.0-OpenSSH_9.6 Ubuntu-3ubuntu13\r\n" + packet,
        "server_banner": b"Welcome\r\nSSH-1.99-dropbear_2019.78\n" + packet,
        "cut_packet": b"SSH-2.0-x\r\n" + packet[:60],
        "packet_only": packet,
        "ssh1": b"SSH-1.5-OpenSSH_6.2\n" + struct.pack("!I", 20) + bytes(24),
    }


def dns_seeds():
    """DNS messages written from RFC 1035 §4; the first byte picks UDP (0) or TCP framing (1)."""
    def name(dotted):
        return b"".join(bytes([len(l)]) + l for l in dotted.split(b".") if l) + b"\0"
    question = name(b"www.example.com") + struct.pack("!HH", 1, 1)
    answers = (struct.pack("!HHHIH", 0xC00C, 5, 1, 300, 14) + name(b"edge.cdn.net") +
               struct.pack("!HHHIH", 0xC000 | 33 + 12, 1, 1, 30, 4) + bytes([203, 0, 113, 9]) +
               struct.pack("!HHHIH", 0xC00C, 28, 1, 30, 16) + bytes(15) + b"\x01")
    opt = b"\0" + struct.pack("!HHIH", 41, 1232, 0x8000, 4) + struct.pack("!HH", 10, 0)
    response = struct.pack("!HHHHHH", 7, 0x8180, 1, 3, 0, 1) + question + answers + opt
    query = struct.pack("!HHHHHH", 7, 0x0100, 1, 0, 0, 0) + question
    loop = struct.pack("!HHHHHH", 1, 0, 1, 0, 0, 0) + struct.pack("!HHH", 0xC00C, 1, 1)
    mdns = struct.pack("!HHHHHH", 0, 0x8400, 0, 1, 0, 0) + name(b"printer.local") + struct.pack("!HHIH", 1, 0x8001, 120, 4) + bytes(4)
    return {
        "udp_response": b"\0" + response,
        "udp_query": b"\0" + query,
        "udp_pointer_loop": b"\0" + loop,
        "udp_mdns": b"\0" + mdns,
        "tcp_two_messages": b"\1" + struct.pack("!H", len(query)) + query + struct.pack("!H", len(response)) + response[:40],
    }


def flow_time_seeds():
    """Packet records for fuzz_flow_time.cpp (12 bytes each: time, flags, ports, payload length)."""
    SYN, FIN, RST, PSH, ACK, UDP, PREFIX = 2, 4, 8, 16, 32, 64, 128

    def rec(time, what, ports=0, payload=0, absolute=True):
        raw = struct.pack("<q", time) if absolute else struct.pack("<i", time) + b"\0\0\0\0"
        return raw + bytes([what, ports]) + struct.pack("<H", payload)

    def conversation(t0):
        return (rec(t0, 1 | SYN) + rec(1000, ACK | SYN, absolute=False) + rec(1000, 1 | ACK, absolute=False) +
                rec(500, 1 | ACK | PSH | PREFIX, 0, 300, absolute=False) + rec(20000, ACK | PSH, 0, 1000, absolute=False) +
                rec(3_000_000, 1 | ACK | FIN, absolute=False) + rec(100, ACK | FIN, absolute=False))
    i64max, i64min = 2**63 - 1, -2**63
    return {
        "in_order": conversation(1_500_000_000_000_000_000),
        "backwards_decades": conversation(1_420_070_400_000_000_000) + conversation(1_104_537_600_000_000_000),
        "extremes": rec(i64max, 1 | SYN) + rec(i64min, ACK | SYN) + rec(i64max, 1 | ACK) + rec(0, 1 | ACK | PSH, 0, 10) +
                    rec(i64min + 1, ACK | RST) + rec(i64max - 1, 1 | SYN, 1),
        "udp_and_rst": rec(10**18, 1 | UDP | PREFIX, 3, 40) + rec(-5_000_000, UDP, 3, 80, absolute=False) +
                       rec(10**18, 1 | SYN, 2) + rec(-1, RST | ACK, 2, absolute=False) + rec(2, 1 | SYN, 2, absolute=False) +
                       rec(2, SYN | ACK, 2, absolute=False) + rec(2_000_000_000, 1 | ACK | PSH, 2, 100, absolute=False),
    }


def main():
    seeds = {
        "pcap_reader": {
            "le_usec.pcap": pcap("<"),
            "be_usec.pcap": pcap(">"),
            "le_nsec.pcap": pcap("<", 0xa1b23c4d),
            "be_nsec.pcap": pcap(">", 0xa1b23c4d),
            "kuznetsov.pcap": struct.pack("<IHHiIII", 0xa1b2cd34, 2, 4, 0, 0, 65535, 1) +
                              struct.pack("<IIIIIHBB", 1, 2, 4, 4, 0, 0x800, 0, 0) + b"abcd",
            "truncated.pcap": pcap("<", records=((1, 2, eth_ipv4_udp()), (3, 4, eth_ipv4_udp())))[:-5],
            "huge_caplen.pcap": pcap("<")[:24] + struct.pack("<IIII", 1, 2, 0x7fffffff, 0x7fffffff),
            "raw_ip.pcap": pcap("<", records=((1, 2, eth_ipv4_udp()[14:]),), link=101),
        },
        "pcapng_reader": {
            "le.pcapng": pcapng("<"),
            "be.pcapng": pcapng(">"),
            "nsec.pcapng": pcapng("<", tsresol=9, packets=((0, 1_600_000_000_123_456_789, eth_ipv4_udp()),)),
            "pow2.pcapng": pcapng("<", tsresol=0x94),
            "skipped_blocks.pcapng": pcapng("<", extra=block("<", 4, b"\0" * 8) + block("<", 5, b"\0" * 12) +
                                           block("<", 0xBAD, b"\0" * 8)),
            "simple_packet.pcapng": pcapng("<", packets=()) + block("<", 3, struct.pack("<I", 42) + eth_ipv4_udp()),
            "two_sections.pcapng": pcapng("<") + pcapng(">"),
            "truncated.pcapng": pcapng("<")[:-9],
            "bad_trailer.pcapng": pcapng("<")[:-4] + b"\x99\0\0\0",
        },
    }
    seeds["decoder"] = decoder_seeds()
    seeds["ssh"] = ssh_seeds()
    seeds["dns"] = dns_seeds()
    seeds["model_loaders"] = model_loader_seeds()
    seeds["tls"] = tls_seeds()
    seeds["flow_time"] = flow_time_seeds()
    for name, data in tunnel_seeds().items():
        seeds[name] = {"seed": data}
    for target, files in seeds.items():
        os.makedirs(os.path.join(root, target), exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(root, target, name), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
