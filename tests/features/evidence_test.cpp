// login_outcomes and dns_activity against references we did not write: Zeek's own test baseline for
// its SSH size inference on zeek/ssh/sshguess.pcap (testing/btest/Baseline/
// scripts.base.protocols.ssh.one-auth-fail-only/output), tshark's FTP and DNS dissection of corpus
// captures (counts quoted below, from the commands beside them), and Shannon entropy by hand.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "corpus/corpus.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/features/evidence.hpp"
#include "pktdyn/flow/flow_path.hpp"

using namespace pktdyn;
using namespace std::chrono_literals;

namespace {

struct observed {
    login_outcomes logins;
    dns_activity dns;
    void update(const decoded_packet& d, timestamp now, bool from_originator) noexcept {
        const flow_packet p = flow_packet::from(d, now, from_originator);
        logins.update(p);
        dns.update(p);
    }
};

struct flow_values {
    std::uint16_t originator_port = 0, responder_port = 0;
    std::array<double, login_outcomes::features.size()> logins{};
    std::array<double, dns_activity::features.size()> dns{};
    std::array<std::string, 2> dns_text;
};

std::vector<flow_values> run(const char* capture) {
    std::vector<flow_values> out;
    const auto root = test::corpus_root();
    if (!root) return out;
    auto f = capture_file::open(*root / "pcap" / capture);
    REQUIRE(f);
    flow_path<observed> path{flow_options{.capacity = 1 << 12, .idle = 120s, .active = 1'000'000s, .linger = 5s, .seed = 1}};
    const auto on_end = [&](flow_table<observed>::entry& e) {
        flow_values v;
        v.originator_port = e.record.originator_port();
        v.responder_port = e.record.responder_port();
        e.state.logins.write(v.logins);
        e.state.dns.write(v.dns);
        e.state.dns.write_text(v.dns_text);
        out.push_back(std::move(v));
    };
    while (auto p = f->next()) (void)path.push(*p, on_end);
    path.flush(on_end);
    return out;
}

}  // namespace

TEST_CASE("SSH login outcomes are Zeek's on sshguess.pcap", "[evidence][corpus]") {
    const auto flows = run("zeek/ssh/sshguess.pcap");
    if (flows.empty()) {
        WARN("no corpus (PKTDYN_CORPUS): skipped");
        return;
    }
    // Zeek's baseline: 11 connections, each with failed attempts and no success; attempts per
    // connection 2,2,3,2,4,2,3,2,4,2,2.
    std::vector<int> attempts;
    for (const auto& v : flows) {
        if (std::isnan(v.logins[1])) continue;  // no attempt seen
        CHECK(v.logins[1] == 0);
        attempts.push_back(static_cast<int>(v.logins[0]));
    }
    std::sort(attempts.begin(), attempts.end());
    CHECK(attempts == std::vector<int>{2, 2, 2, 2, 2, 2, 2, 3, 3, 4, 4});
}

TEST_CASE("SSH login outcomes are Zeek's ssh.log on ssh.pcap, compressed connections unjudged", "[evidence][corpus]") {
    const auto flows = run("zeek/ssh/ssh.pcap");
    if (flows.empty()) {
        WARN("no corpus (PKTDYN_CORPUS): skipped");
        return;
    }
    // Zeek's baseline testing/btest/Baseline/scripts.base.protocols.ssh.basic/ssh.log (commit
    // a13de64f, the corpus's), by the client's port: auth_attempts and auth_success (T 1, F 0,
    // unset -1) of every SSH-2 connection.
    // 51880 negotiated zlib@openssh.com: Zeek does not judge it (SSH::compression_algorithms). The
    // SSH-1 clients (SSH-1.5 to a 1.99 server: Zeek's version 1) have no SSH-2 outcome (NaN).
    const std::map<std::uint16_t, std::pair<int, int>> zeek{
        {51880, {0, -1}}, {40184, {1, 1}}, {57189, {3, 1}}, {55179, {1, 1}}, {59246, {2, 1}}, {41164, {5, 1}}, {33910, {1, 1}},
        {41268, {6, 0}},  {52294, {2, 1}}, {51489, {3, 1}}, {58641, {1, 0}},  {58646, {1, 1}}, {58649, {1, 1}}};
    const std::set<std::uint16_t> ssh1{57191, 56594, 56821, 56837, 56845, 56875, 56878, 56940, 57831};
    std::size_t compared = 0;
    for (const auto& v : flows) {
        INFO("client port " << v.originator_port);
        if (ssh1.contains(v.originator_port)) {
            CHECK(std::isnan(v.logins[0]));
            ++compared;
        }
        const auto it = zeek.find(v.originator_port);
        if (it == zeek.end()) continue;
        ++compared;
        CHECK(v.logins[0] == it->second.first);
        CHECK((std::isnan(v.logins[1]) ? -1 : static_cast<int>(v.logins[1])) == it->second.second);
    }
    CHECK(compared == zeek.size() + ssh1.size());
}

