// The scan detector against bro-simple-scan's documented thresholds (25 remote, 250 local, 20 hosts
// on one port), nmap's stealth probes and its host-discovery probe set (nmap(1), HOST DISCOVERY).
#include <catch2/catch.hpp>

#include "pktdyn/detect/scan.hpp"
#include "support/flows.hpp"

using namespace pktdyn;
using pktdyn::test::tcp_flow;
using pktdyn::test::v4;

namespace {
std::vector<alert> feed(scan_detector& d, const std::vector<flow_facts>& flows) {
    detect_context ctx;
    std::vector<alert> out;
    for (const auto& f : flows) d.observe(f, ctx, out);
    return out;
}
}  // namespace

TEST_CASE("A remote scanner is told at 25 targets, named by their shape", "[detect][scan]") {
    const auto remote = v4(203, 0, 113, 9);
    SECTION("vertical: one host, many ports; 24 is not enough") {
        scan_detector d;
        std::vector<flow_facts> flows;
        for (std::uint16_t p = 1; p <= 24; ++p) flows.push_back(tcp_flow(remote, v4(10, 0, 0, 1), p, p, "Sr"));
        CHECK(feed(d, flows).empty());
        const auto out = feed(d, {tcp_flow(remote, v4(10, 0, 0, 1), 25, 25, "S")});
        REQUIRE(out.size() == 1);
        CHECK(out[0].detector == "scan.vertical");
        CHECK(out[0].entity == "203.0.113.9");
        CHECK(out[0].peer == "10.0.0.1");
        CHECK(out[0].technique == "T1046");
        CHECK(out[0].severity == 50);
        // Every probe from one source port (tcp_flow's 40000): a stateless scanner's mark, told.
        CHECK(out[0].sentence.find("every probe from source port 40000") != std::string::npos);
    }
    SECTION("mixed: several hosts and ports") {
        scan_detector d;
        std::vector<flow_facts> flows;
        for (int i = 0; i < 25; ++i)
            flows.push_back(tcp_flow(remote, v4(10, 0, 0, static_cast<std::uint8_t>(i % 5)), static_cast<std::uint16_t>(i), i, "Sr"));
        const auto out = feed(d, flows);
        REQUIRE(out.size() == 1);
        CHECK(out[0].detector == "scan.mixed");
    }
    SECTION("horizontal: one port on 20 hosts (the knock threshold)") {
        scan_detector d;
        std::vector<flow_facts> flows;
        for (int i = 0; i < 20; ++i) flows.push_back(tcp_flow(remote, v4(10, 0, 1, static_cast<std::uint8_t>(i)), 3389, i, "S"));
        const auto out = feed(d, flows);
        REQUIRE(out.size() == 1);
        CHECK(out[0].detector == "scan.horizontal");
    }
    SECTION("connections that carried data are not attempts") {
        scan_detector d;
        std::vector<flow_facts> flows;
        for (std::uint16_t p = 1; p <= 40; ++p) flows.push_back(tcp_flow(remote, v4(10, 0, 0, 1), p, p, "ShADad"));
        CHECK(feed(d, flows).empty());
    }
    SECTION("the window expires after 15 minutes") {
        scan_detector d;
        std::vector<flow_facts> flows;
        for (std::uint16_t p = 1; p <= 30; ++p) flows.push_back(tcp_flow(remote, v4(10, 0, 0, 1), p, p * 60.0, "Sr"));
        CHECK(feed(d, flows).empty());  // 30 targets, but never 25 within 15 min
    }
}

TEST_CASE("A local scanner needs 250 targets", "[detect][scan]") {
    scan_detector d;
    std::vector<flow_facts> flows;
    for (std::uint16_t p = 1; p <= 249; ++p) flows.push_back(tcp_flow(v4(10, 0, 0, 7), v4(10, 0, 0, 1), p, p * 0.01, "Sr"));
    CHECK(feed(d, flows).empty());
    const auto out = feed(d, {tcp_flow(v4(10, 0, 0, 7), v4(10, 0, 0, 1), 250, 3, "Sr")});
    REQUIRE(out.size() == 1);
    CHECK(out[0].severity == 40);
}

TEST_CASE("Probes with neither SYN nor ACK are a stealth scan at 3 targets", "[detect][scan]") {
    scan_detector d;
    auto fin = tcp_flow(v4(198, 51, 100, 1), v4(10, 0, 0, 1), 22, 0, "Fr");
    fin.orig_syn = fin.orig_ack = 0;
    std::vector<flow_facts> flows{fin, fin, fin};
    flows[1].responder_port = 23;
    flows[2].responder_port = 25;
    const auto out = feed(d, flows);
    REQUIRE(out.size() == 1);
    CHECK(out[0].detector == "scan.stealth");
    // A late FIN of a connection the table had already ended carries ACK: not a probe.
    auto late = fin;
    late.orig_ack = 1;
    CHECK_FALSE(scan_detector::stealth(late));
}

TEST_CASE("nmap's host discovery: attempts to 80 and 443 of one host within a second", "[detect][scan]") {
    scan_detector d;
    const auto out = feed(d, {tcp_flow(v4(10, 87, 1, 10), v4(130, 211, 223, 103), 443, 0, "ShAR"),
                              tcp_flow(v4(10, 87, 1, 10), v4(130, 211, 223, 103), 80, 0.0001, "ShR")});
    REQUIRE(out.size() == 1);
    CHECK(out[0].detector == "scan.host_discovery");
    CHECK(out[0].peer == "130.211.223.103");
    // A browser's HTTP then HTTPS carries data: not a probe.
    scan_detector browser;
    CHECK(feed(browser, {tcp_flow(v4(10, 0, 0, 2), v4(192, 0, 2, 1), 80, 0, "ShADadF"),
                         tcp_flow(v4(10, 0, 0, 2), v4(192, 0, 2, 1), 443, 0.1, "ShADadF")})
              .empty());
}
