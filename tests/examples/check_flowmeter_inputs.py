#!/usr/bin/python3
"""pktdyn-flowmeter on bad options and bad inputs: every case gets a clear message and the exit code
docs/flows.md gives, nothing is lost, memory is set by the options, text from the wire is safe.

    check_flowmeter_inputs.py FLOWMETER [--sanitized]

Captures are written here (never copied from anywhere). --sanitized: the binary runs under
AddressSanitizer, whose own memory hides the program's: the peak-memory check is skipped.
"""
import csv
import io
import json
import os
import random
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import pandas

flowmeter = sys.argv[1]
sanitized = "--sanitized" in sys.argv[2:]
work = tempfile.mkdtemp(prefix="pktdyn-flowmeter-inputs-")
failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


def run(*args, limit_files=None):
    """Runs the flow meter; returns (exit code, stdout bytes, stderr text, None)."""
    def limit():
        if limit_files:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit_files, limit_files))
    p = subprocess.run([flowmeter, *args], capture_output=True, preexec_fn=limit)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace"), None


def peak_kib(*args):
    """Peak resident memory of one run, from the kernel's accounting of that child."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(flowmeter, [flowmeter, *args])
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss


# ---- Captures, written here.

def ipv4(proto, src, dst, payload, ident=1):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0, 64, proto, 0, bytes(src), bytes(dst)) + payload


def ethernet(ip):
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + ip


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, seq, ack, flags, payload=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def pcap(frames, path):
    """frames: (seconds, frame bytes)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, frame in frames:
            f.write(struct.pack("<IIII", int(t), int(t % 1 * 1e6), len(frame), len(frame)) + frame)
    return path


def client_hello(server_name):
    """A TLS 1.2 ClientHello offering two suites, with server_name (RFC 6066) and ALPN h2."""
    sni = struct.pack("!HBH", len(server_name) + 3, 0, len(server_name)) + server_name
    alpn = struct.pack("!HB", 3, 2) + b"h2"
    extensions = struct.pack("!HH", 0, len(sni)) + sni + struct.pack("!HH", 16, len(alpn)) + alpn
    body = (b"\x03\x03" + bytes(32) + b"\x00" + struct.pack("!H", 4) + b"\x13\x01\xc0\x2f" + b"\x01\x00" +
            struct.pack("!H", len(extensions)) + extensions)
    handshake = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(handshake)) + handshake


def tls_flow(t0, client, server, sport, server_name):
    c, s = (10, 0, 0, client), (10, 0, 0, server)
    hello = client_hello(server_name)
    return [
        (t0, ethernet(ipv4(6, c, s, tcp(sport, 443, 1000, 0, 0x02)))),
        (t0 + 0.01, ethernet(ipv4(6, s, c, tcp(443, sport, 5000, 1001, 0x12)))),
        (t0 + 0.02, ethernet(ipv4(6, c, s, tcp(sport, 443, 1001, 5001, 0x10)))),
        (t0 + 0.03, ethernet(ipv4(6, c, s, tcp(sport, 443, 1001, 5001, 0x18, hello)))),
    ]


shipped = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "captures", "rtt20-mixed.pcapng")

# ---- Options: each refused with the option, the value and why; exit code 2.
for args, says in [
    (["--capacity", "-1"], "--capacity -1: not a whole number"),
    (["--capacity", "12abc"], "--capacity 12abc: not a whole number"),
    (["--capacity", "0"], "--capacity 0: out of range"),
    (["--capacity", "99999999999999999999999"], "--capacity 99999999999999999999999: out of range"),
    (["--idle", "1e10"], "--idle 1e10: out of range"),
    (["--idle", "inf"], "--idle inf: not a number of seconds"),
    (["--idle", "nan"], "--idle nan: not a number of seconds"),
    (["--idle", "0"], "--idle 0: out of range"),
    (["--idle", "-1"], "--idle -1: out of range"),
    (["--active", "12abc"], "--active 12abc: not a number of seconds"),
    (["--linger", "4000"], "--linger 4000: out of range"),
    (["--format", "xml"], "--format xml: expected csv, jsonl, npy or none"),
    (["--handshakes", "maybe"], "--handshakes maybe: expected on or off"),
    (["--frobnicate"], "--frobnicate: unknown option"),
    (["--idle"], "--idle needs a value"),
    ([], "no input"),
]:
    code, _, err, _ = run(*args, *([shipped] if args and args != ["--idle"] else []))
    check(code == 2 and says in err and "usage:" in err, f"{' '.join(args) or '(nothing)'}: exit 2 and '{says}'")

