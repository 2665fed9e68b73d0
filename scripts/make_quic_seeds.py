#!/usr/bin/python3
"""Writes seed inputs for the fuzz_quic target into tests/fuzz/corpus/quic/.

Seeds are built here, not copied from captures: Initial packets protected with keys derived as
RFC 9001 §5 / RFC 9369 §3.3 say, implemented with python3-cryptography (independent of pktdyn's
C++), around plaintexts shaped like the RFC 9001 Appendix A examples, plus coalesced, Version
Negotiation, Retry and short header datagrams. Input format of fuzz_quic: byte 0 holds options
(bit 0: open as the server's; bits 1-5: the short header DCID length), the rest is one UDP payload.
"""
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives import hmac

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fuzz", "corpus", "quic")

SALT = {1: "38762cf7f55934b34d179ae6a4c80cadccbb7f0a", 0x6B3343CF: "0dede3def700a6db819381be6e269dcbf9bd2ed9",
        0xFF00001D: "afbfec289993d24c9e9786f19c6111e04390a899"}


def expand_label(secret, label, length):
    info = struct.pack("!HB", length, 6 + len(label)) + b"tls13 " + label + b"\x00"
    return HKDFExpand(hashes.SHA256(), length, info).derive(secret)


def keys(version, dcid, server):
    h = hmac.HMAC(bytes.fromhex(SALT[version]), hashes.SHA256())
    h.update(dcid)
    initial = h.finalize()
    secret = expand_label(initial, b"server in" if server else b"client in", 32)
    p = b"quicv2 " if version == 0x6B3343CF else b"quic "
    return expand_label(secret, p + b"key", 16), expand_label(secret, p + b"iv", 12), expand_label(secret, p + b"hp", 16)


def varint(v):
    if v < 64:
        return bytes([v])
    if v < 16384:
        return struct.pack("!H", 0x4000 | v)
    return struct.pack("!I", 0x80000000 | v)


def initial(version, dcid, scid, payload, pn=0, server=False, token=b""):
    key, iv, hp = keys(version, dcid, server)
    type_bits = 1 if version == 0x6B3343CF else 0
    first = 0xC0 | (type_bits << 4) | 3  # 4-byte packet number
    pn_bytes = struct.pack("!I", pn)
    length = len(pn_bytes) + len(payload) + 16
    header = bytes([first]) + struct.pack("!I", version) + bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid
    header += varint(len(token)) + token + varint(length) + pn_bytes
    nonce = bytes(a ^ b for a, b in zip(iv, bytes(4) + struct.pack("!Q", pn)))
    sealed = AESGCM(key).encrypt(nonce, payload, header)
    sample = sealed[:16]
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(sample) + enc.finalize()
    out = bytearray(header + sealed)
    out[0] ^= mask[0] & 0x0F
    pn_at = len(header) - 4
    for i in range(4):
        out[pn_at + i] ^= mask[1 + i]
    return bytes(out)


ORIGINAL_DCID = bytes.fromhex("8394c8f03e515708")
SCID = bytes.fromhex("f067a5502a4262b5")


def client_hello(sni=b"example.com"):
    name = struct.pack("!HBH", len(sni) + 3, 0, len(sni)) + sni
    ext = struct.pack("!HH", 0, len(name)) + name + struct.pack("!HHH", 43, 3, 0x0203)[:-1] + b"\x03\x04"
    body = b"\x03\x03" + bytes(32) + b"\x00" + struct.pack("!H", 2) + b"\x13\x01" + b"\x01\x00"
    body += struct.pack("!H", len(ext)) + ext
    return b"\x01" + struct.pack("!I", len(body))[1:] + body


def crypto(offset, data):
    return b"\x06" + varint(offset) + varint(len(data)) + data


def pad(payload, to=1162):
    return payload + bytes(max(0, to - len(payload)))


def main():
    ch = client_hello()
    half = len(ch) // 2
    seeds = {
        "v1_client_initial": b"\x00" + initial(1, ORIGINAL_DCID, b"", pad(crypto(0, ch)), pn=2),
        "v2_client_initial": b"\x00" + initial(0x6B3343CF, ORIGINAL_DCID, b"", pad(crypto(0, ch)), pn=2),
        "draft29_reordered_crypto": b"\x00" + initial(0xFF00001D, ORIGINAL_DCID, b"",
                                                      pad(b"\x01" + crypto(half, ch[half:]) + b"\x00\x00" + crypto(0, ch[:half + 3]))),
        "v1_server_initial_coalesced": b"\x01" + initial(1, ORIGINAL_DCID, SCID, b"\x02\x00\x00\x00\x00" + crypto(0, b"\x02\x00\x00\x04" + bytes(4)), pn=1, server=True)
        + bytes([0xE0]) + struct.pack("!I", 1) + b"\x00\x08" + SCID + varint(20) + bytes(20)
        + bytes([0x40 | 0x20]) + SCID + bytes(24),
        "v1_ack_ecn_close": b"\x00" + initial(1, ORIGINAL_DCID, b"", pad(b"\x03\x05\x00\x01\x00\x01\x01\x01\x02\x03"
                                                                          + b"\x1c\x0a\x06\x03bye", 1162), pn=7),
        "version_negotiation": b"\x00" + b"\xc5" + bytes(4) + b"\x08" + ORIGINAL_DCID + b"\x00" + struct.pack("!III", 1, 0x6B3343CF, 0x1A2A3A4A),
        "retry": b"\x01" + b"\xff" + struct.pack("!I", 1) + b"\x00\x08" + SCID + b"token" + bytes(16),
        "short_header_spin": bytes([8 << 1]) + b"\x60" + SCID + bytes(30),
        "gquic_q043": b"\x00" + b"\x09" + bytes(8) + b"Q043" + bytes(40),
    }
    os.makedirs(root, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
