#!/usr/bin/env python3
"""Reference values for pktdyn's flow features, computed with numpy from tshark's per-packet fields.

Reads the per-packet TSVs scripts/tshark_reference.py wrote (profile "packets") and writes, per
capture, one row per TCP or UDP stream (tshark's tcp.stream / udp.stream): its first frame, the
packets each side sent (side 0: the sender of the stream's first packet), and the size and timing
statistics of features/packet_stats.hpp for the scopes flow, side 0 and side 1, in its column
order, then the first 10 packets as features/packet_sequence.hpp orders them (direction relative to
side 0), then the byte distribution of the stream's first 1,024 captured payload bytes (tshark's
tcp.payload / udp.payload, profile "payloads") as features/byte_distribution.hpp orders it, then
features/timing.hpp's and volume.hpp's values (jitter by RFC 3550's formula per side, bursts split
by gaps of 1 s, ratios both ways, header bytes per side), then the size histograms (12 bins of
128 bytes, 17 log2 bins of IP length), then exact quantiles (numpy's method="lower") of IP lengths and
gaps for the scopes flow, side 0, side 1, then the CICFlowMeter and NFStream presets
(features/presets.hpp) with side 0 as forward / src2dst. The statistics are computed here from their textbook definitions with numpy, independently
of pktdyn's one-pass code: population standard deviation, skewness m3 / m2^1.5 and excess kurtosis
m4 / m2^2 - 3 (NaN for a constant series: m2 <= 1e-24 mean^2), gaps as differences of consecutive frame.time_epoch.

    feature_reference.py --reference build/reference
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tshark_reference import PACKET_FIELDS  # noqa: E402

COL = {name: i for i, name in enumerate(PACKET_FIELDS)}
# Encapsulations whose outer UDP/IP tshark may count as the stream while pktdyn keys the inner packet.
TUNNELS = (":vxlan:", ":geneve:", ":gre:", ":gtp", ":teredo:", ":erspan:", ":ayiya:", ":capwap", ":nsh:", ":l2tp:",
           ":pim:")
VERSION = "12"
IDLE_NS = 1_000_000_000
SPLT_LENGTH = 10
BYTES_LIMIT = 1024


def innermost(field):
    return field.rsplit(",", 1)[-1]


def inner_is_v6(row):
    p = row[COL["frame.protocols"]]
    v6, v4 = p.rfind(":ipv6"), p.rfind(":ip:")
    return v6 != -1 and (v4 == -1 or v6 > v4)


def to_ns(text):
    seconds, _, fraction = text.partition(".")
    return int(seconds) * 1_000_000_000 + int((fraction + "000000000")[:9])


def statistics(x):
    """min, max, mean, std, skewness, excess kurtosis (population); NaN where undefined."""
    nan = float("nan")
    if len(x) == 0:
        return [nan] * 6
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean()
    d = x - mean
    m2 = np.mean(d * d)
    if m2 <= 1e-24 * mean * mean:  # constant up to rounding (numpy's mean may be an ulp off)
        skew = kurt = nan
    else:
        skew = np.mean(d ** 3) / m2 ** 1.5
        kurt = np.mean(d ** 4) / m2 ** 2 - 3
    return [x.min(), x.max(), mean, np.sqrt(m2), skew, kurt]


def streams_of(tsv, payload_tsv):
    streams = {}
    payloads = []
    if os.path.exists(payload_tsv):
        with open(payload_tsv, errors="replace") as f:
            payloads = [line.rstrip("\n").split("\t") for line in f]
    with open(tsv, errors="replace") as f:
        for frame, line in enumerate(f, start=1):
            row = line.rstrip("\n").split("\t")
            payload_row = payloads[frame - 1] if frame <= len(payloads) else ["", ""]
            if len(row) < len(PACKET_FIELDS):
                continue
            tcp, udp = row[COL["tcp.stream"]], row[COL["udp.stream"]]
            if tcp and "," not in tcp:
                key, port, payload = "tcp " + tcp, row[COL["tcp.srcport"]], innermost(row[COL["tcp.len"]])
            elif udp and "," not in udp and not tcp:
                key, port = "udp " + udp, row[COL["udp.srcport"]]
                length = innermost(row[COL["udp.length"]])
                payload = str(int(length) - 8) if length.isdigit() and int(length) >= 8 else ""
            else:
                continue
            # Left out, as the stream and pktdyn's flow are not the same packets or lengths: tunnelled
            # packets (tshark's stream may be the outer UDP), ICMP errors quoting a segment (tshark
            # counts them in the quoted stream), and packets tshark calls malformed.
            protocols = ":" + row[COL["frame.protocols"]] + ":"
            v6 = inner_is_v6(row)
            ip_payload = innermost(row[COL["ipv6.plen" if v6 else "ip.len"]])
            udp_beyond_ip = (key.startswith("udp") and payload.isdigit() and ip_payload.isdigit() and
                             int(payload) + 8 > int(ip_payload) - (0 if v6 else 20))
            if (protocols.count(":ip:") + protocols.count(":ipv6:") > 1 or protocols.count(":eth:") > 1 or
                    any(t in protocols for t in TUNNELS) or
                    ":icmp" in protocols or row[COL["_ws.malformed"]] or udp_beyond_ip):
                streams.setdefault(key, {})["broken"] = True
                continue
            length = innermost(row[COL["ipv6.plen" if v6 else "ip.len"]])
            if not length.isdigit() or not payload.lstrip("-").isdigit() or not row[COL["frame.time_epoch"]]:
                streams.setdefault(key, {"broken": True})["broken"] = True
                continue
            sender = innermost(row[COL["ipv6.src" if v6 else "ip.src"]]) + " " + innermost(port)
            flag_text = innermost(row[COL["tcp.flags"]]) if key.startswith("tcp") else "0"
            flags = int(flag_text, 16) if flag_text else 0
            s = streams.setdefault(key, {"first": frame, "sender": sender, "packets": []})
            if "packets" not in s:
                continue
            side = 0 if sender == s["sender"] else 1
            data = innermost(payload_row[0 if key.startswith("tcp") else 1]) if len(payload_row) >= 2 else ""
            tcp_packet = key.startswith("tcp")
            window = innermost(row[COL["tcp.window_size_value"]]) if tcp_packet else ""
            header = innermost(row[COL["tcp.hdr_len"]]) if tcp_packet else "8"
            s["packets"].append((side, int(length) + (40 if v6 else 0), int(payload), to_ns(row[COL["frame.time_epoch"]]),
                                 flags, bytes.fromhex(data) if data else b"",
                                 int(window) if window.isdigit() else None, int(header) if header.isdigit() else 0))
    return streams


def rfc3550_jitter(times):
    """RFC 3550 6.4.1: J += (|D| - J) / 16, D the change between consecutive inter-arrival gaps."""
    if len(times) < 3:
        return float("nan")
    gaps = [b - a for a, b in zip(times, times[1:])]
    j = 0.0
    for previous, gap in zip(gaps, gaps[1:]):
        j += (abs((gap - previous) * 1e-9) - j) / 16
    return j


def shape_values(packets):
    """jitter per side, bursts and idle periods (1 s threshold), volume ratios both ways, header bytes."""
    nan = float("nan")
    out = [rfc3550_jitter([p[3] for p in packets if p[0] == side]) for side in (0, 1)]
    bursts, idle = [], []
    for p in packets:
        if bursts and p[3] - bursts[-1]["end"] < IDLE_NS:
            bursts[-1]["packets"] += 1
            bursts[-1]["bytes"] += p[1]
            bursts[-1]["end"] = p[3]
        else:
            if bursts:
                idle.append((p[3] - bursts[-1]["end"]) * 1e-9)
            bursts.append({"packets": 1, "bytes": p[1], "start": p[3], "end": p[3]})
    counts = np.array([b["packets"] for b in bursts], dtype=np.float64)
    sizes = np.array([b["bytes"] for b in bursts], dtype=np.float64)
    durations = np.array([(b["end"] - b["start"]) * 1e-9 for b in bursts], dtype=np.float64)
    out += [float(len(bursts)), counts.mean(), counts.max(), sizes.mean(), sizes.max(), durations.mean(), durations.max(),
            float(len(idle)), float(np.mean(idle)) if idle else nan, float(np.max(idle)) if idle else nan,
            float(durations.sum()), float(np.sum(idle)) if idle else 0.0]
    n = [sum(1 for p in packets if p[0] == side) for side in (0, 1)]
    ip = [sum(p[1] for p in packets if p[0] == side) for side in (0, 1)]
    payload = [sum(p[2] for p in packets if p[0] == side) for side in (0, 1)]
    ratio = lambda a, b: a / b if b > 0 else nan  # noqa: E731
    out += [ratio(n[1], n[0]), ratio(n[0], n[1]), ratio(ip[1], ip[0]), ratio(ip[0], ip[1]),
            ratio(sum(payload), sum(ip)), float(max(0, ip[0] - payload[0])), float(max(0, ip[1] - payload[1]))]
    lengths = np.array([p[1] for p in packets], dtype=np.int64)
    out += [float(c) for c in np.bincount(np.minimum(lengths // 128, 11), minlength=12)]
    log2 = np.where(lengths > 0, np.floor(np.log2(np.maximum(lengths, 1))), 0).astype(np.int64)
    out += [float(c) for c in np.bincount(np.minimum(log2, 16), minlength=17)]
    for scope in (None, 0, 1):  # quantiles (method "lower") of IP lengths and gaps; gaps <= 0 count as 0
        mine = [p for p in packets if scope is None or p[0] == scope]
        sizes = np.array([p[1] for p in mine], dtype=np.float64)
        gaps = np.maximum(np.diff(np.array([p[3] for p in mine], dtype=np.int64)).astype(np.float64) * 1e-9, 0)
        for series in (sizes, gaps):
            out += [float(np.quantile(series, q, method="lower")) if len(series) else nan for q in (0.5, 0.9, 0.99)]
    return out


def sample(x):
    """(min, max, mean, std with n - 1, sum), 0 where the series is too short: CICFlowMeter's and
    NFStream's conventions."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) == 0:
        return 0.0, 0.0, 0.0, 0.0, 0.0
    return x.min(), x.max(), x.mean(), (x.std(ddof=1) if len(x) > 1 else 0.0), x.sum()


