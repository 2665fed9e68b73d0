#!/usr/bin/python3
"""Generates tshark reference data for pktdyn's corpus tests.

For every capture of the shared corpus (PKTDYN_CORPUS, default ../shared/corpus next to the project)
tshark writes the per-packet fields of each profile below into OUT/<profile>/<path in pcap/>.tsv,
with OUT/<profile>/<path>.status holding tshark's exit code and any error line (a file cut short,
an unsupported link type). Results are cached: a file is redone only when its capture, this script
or tshark changed. The corpus tests in tests/corpus/ read these files and compare them with pktdyn.

    tshark_reference.py --out DIR [--corpus DIR] [--jobs N]

Timestamps are kept as tshark prints them (seconds.nanoseconds) and parsed as integers by the tests,
never through floating point. Link types are reported by tshark as Wiretap encapsulation numbers;
linktypes.tsv maps every LINKTYPE_ value 0..1023 to the number this tshark uses, measured by asking
capinfos about a calibration file (so no table is copied from Wireshark's sources).
"""
import argparse
import concurrent.futures
import hashlib
import os
import re
import struct
import subprocess
import sys
import tempfile

SCRIPT_VERSION = "2"  # bump a profile's own version (below) to redo only that profile

# One tshark run per capture writes every field any corpus test compares, packet by packet.
PACKET_FIELDS = [
    # capture readers (issue #2)
    "frame.time_epoch", "frame.cap_len", "frame.len", "frame.encap_type", "frame.interface_id",
    # dissection (issue #3); several occurrences (tunnels, ICMP quotes) come comma-separated, in order
    "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.window_size_value",
    "udp.srcport", "udp.dstport", "udp.length", "_ws.malformed",
    # flows and TCP dynamics (issue #4); tcp.analysis flags print 1 when set
    "communityid", "tcp.stream", "udp.stream", "tcp.len", "ip.len", "ipv6.plen", "tcp.window_size",
    "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission", "tcp.analysis.spurious_retransmission",
    "tcp.analysis.out_of_order", "tcp.analysis.duplicate_ack", "tcp.analysis.zero_window",
    "tcp.analysis.zero_window_probe", "tcp.analysis.keep_alive", "tcp.analysis.window_full",
    "tcp.analysis.lost_segment", "tcp.analysis.ack_lost_segment", "tcp.analysis.initial_rtt",
    "tcp.analysis.ack_rtt", "tcp.analysis.bytes_in_flight",
    # feature presets (issue #5): CICFlowMeter's header lengths
    "tcp.hdr_len",
]
# IP reassembly off: pktdyn decodes each fragment as it comes, and so must the reference.
PACKET_ARGS = ["-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "--enable-protocol", "communityid"]
# IP fragments (issue #3), with tshark's reassembly on: on the frame that completes a datagram, the
# frames of its fragments and the transport ports and UDP length tshark finds in the reassembled
# datagram. Only the captures the corpus lists with fragments.
FRAGMENT_FIELDS = [
    "frame.number", "ip.fragment", "ipv6.fragment", "udp.srcport", "udp.dstport", "tcp.srcport", "tcp.dstport",
    "udp.length", "ip.reassembled.length", "ipv6.reassembled.length", "frame.protocols",
]
# Payload bytes (issue #5's byte distributions), hex, reassembly off as for "packets".
PAYLOAD_FIELDS = ["tcp.payload", "udp.payload"]
# Handshake metadata (issue #6): TLS, DTLS, QUIC (tshark decrypts Initials), SSH and DNS, on the frames
# that carry them, with TCP reassembly on (a hello spanning segments shows on the frame that completes
# it). Several occurrences join with '|', since SSH's algorithm lists hold commas.
HANDSHAKE_FIELDS = [
    "frame.number", "frame.time_epoch", "tcp.stream", "udp.stream", "ip.src", "ipv6.src", "tcp.srcport", "udp.srcport",
    "ip.dst", "ipv6.dst", "tcp.dstport", "udp.dstport",
    "tls.handshake.type", "tls.handshake.version", "tls.handshake.extensions.supported_version",
    "tls.handshake.ciphersuite", "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str",
    "tls.handshake.ja3_full", "tls.handshake.ja3", "tls.handshake.ja3s_full", "tls.handshake.ja3s",
    "tls.record.content_type", "tls.record.length", "tls.alert_message.level", "tls.alert_message.desc",
    "dtls.handshake.type", "dtls.handshake.extensions_server_name",
    "quic.version", "quic.long.packet_type", "quic.spin_bit",
    "ssh.protocol", "ssh.kex_algorithms", "ssh.encryption_algorithms_client_to_server",
    "ssh.mac_algorithms_client_to_server", "ssh.compression_algorithms_client_to_server",
    "ssh.encryption_algorithms_server_to_client", "ssh.mac_algorithms_server_to_client",
    "ssh.compression_algorithms_server_to_client",
    "dns.id", "dns.flags.response", "dns.flags.rcode", "dns.qry.name", "dns.qry.type", "dns.a", "dns.aaaa",
    "dns.cname", "dns.resp.ttl", "dns.count.answers",
]
HANDSHAKE_ARGS = ["-E", "aggregator=|", "-Y", "tls || dtls || quic || ssh || dns"]
PROFILES = {"packets": (PACKET_FIELDS, PACKET_ARGS, "3"), "fragments": (FRAGMENT_FIELDS, [], "2"),
            "payloads": (PAYLOAD_FIELDS, PACKET_ARGS, "1"), "handshakes": (HANDSHAKE_FIELDS, HANDSHAKE_ARGS, "2")}


def has_fragments(corpus, rel):
    """The corpus's own inventory (files.csv, column ip_fragments) says which captures hold fragments."""
    if not hasattr(has_fragments, "files"):
        import csv
        with open(os.path.join(corpus, "files.csv")) as f:
            has_fragments.files = {r["path"] for r in csv.DictReader(f) if r.get("ip_fragments") not in ("", "0", None)}
    return rel in has_fragments.files


def has_handshakes(corpus, rel):
    """Captures the corpus's inventory tags with TLS, DTLS, QUIC, SSH or DNS, and every nDPI capture."""
    if not hasattr(has_handshakes, "files"):
        import csv
        wanted = {"tls", "dtls", "quic", "ssh", "dns"}
        with open(os.path.join(corpus, "files.csv")) as f:
            has_handshakes.files = {r["path"] for r in csv.DictReader(f)
                                    if wanted & set(r.get("tags", "").split(";")) or r["path"].startswith("ndpi/")}
    return rel in has_handshakes.files


def tshark_version():
    out = subprocess.run(["tshark", "--version"], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[0]


def default_corpus():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("PKTDYN_CORPUS") or os.path.normpath(os.path.join(here, "..", "..", "shared", "corpus"))


def stamp_for(path, version, profile_version):
    st = os.stat(path)
    return f"{SCRIPT_VERSION}.{profile_version}|{version}|{st.st_size}|{int(st.st_mtime)}"


def run_tshark(args):
    capture, tsv, status, (fields, extra_args, _), stamp = args
    os.makedirs(os.path.dirname(tsv), exist_ok=True)
    if os.path.exists(status):
        with open(status) as f:
            if f.readline().rstrip("\n") == stamp:
                return False
    cmd = ["tshark", "-n", "-r", capture, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a"]
    cmd += extra_args
    for field in fields:
        cmd += ["-e", field]
    with open(tsv + ".tmp", "w") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, text=True, errors="replace")
    os.replace(tsv + ".tmp", tsv)
    errors = [line for line in proc.stderr.splitlines() if line and "could be dangerous" not in line]
    with open(status + ".tmp", "w") as f:
        f.write(stamp + "\n")
        f.write(f"{proc.returncode}\n")
        f.write(" ".join(errors)[:2000] + "\n")
    os.replace(status + ".tmp", status)
    return True


def calibrate_linktypes(out_dir, version):
    """Writes linktypes.tsv: LINKTYPE_ value -> tshark's encapsulation number."""
    target = os.path.join(out_dir, "linktypes.tsv")
    stamp = f"{SCRIPT_VERSION}|{version}"
    if os.path.exists(target):
        with open(target) as f:
            if f.readline().rstrip("\n") == "# " + stamp:
                return

    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        total = len(body) + 12
        return struct.pack("<II", btype, total) + body + struct.pack("<I", total)

    # One interface per link type and no packets: capinfos reports each interface's encapsulation
    # without reading a packet (some encapsulations validate pseudo-headers a dummy packet lacks).
    types = range(1024)
    data = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    for t in types:
        data += block(1, struct.pack("<HHI", t, 0, 0) + struct.pack("<HH", 0, 0))
    with tempfile.NamedTemporaryFile(suffix=".pcapng") as cal:
        cal.write(data)
        cal.flush()
        out = subprocess.run(["capinfos", cal.name], capture_output=True, text=True, check=True).stdout
    encaps = re.findall(r"Encapsulation = .*\((-?\d+) - [^)]*\)", out)
    if len(encaps) != len(types):
        sys.exit(f"calibration: capinfos described {len(encaps)} interfaces, expected {len(types)}")
    with open(target + ".tmp", "w") as f:
        f.write("# " + stamp + "\n")
        for t, encap in zip(types, encaps):
            f.write(f"{t}\t{encap}\n")
    os.replace(target + ".tmp", target)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--corpus", default=default_corpus())
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--profile", action="append", choices=sorted(PROFILES))
    args = parser.parse_args()

    pcap_root = os.path.join(args.corpus, "pcap")
    if not os.path.isdir(pcap_root):
        print(f"corpus not found at {args.corpus} (set PKTDYN_CORPUS): no reference generated, corpus tests skip")
        return 0
    version = tshark_version()
    os.makedirs(args.out, exist_ok=True)
    calibrate_linktypes(args.out, version)

    captures = []
    for dirpath, _, names in os.walk(pcap_root):
        captures += [os.path.relpath(os.path.join(dirpath, n), pcap_root) for n in names]
    captures.sort()
    jobs = []
    for profile in args.profile or sorted(PROFILES):
        for rel in captures:
            if profile == "fragments" and not has_fragments(args.corpus, rel):
                continue
            if profile == "handshakes" and not has_handshakes(args.corpus, rel):
                continue
            src = os.path.join(pcap_root, rel)
            base = os.path.join(args.out, profile, rel)
            jobs.append((src, base + ".tsv", base + ".status", PROFILES[profile], stamp_for(src, version, PROFILES[profile][2])))
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        redone = sum(pool.map(run_tshark, jobs))
    print(f"tshark reference: {len(jobs)} captures x profiles, {redone} regenerated, {len(jobs) - redone} cached "
          f"({version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