TEST_CASE("FTP failed logins are tshark's 530 replies on bruteforce.pcap", "[evidence][corpus]") {
    const auto flows = run("zeek/ftp/bruteforce.pcap");
    if (flows.empty()) {
        WARN("no corpus (PKTDYN_CORPUS): skipped");
        return;
    }
    // tshark -r zeek/ftp/bruteforce.pcap -Y "ftp.response.code >= 500": 30 replies, all 530, one per
    // connection, each to a PASS (30 USER, 30 PASS commands); no 230.
    double failures = 0, logins = 0;
    int ftp = 0;
    for (const auto& v : flows) {
        if (std::isnan(v.logins[2])) continue;
        ++ftp;
        failures += v.logins[2];
        logins += v.logins[3];
        CHECK(v.responder_port == 21);
    }
    CHECK(ftp == 30);
    CHECK(failures == 30);
    CHECK(logins == 0);
}

TEST_CASE("DNS activity is tshark's on iodine's tunnel", "[evidence][corpus]") {
    const auto flows = run("ndpi/dns-tunnel-iodine.pcap");
    if (flows.empty()) {
        WARN("no corpus (PKTDYN_CORPUS): skipped");
        return;
    }
    // tshark -Y "dns.flags.response==0" -e udp.stream -e dns.qry.name -e dns.qry.name.len: one
    // conversation of 222 queries, 222 distinct names (case folded), the longest 252 characters; no
    // NXDOMAIN; 222 questions for NULL or TXT.
    const auto tunnel = std::max_element(flows.begin(), flows.end(), [](const auto& a, const auto& b) {
        return std::isnan(a.dns[0]) || (!std::isnan(b.dns[0]) && a.dns[0] < b.dns[0]);
    });
    REQUIRE(tunnel != flows.end());
    CHECK(tunnel->dns[0] == Approx(222).margin(2));
    CHECK(tunnel->dns[1] == 252);
    CHECK(tunnel->dns[3] == 222);
    CHECK(tunnel->dns[4] == 0);
    CHECK(tunnel->dns_text[0].size() >= 252);  // its text escapes the octets that are not printable
    CHECK(tunnel->dns[2] > 4.0);  // encoded data: high entropy per character
}

TEST_CASE("Label entropy and the longest label", "[evidence]") {
    CHECK(dns_activity::entropy("") == 0);
    CHECK(dns_activity::entropy("aaaa") == 0);
    CHECK(dns_activity::entropy("abcd") == Approx(2.0));
    CHECK(dns_activity::entropy("aabb") == Approx(1.0));
    // p = 1/2, 1/4, 1/4: 0.5 + 0.5 + 0.5 = 1.5 bits.
    CHECK(dns_activity::entropy("aabc") == Approx(1.5));
    std::array<char, 64> raw{};
    CHECK(std::string_view(raw.data(), dns_activity::longest_label("www.example.com", raw)) == "example");
    CHECK(std::string_view(raw.data(), dns_activity::longest_label("a.bb.ccc", raw)) == "ccc");
    CHECK(dns_activity::longest_label("", raw) == 0);
    // Escapes are undone: "\xff\x2ea" is three octets, longer than "bc".
    CHECK(std::string_view(raw.data(), dns_activity::longest_label("bc.\\xff\\x2ea", raw)) == "\xff.a");
}

TEST_CASE("Flows that are none of these write no evidence", "[evidence]") {
    login_outcomes l;
    dns_activity d;
    std::array<double, login_outcomes::features.size()> lo{};
    std::array<double, dns_activity::features.size()> dn{};
    l.write(lo);
    d.write(dn);
    for (double v : lo) CHECK(std::isnan(v));
    for (double v : dn) CHECK(std::isnan(v));
    // Text columns too, into strings a pipeline reuses from a DNS flow before (they were left as they were).
    std::array<std::string, dns_activity::text_features.size()> text{"version.bind", "version.bind"};
    d.write_text(text);
    CHECK(text[0].empty());
    CHECK(text[1].empty());
    CHECK(d.longest_query().empty());
    CHECK(d.first_query().empty());
}