# A capacity whose reservation the machine cannot hold: refused before any allocation, with sizes.
code, _, err, _ = run("--features", "standard", "--capacity", "2147483648", shipped)
check(code == 2 and "more than this machine's" in err and "flows fit" in err,
      "--capacity 2^31 with --features standard: refused, naming the memory it would reserve")

# ---- Output that cannot be written: exit 1, named.
code, _, err, _ = run("--output", "/dev/full", "--quiet", shipped)
check(code == 1 and "/dev/full" in err and "No space left" in err, "--output /dev/full: exit 1, 'No space left on device'")
code, _, err, _ = run("--output", os.path.join(work, "no-such-dir", "x.csv"), shipped)
check(code == 1 and "no-such-dir" in err, "--output into a missing directory: exit 1, named")

# A live capture on an interface that does not exist: one clear sentence, exit 1.
code, _, err, _ = run("--live", "nosuch0")
check(code == 1 and "cannot capture on nosuch0:" in err and err.count("nosuch0") == 1,
      f"--live nosuch0: exit 1, the interface named once ({err.strip()})")

# ---- Damaged input: every complete packet counted, the damage said even with --quiet, exit 3.
frames = tls_flow(1_600_000_000, 9, 1, 40000, b"example.com") + tls_flow(1_600_000_001, 9, 1, 40001, b"example.org")
whole = pcap(frames, os.path.join(work, "whole.pcap"))
data = open(whole, "rb").read()
cut = os.path.join(work, "cut.pcap")
open(cut, "wb").write(data[:-10])
code, out, err, _ = run("--quiet", cut)
rows = list(csv.DictReader(io.StringIO(out.decode())))
check(code == 3, f"a truncated capture: exit 3 (got {code})")
check("stopped early" in err and "truncated" in err and "cut.pcap" in err, "a truncated capture under --quiet: the damage on stderr")
check(len(rows) == 2 and sum(int(r["orig_packets"]) + int(r["resp_packets"]) for r in rows) == len(frames) - 1,
      "a truncated capture: the records hold every complete packet")
code, _, err, _ = run("--quiet", whole)
check(code == 0 and err == "", "a whole capture under --quiet: exit 0, nothing on stderr")

# A directory holding only files that are not captures: said, exit 3.
notes = os.path.join(work, "notes")
os.makedirs(notes)
for name in ("README.txt", "labels.json"):
    open(os.path.join(notes, name), "w").write("not a capture\n")
code, _, err, _ = run("--quiet", notes)
check(code == 3 and "skipped 2 files that are not captures" in err and "README.txt" in err,
      "a directory of non-captures: exit 3, the skipped files named")

# More captures than open files allowed: opened as the stream reaches them.
many = os.path.join(work, "rotated")
os.makedirs(many)
for i in range(1100):
    pcap([(1_600_000_000 + i, ethernet(ipv4(17, (10, 0, 0, 1), (10, 0, 0, 2), udp(5000 + i % 50, 53, b"q"))))],
         os.path.join(many, f"part-{i:05}.pcap"))
code, out, err, _ = run("--quiet", "--idle", "0.5", many, limit_files=256)
check(code == 0 and len(out.decode().splitlines()) == 1 + 1100, f"1,100 captures under ulimit -n 256: exit 0, 1,100 flows (exit {code}: {err.strip()[:200]})")

# ---- --output NAME.npy writes NAME.npy, not NAME.npy.npy.
target = os.path.join(work, "features.npy")
code, _, err, _ = run("--format", "npy", "--output", target, "--quiet", shipped)
check(code == 0 and os.path.exists(target) and not os.path.exists(target + ".npy") and
      os.path.exists(os.path.join(work, "features.columns.txt")), "--output features.npy writes features.npy and features.columns.txt")