def cicflowmeter_values(packets):
    """features/presets.hpp's CICFlowMeter columns, from their documented definitions: forward is
    side 0, lengths are transport payload bytes, times whole microseconds."""
    nan = float("nan")
    us = [p[3] // 1000 for p in packets]
    sides = [[p for p in packets if p[0] == side] for side in (0, 1)]
    side_us = [[p[3] // 1000 for p in mine] for mine in sides]
    duration = us[-1] - us[0]
    rate = lambda x: x / (duration / 1e6) if duration > 0 else nan  # noqa: E731
    lengths = [[p[2] for p in mine] for mine in sides]
    out = [float(duration), len(sides[0]), len(sides[1]), sum(lengths[0]), sum(lengths[1])]
    for side in (0, 1):
        lo, hi, mean, std, _ = sample(lengths[side])
        out += [hi, lo, mean, std]
    out += [rate(sum(lengths[0]) + sum(lengths[1])), rate(len(packets))]
    lo, hi, mean, std, _ = sample(np.diff(us))
    out += [mean, std, hi, lo]
    for side in (0, 1):
        lo, hi, mean, std, total = sample(np.diff(side_us[side]))
        out += [total, mean, std, hi, lo]
    has = lambda p, bit: bool(p[4] & bit)  # noqa: E731
    out += [sum(has(p, 0x08) for p in sides[0]), sum(has(p, 0x08) for p in sides[1]),
            sum(has(p, 0x20) for p in sides[0]), sum(has(p, 0x20) for p in sides[1])]
    out += [sum(p[7] for p in sides[0]), sum(p[7] for p in sides[1]), rate(len(sides[0])), rate(len(sides[1]))]
    lo, hi, mean, std, _ = sample([p[2] for p in packets])
    out += [lo, hi, mean, std, std * std]
    out += [sum(has(p, bit) for p in packets) for bit in (0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x80, 0x40)]
    out += [len(sides[1]) / len(sides[0]) if sides[0] else 0.0, sum(p[2] for p in packets) / len(packets),
            np.mean(lengths[0]) if sides[0] else 0.0, np.mean(lengths[1]) if sides[1] else 0.0]
    # Bulks: split the data packets into runs of one side with gaps of at most 1 s; runs of 4 or more.
    runs = []
    for p in packets:
        if p[2] <= 0:
            continue
        t = p[3] // 1000
        if runs and runs[-1]["side"] == p[0] and t - runs[-1]["times"][-1] <= 1_000_000:
            runs[-1]["times"].append(t)
            runs[-1]["bytes"] += p[2]
        else:
            runs.append({"side": p[0], "times": [t], "bytes": p[2]})
    for side in (0, 1):
        bulks = [r for r in runs if r["side"] == side and len(r["times"]) >= 4]
        total_bytes = sum(r["bytes"] for r in bulks)
        total_us = sum(r["times"][-1] - r["times"][0] for r in bulks)
        out += [total_bytes / len(bulks) if bulks else 0.0, sum(len(r["times"]) for r in bulks) / len(bulks) if bulks else 0.0,
                total_bytes / (total_us / 1e6) if total_us > 0 else 0.0]
    subflows = 1 + sum(1 for g in np.diff(us) if g > 1_000_000)
    out += [len(sides[0]) / subflows, sum(lengths[0]) / subflows, len(sides[1]) / subflows, sum(lengths[1]) / subflows]
    for side in (0, 1):
        first = sides[side][0] if sides[side] else None
        out.append(float(first[6]) if first is not None and first[6] is not None else nan)
    out += [sum(1 for p in sides[0] if p[2] > 0), min(p[7] for p in sides[0]) if sides[0] else 0.0]
    # Active periods: runs of packets with gaps of at most 5 s (those of positive length); idle: longer gaps.
    active, idle, start = [], [], us[0]
    for previous, t in zip(us, us[1:]):
        if t - previous > 5_000_000:
            if previous > start:
                active.append(previous - start)
            idle.append(t - previous)
            start = t
    if us[-1] > start:
        active.append(us[-1] - start)
    for series in (active, idle):
        lo, hi, mean, std, _ = sample(series)
        out += [mean, std, hi, lo]
    return out


def nfstream_values(packets, splt=10):
    """features/presets.hpp's NFStream columns: src2dst is side 0, sizes IP total lengths, times
    whole milliseconds; SPLT padded with -1."""
    ms = lambda p: p[3] // 1_000_000  # noqa: E731
    scopes = [packets, [p for p in packets if p[0] == 0], [p for p in packets if p[0] == 1]]
    out = []
    for mine in scopes:
        out += [float(ms(mine[-1]) - ms(mine[0])) if mine else 0.0, len(mine), sum(p[1] for p in mine)]
    for mine in scopes:
        lo, hi, mean, std, _ = sample([p[1] for p in mine])
        out += [lo, mean, std, hi]
    for mine in scopes:
        lo, hi, mean, std, _ = sample(np.diff([ms(p) for p in mine]))
        out += [lo, mean, std, hi]
    for mine in scopes:
        out += [sum(1 for p in mine if p[4] & bit) for bit in (0x02, 0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x01)]
    first = packets[:splt]
    pad = [-1] * (splt - len(first))
    out += [p[0] for p in first] + pad
    out += [p[1] for p in first] + pad
    out += [0] * min(1, len(first)) + [ms(b) - ms(a) for a, b in zip(first, first[1:])] + pad
    return out


def row_of(key, s):
    packets = s["packets"]
    values = []
    for scope in (None, 0, 1):
        mine = [p for p in packets if scope is None or p[0] == scope]
        times = np.array([p[3] for p in mine], dtype=np.int64)
        gaps = np.diff(times).astype(np.float64) * 1e-9
        values += statistics([p[1] for p in mine]) + statistics([p[2] for p in mine]) + statistics(gaps)
    # The first SPLT_LENGTH packets: direction, IP length, payload length, gap, TCP flags; NaN past the end.
    first = packets[:SPLT_LENGTH]
    pad = [float("nan")] * (SPLT_LENGTH - len(first))
    gaps = [0.0] + [float((b[3] - a[3]) * 1e-9) for a, b in zip(first, first[1:])]
    for column in ([p[0] for p in first], [p[1] for p in first], [p[2] for p in first], gaps[:len(first)],
                   [p[4] for p in first]):
        values += [float(v) for v in column] + pad
    # Byte distribution of the first BYTES_LIMIT captured payload bytes, both directions, in order.
    counted = np.frombuffer(b"".join(p[5] for p in packets)[:BYTES_LIMIT], dtype=np.uint8)
    counts = np.bincount(counted, minlength=256)
    if len(counted):
        prob = counts[counts > 0] / len(counted)
        values += [float(len(counted)), float(-(prob * np.log2(prob)).sum()) + 0.0, float(counted.mean()),
                   float(counted.astype(np.float64).std())]
    else:
        values += [0.0, float("nan"), float("nan"), float("nan")]
    values += [float(c) for c in counts.reshape(16, 16).sum(axis=1)]
    values += shape_values(packets)
    values += cicflowmeter_values(packets) + nfstream_values(packets)
    sides = [sum(1 for p in packets if p[0] == side) for side in (0, 1)]
    return [key, str(s["first"]), str(sides[0]), str(sides[1])] + [repr(float(v)) for v in values]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", required=True, help="the directory tshark_reference.py wrote")
    args = parser.parse_args()
    packets_dir = os.path.join(args.reference, "packets")
    if not os.path.isdir(packets_dir):
        print("no tshark reference: nothing to do (corpus tests skip)")
        return 0
    written = 0
    for dirpath, _, names in os.walk(packets_dir):
        for name in names:
            if not name.endswith(".tsv"):
                continue
            src = os.path.join(dirpath, name)
            dst = os.path.join(args.reference, "features", os.path.relpath(src, packets_dir))
            payload_src = os.path.join(args.reference, "payloads", os.path.relpath(src, packets_dir))
            payload_stamp = os.path.getmtime(payload_src) if os.path.exists(payload_src) else 0
            stamp = f"# {VERSION} {os.path.getsize(src)} {int(os.path.getmtime(src))} {int(payload_stamp)}"
            if os.path.exists(dst):
                with open(dst) as f:
                    if f.readline().rstrip("\n") == stamp:
                        continue
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst + ".tmp", "w") as out:
                out.write(stamp + "\n")
                for key, s in streams_of(src, payload_src).items():
                    if "packets" in s and not s.get("broken"):
                        out.write("\t".join(row_of(key, s)) + "\n")
            os.replace(dst + ".tmp", dst)
            written += 1
    print(f"feature reference: {written} captures computed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
