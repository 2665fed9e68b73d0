#!/usr/bin/python3
"""Each encryption-posture rule fires on a capture made to trigger it and stays silent on one that
should not, and the TLS version and suite rules agree with tshark's reading of the ServerHellos.

  check_posture.py PKTDYN_CLASSIFY RECORDING DEFAULT_CORPUS      (PKTDYN_CORPUS, when set, wins)

RECORDING: scripts/record/posture.sh's capture; its NAME.labels.jsonl says, per responder port, the
exact rules each flow with payload must fire. CORPUS: the shared corpus (its part is skipped, with a
message, when absent). For the corpus captures named in CASES: the rule fires on at least one flow
of the triggering capture and on none of the other. For the TLS rules, the flows tshark finds with a
ServerHello of that version (tls.handshake.version) or of a suite in the weak table (our header,
itself checked against tshark's names) are the flows pktdyn names.
"""
import collections
import csv
import io
import json
import os
import pathlib
import re
import subprocess
import sys

binary, recording = sys.argv[1], pathlib.Path(sys.argv[2])
corpus = pathlib.Path(os.environ.get("PKTDYN_CORPUS") or sys.argv[3])
failures = []

# (rule or rule=detail, triggering capture, non-triggering capture), paths under CORPUS/pcap.
CASES = [
    ("tls1.0", "zeek/tls/ssl.v3.pcap", "zeek/tls/ecdhe.pcap"),
    ("tls1.1", "zeek/tls/tls1_1.pcap", "zeek/tls/ecdhe.pcap"),
    ("ssl2", "zeek/tls/ssl-v2.pcap", "zeek/tls/ssl.v3.pcap"),
    ("old_tls_offered", "ndpi/tls_cipher_lens.pcap", "zeek/tls/ecdhe.pcap"),
    ("suite_chosen=rc4", "zeek/tls/ssl.v3.pcap", "zeek/tls/ecdhe.pcap"),
    ("suite_chosen=cbc_sha1", "zeek/tls/ecdhe.pcap", "ndpi/tls_verylong_certificate.pcap"),
    ("suite_offered=des", "ndpi/tls_verylong_certificate.pcap", "zeek/tls/ecdhe.pcap"),
    ("cert_expired", "zeek/tls/tls-expired-cert.pcap", "zeek/tls/ecdhe.pcap"),
    ("cert_self_signed", "ndpi/selfsigned.pcap", "zeek/tls/ecdhe.pcap"),
    ("ssh1", "zeek/ssh/ssh1-ssh2-fingerprints.pcap", "zeek/ssh/sshguess.pcap"),
    ("ssh1_offered", "zeek/ssh/single-conn.pcap", "zeek/ssh/sshguess.pcap"),
    ("ssh_weak_kex", "zeek/ssh/ssh.pcap", "zeek/ssh/sshguess.pcap"),
    ("ssh_weak_cipher", "zeek/ssh/ssh.pcap", "zeek/ssh/sshguess.pcap"),
    ("ssh_weak_mac=hmac-md5", "ndpi/ssh.pcap", "zeek/ssh/sshguess.pcap"),
    ("unrecognised_on_tls_port", "ndpi/telegram_videocall.pcapng", "zeek/tls/ecdhe.pcap"),
    ("plaintext_on_ssh_port=http", "zeek/http/http-single-conn-22.pcap", "zeek/ssh/sshguess.pcap"),
    ("unrecognised_on_ssh_port", "ndpi/ssh.pcap", "zeek/ssh/sshguess.pcap"),
    ("cleartext_auth=ftp", "ndpi/ftp.pcap", "ndpi/ftp-start-tls.pcap"),
    ("cleartext_auth=pop3", "ndpi/pop3.pcap", "ndpi/pop3_stls.pcap"),
    ("cleartext_auth=imap", "ndpi/imap.pcap", "ndpi/imap-starttls.pcap"),
    ("cleartext_auth=http-basic", "zeek/http/basic-auth-with-colon.pcap", "zeek/http/100-continue.pcap"),
    ("cleartext_auth=telnet", "ndpi/telnet.pcap", "zeek/ssh/sshguess.pcap"),
]


