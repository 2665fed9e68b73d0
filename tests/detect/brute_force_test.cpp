// Password guessing with Zeek's counting: SSH 30 failed connections in 30 min, FTP 20 failures in
// 15 min (policy/protocols/{ssh,ftp}/detect-bruteforcing.zeek), the guesser's later success, and
// the generic same-shaped sessions.
#include <catch2/catch.hpp>
#include <algorithm>

#include "pktdyn/detect/brute_force.hpp"
#include "support/flows.hpp"

using namespace pktdyn;
using pktdyn::test::tcp_flow;
using pktdyn::test::v4;

namespace {
flow_facts ssh_login(double t, double success) {
    auto f = tcp_flow(v4(192, 168, 56, 1), v4(192, 168, 56, 103), 22, t, "ShADadFf", 3000, 4000, 5);
    f.ssh_auth_attempts = 2;
    f.ssh_auth_success = success;
    return f;
}
}  // namespace

TEST_CASE("SSH: the 30th failed connection in 30 min makes a guesser; its success is told", "[detect][brute_force]") {
    brute_force_detector d;
    detect_context ctx;
    std::vector<alert> out;
    for (int i = 0; i < 29; ++i) d.observe(ssh_login(i * 10, 0), ctx, out);
    CHECK(out.empty());
    d.observe(ssh_login(300, 0), ctx, out);
    REQUIRE(out.size() == 2);  // the generic detector sees 30 same-shaped sessions too
    std::sort(out.begin(), out.end(), [](const alert& a, const alert& b) { return a.detector > b.detector; });
    CHECK(out[1].detector == "bruteforce.generic");
    CHECK(out[0].detector == "bruteforce.ssh");
    CHECK(out[0].sentence.starts_with("192.168.56.1 appears to be guessing SSH passwords (seen in 30 connections"));
    CHECK(out[0].peer == "192.168.56.103");
    d.observe(ssh_login(310, 1), ctx, out);
    REQUIRE(out.size() == 3);
    CHECK(out[2].detector == "bruteforce.ssh_success");
    CHECK(out[2].severity == 90);
}

TEST_CASE("SSH failures spread over more than 30 min never reach the limit", "[detect][brute_force]") {
    brute_force_detector d;
    detect_context ctx;
    std::vector<alert> out;
    for (int i = 0; i < 60; ++i) d.observe(ssh_login(i * 120.0, 0), ctx, out);  // 15 per window
    CHECK(out.empty());
}

TEST_CASE("FTP: 20 failed logins in 15 min", "[detect][brute_force]") {
    brute_force_detector d;
    detect_context ctx;
    std::vector<alert> out;
    for (int i = 0; i < 20; ++i) {
        auto f = tcp_flow(v4(192, 168, 56, 1), v4(192, 168, 56, 101), 21, i * 2.0, "ShADadFf", 500, 600, 1);
        f.ftp_login_failures = 1;
        d.observe(f, ctx, out);
    }
    REQUIRE(out.size() == 1);
    CHECK(out[0].sentence == "192.168.56.1 had 20 failed logins on 1 FTP server in 0m39s (limit 20 in 15m0s)");
}

TEST_CASE("Generic: 30 short sessions of one shape to one service", "[detect][brute_force]") {
    brute_force_detector d;
    detect_context ctx;
    std::vector<alert> out;
    for (int i = 0; i < 30; ++i)
        d.observe(tcp_flow(v4(198, 51, 100, 4), v4(10, 0, 0, 5), 3389, i * 5.0, "ShADadR", 2100 + i % 3, 3000, 2), ctx, out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].detector == "bruteforce.generic");
    CHECK(out[0].peer == "10.0.0.5:3389");
    // Sessions of many shapes (a person working) are not a run.
    brute_force_detector varied;
    out.clear();
    for (int i = 0; i < 60; ++i)
        varied.observe(tcp_flow(v4(198, 51, 100, 4), v4(10, 0, 0, 5), 3389, i * 5.0, "ShADadR", 2000 + 200 * i, 3000, 2), ctx, out);
    CHECK(out.empty());
}
