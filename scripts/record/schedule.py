#!/usr/bin/env python3
"""Lays recorded sessions onto days of a diurnal schedule, with anomalies injected at known times,
to test pktdyn's baselines (hourly bands, first-seen services and peers) — issue #15.

  scripts/record/schedule.py --recording data/captures/rtt20-mixed.pcapng \
      --bulk data/captures/attacks-upload.pcapng --out DIR [--days 10] [--seed 15]

Sessions are the recordings' flows — everyday ones from scripts/record/record.sh (DNS, HTTP, TLS,
iperf3 control, UDP echo: those under 10 kB), the 25 MB upload of scripts/record/attacks.sh for
bulk — each copied whole with its packets' spacing, its client and server addresses rewritten (IPv4
and, for whole frames, TCP/UDP checksums recomputed) and its start moved onto the schedule. The office: workstations
10.1.0.10-17 reach the servers 10.1.5.5 (the database), 10.1.5.6 and 10.1.5.7 over the recording's
ports, more in working hours (08:00-18:00 UTC, weekdays) than at night, each hour's count drawn from
a seeded generator; the database sends to the backup host 10.1.9.9 every night at 01:00.
Injected on the last days (each a line of DIR/schedule.labels.jsonl with kind, entity, peer, start, end):
  exfil.new_peer       the database uploads 25 MB to 203.0.113.66, a host it never talked to
  new.service          10.1.0.20 starts answering on TCP port 8080 (the recording's HTTP session)
  new.internal_transfer a workstation uploads 25 MB to 10.1.0.12, the two never having talked
  ratio.shift          a workstation, a consumer every day, uploads 25 MB to the file server it
                       knows (10.1.5.6): a producer for an hour
Writes DIR/schedule.pcap (classic pcap, microseconds) and the labels. Deterministic for a seed.
"""
import argparse
import json
import pathlib
import random
import struct
import subprocess
import tempfile

DAY = 86400


def read_pcap(path: pathlib.Path):
    """Packets of a classic pcap (Ethernet), as (time, bytes)."""
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    endian, nano = {0xA1B2C3D4: ("<", False), 0xA1B23C4D: ("<", True), 0xD4C3B2A1: (">", False), 0x4D3CB2A1: (">", True)}[magic]
    at, out = 24, []
    while at + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[at:at + 16])
        out.append((sec + frac / (1e9 if nano else 1e6), data[at + 16:at + 16 + incl]))
        at += 16 + incl
    return out