# ---- Text from the wire: one escaping, loadable by pandas and json, harmless on a terminal.
raw_names = [b"ok.example", b"bad\xffutf8.example", b"nul\x00byte.example", b"\x1b]0;owned\x07\x1b[2Jtitle.example",
             b'quote"comma,.example', b"back\\slash.example", b"line\nbreak.example", b"rtl\xe2\x80\xaegpj.example"]
frames = []
for i, name in enumerate(raw_names):
    frames += tls_flow(1_600_000_000 + i, 9, 1, 41000 + i, name)
names_capture = pcap(frames, os.path.join(work, "names.pcap"))


def escaped(raw):
    """docs/flows.md's escaping, written again from the text of the docs."""
    out, i = [], 0
    text = raw.decode("utf-8", "surrogateescape")
    for ch in text:
        code_point = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif 0xDC80 <= code_point <= 0xDCFF:  # a byte that is not UTF-8
            out.append(f"\\x{code_point - 0xDC00:02x}")
        elif code_point < 0x20 or code_point == 0x7F or 0x80 <= code_point <= 0x9F or code_point in (
                0x2028, 0x2029, 0x061C, 0x200E, 0x200F) or 0x202A <= code_point <= 0x202E or 0x2066 <= code_point <= 0x2069:
            out.append("".join(f"\\x{b:02x}" for b in ch.encode("utf-8")))
        else:
            out.append(ch)
    return "".join(out)


code, out, err, _ = run(names_capture)
check(code == 0, "the capture with crafted server names: exit 0")
try:
    table = pandas.read_csv(io.BytesIO(out), keep_default_na=False)
    check(len(table) == len(raw_names), f"pandas loads the CSV: {len(table)} rows for {len(raw_names)} flows")
    check(sorted(table["server_name"]) == sorted(escaped(n) for n in raw_names),
          "CSV server names are the documented escaping of the bytes sent")
except (ValueError, UnicodeDecodeError) as e:
    check(False, f"pandas loads the CSV ({e})")
check("\x1b" not in err and "\x07" not in err and "\u202e" not in err, "the terminal summary carries no escape sequence or control byte")
code, out, _, _ = run("--format", "jsonl", "--quiet", names_capture)
flows = [json.loads(line) for line in out.decode("utf-8", "replace").splitlines()]
check(sorted(f["server_name"] for f in flows) == sorted(escaped(n) for n in raw_names),
      "JSON lines parse and carry the same text as the CSV")

# ---- Top talkers: senders only (a broadcast receiver sent nothing).
broadcast = pcap([(1_600_000_000 + i / 10, ethernet(ipv4(17, (10, 0, 0, 7), (255, 255, 255, 255), udp(68, 67, b"x" * 100))))
                  for i in range(5)], os.path.join(work, "broadcast.pcap"))
code, _, err, _ = run("--output", os.devnull, broadcast)
talkers = err.split("top talkers")[1].split("\n")[1:3] if "top talkers" in err else []
check(code == 0 and any("10.0.0.7" in t for t in talkers) and not any("255.255.255.255" in t for t in talkers),
      "top talkers list the sender, not the broadcast address that sent nothing")

# ---- Memory is set by the options, not by the flood: 100 k and 500 k random tuples, same peak.
if sanitized:
    print("skip  peak memory under a flood (AddressSanitizer's memory hides the program's)")
else:
    rng = random.Random(3)

    def flood(n, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for i in range(n):
                r = rng.getrandbits(48)
                frame = ethernet(ipv4(17, (10, r & 255, r >> 8 & 255, r >> 16 & 255), (172, 16, r >> 24 & 255, 1),
                                      udp(r >> 32 & 0xFFFF, 53, b"")))
                f.write(struct.pack("<IIII", 1_600_000_000 + i // 100000, i % 100000 * 10, len(frame), len(frame)) + frame)
        return path
    small, large = flood(100_000, os.path.join(work, "flood-100k.pcap")), flood(500_000, os.path.join(work, "flood-500k.pcap"))
    args = ["--capacity", "16384", "--handshakes", "off", "--output", os.devnull]
    (_, kib_small), (_, kib_large) = peak_kib(*args, small), peak_kib(*args, large)
    check(kib_large - kib_small < 8 * 1024,
          f"peak memory under a flood: {kib_small / 1024:.1f} MiB for 100 k tuples, {kib_large / 1024:.1f} MiB for 500 k")

shutil.rmtree(work, ignore_errors=True)
if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
