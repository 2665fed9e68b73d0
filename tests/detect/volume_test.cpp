// Exfiltration: a 20 MB upload in one connection (stitched across active-timeout parts), and the
// internal server that sends 5 MB to a peer it never talked to during learning.
#include <catch2/catch.hpp>

#include "pktdyn/detect/volume.hpp"
#include "support/flows.hpp"

using namespace pktdyn;
using pktdyn::test::at_seconds;
using pktdyn::test::tcp_flow;
using pktdyn::test::v4;

TEST_CASE("One connection sending over 20 MB out of our networks", "[detect][volume]") {
    volume_config c;
    c.new_peer_volume = 1'000'000'000'000;  // this test is about one connection's volume
    volume_detector d(c);
    detect_context ctx;
    ctx.learning_until = at_seconds(0);
    std::vector<alert> out;
    auto part = tcp_flow(v4(10, 1, 2, 3), v4(203, 0, 113, 7), 443, 0, "ShADad", 12'000'000, 10'000, 1800);
    part.continues = true;
    d.observe(part, ctx, out);
    CHECK(out.empty());
    auto rest = tcp_flow(v4(10, 1, 2, 3), v4(203, 0, 113, 7), 443, 1800, "ADadFf", 9'000'000, 10'000, 600);
    d.observe(rest, ctx, out);
    REQUIRE(out.size() >= 1);
    CHECK(out[0].detector == "exfil.large_upload");
    CHECK(out[0].sentence.starts_with("10.1.2.3 sent 21 MB to 203.0.113.7 (port 443) in one connection over 2400.0 s"));
    CHECK(human_bytes(1.2e9) == "1.2 GB");
    CHECK(human_bytes(999) == "999 B");
}

TEST_CASE("The database server sending to a host it never talked to", "[detect][volume]") {
    volume_detector d;
    detect_context ctx;
    ctx.learning_until = at_seconds(86400);
    std::vector<alert> out;
    const auto db = v4(10, 0, 5, 5);
    // Learning: the server answers its usual clients, and sends to its backup host.
    d.observe(tcp_flow(db, v4(10, 0, 9, 9), 873, 100, "ShADadFf", 50'000'000, 1000, 600), ctx, out);
    CHECK(out.empty());
    // After learning: the backup again (known), then a stranger.
    d.observe(tcp_flow(db, v4(10, 0, 9, 9), 873, 90000, "ShADadFf", 50'000'000, 1000, 600), ctx, out);
    CHECK(out.empty());
    d.observe(tcp_flow(db, v4(198, 51, 100, 77), 8443, 90500, "ShADadFf", 3'000'000, 1000, 60), ctx, out);
    CHECK(out.empty());
    d.observe(tcp_flow(db, v4(198, 51, 100, 77), 8443, 90600, "ShADadFf", 3'000'000, 1000, 60), ctx, out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].detector == "exfil.new_peer");
    CHECK(out[0].peer == "198.51.100.77");
    CHECK(out[0].sentence.find("first contact") != std::string::npos);
}