def checksum(b: bytes) -> int:
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def rewrite(frame: bytes, addresses: dict) -> bytes:
    """The frame with its IPv4 addresses mapped and the IP and TCP/UDP checksums recomputed."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return frame
    f = bytearray(frame)
    ihl = (f[14] & 0xF) * 4
    ip = 14
    src, dst = bytes(f[ip + 12:ip + 16]), bytes(f[ip + 16:ip + 20])
    f[ip + 12:ip + 16] = addresses.get(src, src)
    f[ip + 16:ip + 20] = addresses.get(dst, dst)
    f[ip + 10:ip + 12] = b"\0\0"
    f[ip + 10:ip + 12] = struct.pack("!H", checksum(bytes(f[ip:ip + ihl])))
    proto, total = f[ip + 9], struct.unpack("!H", f[ip + 2:ip + 4])[0]
    l4 = ip + ihl
    segment_end = min(ip + total, len(f))
    if proto in (6, 17) and segment_end - l4 >= (20 if proto == 6 else 8) and segment_end == ip + total:
        at = l4 + (16 if proto == 6 else 6)
        f[at:at + 2] = b"\0\0"
        pseudo = bytes(f[ip + 12:ip + 20]) + struct.pack("!BBH", 0, proto, total - ihl)
        c = checksum(pseudo + bytes(f[l4:segment_end]))
        f[at:at + 2] = struct.pack("!H", c if c or proto == 6 else 0xFFFF)
    return bytes(f)


def sessions(packets, server_address):
    """The recording's flows (by unordered address/port pair), each a list of (offset, frame)."""
    flows = {}
    for t, frame in packets:
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            continue
        ip = 14
        ihl = (frame[ip] & 0xF) * 4
        proto = frame[ip + 9]
        ports = frame[ip + ihl:ip + ihl + 4] if proto in (6, 17) else b""
        a, b = frame[ip + 12:ip + 16] + ports[:2], frame[ip + 16:ip + 20] + ports[2:]
        flows.setdefault((proto, min(a, b), max(a, b)), []).append((t, frame))
    out = []
    for key, pkts in flows.items():
        t0 = pkts[0][0]
        server_side = key[1] if key[1][:4] == server_address else key[2]
        out.append({"proto": key[0], "port": server_side[4:],
                    "bytes": sum(len(p) for _, p in pkts), "packets": [(t - t0, p) for t, p in pkts]})
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recording", required=True)
    ap.add_argument("--bulk", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    recorded_hosts = {"everyday": (bytes([10, 77, 0, 1]), bytes([10, 77, 0, 2])), "bulk": (bytes([10, 88, 0, 1]), bytes([10, 88, 0, 2]))}
    with tempfile.TemporaryDirectory() as tmp:
        loaded = {}
        for kind, path in (("everyday", args.recording), ("bulk", args.bulk)):
            classic = pathlib.Path(tmp) / f"{kind}.pcap"
            subprocess.run(["editcap", "-F", "pcap", path, str(classic)], check=True)
            loaded[kind] = sessions(read_pcap(classic), recorded_hosts[kind][1])
    small = [dict(s, kind="everyday") for s in loaded["everyday"] if s["bytes"] < 10000]
    bulk = dict(max(loaded["bulk"], key=lambda s: s["bytes"]), kind="bulk")  # the 25 MB upload
    http = dict(next(s for s in loaded["everyday"] if s["proto"] == 6 and s["port"] == b"\x1f\x90"), kind="everyday")
    rng = random.Random(args.seed)
    start = 1_796_601_600  # 2026-12-07 00:00 UTC, a Monday
    ip = lambda *o: bytes(o)
    workstations = [ip(10, 1, 0, h) for h in range(10, 18)]
    servers = [ip(10, 1, 5, 5), ip(10, 1, 5, 6), ip(10, 1, 5, 7)]
    database, backup = servers[0], ip(10, 1, 9, 9)
    frames, labels = [], []

    def lay(session, at, cli, srv):
        client, server = recorded_hosts[session["kind"]]
        mapping = {client: cli, server: srv}
        for offset, frame in session["packets"]:
            frames.append((at + offset, rewrite(frame, mapping)))
        return at + session["packets"][-1][0]

    def dotted(a):
        return ".".join(str(x) for x in a)

    for day in range(args.days):
        weekday = day % 7 < 5
        for hour in range(24):
            busy = weekday and 8 <= hour < 18
            for host in workstations:
                for _ in range(rng.randint(2, 4) if busy else rng.randint(0, 1)):
                    lay(rng.choice(small), start + day * DAY + hour * 3600 + rng.uniform(0, 3500), host, rng.choice(servers))
        for k in range(3):  # the nightly backup: the database sends to the backup host
            lay(rng.choice(small), start + day * DAY + 3600 + 60 * k, database, backup)
    last = start + (args.days - 1) * DAY

    def label(kind, entity, peer, t0, t1):
        labels.append({"kind": kind, "entity": dotted(entity), "peer": dotted(peer), "start": round(t0, 6), "end": round(t1, 6)})

    t0 = last + 2 * 3600 + 600  # 02:10 on the last day: the database ships data to a stranger
    label("exfil.new_peer", database, ip(203, 0, 113, 66), t0, lay(bulk, t0, database, ip(203, 0, 113, 66)))
    t = last - DAY + 10 * 3600 + 300  # 10:05 the day before: a new web server answers
    t1 = lay(http, t, workstations[0], ip(10, 1, 0, 20))
    label("new.service", ip(10, 1, 0, 20), workstations[0], t, t1)
    t0 = last - DAY + 14 * 3600 + 300  # 14:05: a workstation uploads to another
    label("new.internal_transfer", workstations[1], ip(10, 1, 0, 12), t0, lay(bulk, t0, workstations[1], ip(10, 1, 0, 12)))
    t0 = last - DAY + 16 * 3600 + 300  # 16:05: a workstation uploads to a server it talks to every day
    label("ratio.shift", workstations[3], servers[1], t0, lay(bulk, t0, workstations[3], servers[1]))

    frames.sort(key=lambda f: f[0])
    with open(out / "schedule.pcap", "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, frame in frames:
            sec = int(t)
            f.write(struct.pack("<IIII", sec, int(round((t - sec) * 1e6)) % 1_000_000, len(frame), len(frame)))
            f.write(frame)
    with open(out / "schedule.labels.jsonl", "w") as f:
        for l in labels:
            f.write(json.dumps(l) + "\n")
    print(f"schedule.py: {len(frames)} packets over {args.days} days, {len(labels)} anomalies -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
