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
    for target, files in seeds.items():
        os.makedirs(os.path.join(root, target), exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(root, target, name), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