def verdicts(path):
    out = subprocess.run([binary, "--quiet", "--behaviour-only", str(path)], capture_output=True, text=True, check=True).stdout
    return list(csv.DictReader(io.StringIO(out)))


def fires(row, rule):
    return any(r == rule or r.split("=")[0] == rule for r in filter(None, row["posture_reasons"].split(";")))


# --- the recording: every labelled port's flows fire exactly what the label says --------------------
labels = [json.loads(line) for line in open(recording.with_suffix(".labels.jsonl"))]
rows = verdicts(recording)
for label in labels:
    flows = [r for r in rows if int(r["responder_port"]) == label["port"] and r["posture"]]
    if not flows:
        failures.append(f"{recording.name}: no flow with payload to port {label['port']}")
    for r in flows:
        got = sorted(filter(None, r["posture_reasons"].split(";")))
        if got != sorted(label["expect"]):
            failures.append(f"{recording.name} port {label['port']}: fired {got}, expected {sorted(label['expect'])}")
print(f"{recording.name}: {len(labels)} ports checked")

# --- the corpus -------------------------------------------------------------------------------------
if not (corpus / "pcap").is_dir():
    print(f"corpus part skipped: no corpus at {corpus}")
else:
    cache = {}
    for rule, trigger, quiet in CASES:
        for path, want in ((trigger, True), (quiet, False)):
            if path not in cache:
                cache[path] = verdicts(corpus / "pcap" / path)
            hits = sum(fires(r, rule) for r in cache[path])
            if (hits > 0) != want:
                failures.append(f"{rule}: {hits} flows of {path} fire it, expected {'some' if want else 'none'}")
    print(f"{len(CASES)} rules checked on {len(cache)} corpus captures")

    # tshark's ServerHellos: version and suite per TCP connection, against pktdyn's rules.
    header = (pathlib.Path(__file__).resolve().parents[2] / "include/pktdyn/detect/cipher_suites.hpp").read_text()
    weak = {name: {int(x, 16) for x in re.findall(r"0x[0-9A-F]{4}", body)} for name, body in re.findall(r"(\w+)_suites\{([^}]*)\}", header)}
    versions = {0x0301: "tls1.0", 0x0302: "tls1.1"}
    for path in sorted({c[1] for c in CASES if c[0].startswith(("tls1", "suite_chosen"))}):
        out = subprocess.run(["tshark", "-r", str(corpus / "pcap" / path), "-Y", "tls.handshake.type == 2", "-T", "fields",
                              "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tls.handshake.version", "-e", "tls.handshake.ciphersuite"],
                             capture_output=True, text=True).stdout
        expected = collections.Counter()
        for line in out.splitlines():
            sport, dport, version, suite = (line.split("\t") + ["", "", "", ""])[:4]
            if not version:
                continue
            v, s = int(version.split(",")[0], 16), int(suite.split(",")[0], 16)
            if v in versions:
                expected[versions[v]] += 1
            for name, rule in (("null", "null"), ("export", "export"), ("anon", "anon"), ("rc4", "rc4"), ("des", "des"), ("cbc_sha1", "cbc_sha1")):
                if s in weak[name]:
                    expected[f"suite_chosen={rule}"] += 1
                    break
        got = collections.Counter()
        for r in cache[path]:
            for reason in filter(None, r["posture_reasons"].split(";")):
                if reason.startswith(("tls1.", "suite_chosen")):
                    got[reason] += 1
        if got != expected:
            failures.append(f"{path}: pktdyn fires {dict(got)}, tshark's ServerHellos say {dict(expected)}")
    print("TLS versions and chosen suites compared with tshark")

for f in failures:
    print("FAIL", f)
sys.exit(1 if failures else 0)
