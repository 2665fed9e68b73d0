// New things after learning: a service that starts answering, a SaaS never seen, an internal pair's
// first large exchange; nothing during learning, nothing from the allow list.
#include <catch2/catch.hpp>

#include "pktdyn/detect/novelty.hpp"
#include "support/flows.hpp"

using namespace pktdyn;
using pktdyn::test::at_seconds;
using pktdyn::test::tcp_flow;
using pktdyn::test::v4;

TEST_CASE("New services, SaaS and internal transfers are told after learning only", "[detect][novelty]") {
    novelty_config c;
    c.allowed_domains = {"example.com"};
    novelty_detector d(c);
    detect_context ctx;
    ctx.learning_until = at_seconds(1000);
    std::vector<alert> out;
    d.observe(tcp_flow(v4(10, 0, 0, 2), v4(10, 0, 0, 1), 22, 10, "ShADadFf"), ctx, out);
    CHECK(out.empty());  // learning
    d.observe(tcp_flow(v4(10, 0, 0, 3), v4(10, 0, 0, 1), 22, 2000, "ShADadFf"), ctx, out);
    CHECK(out.empty());  // known service
    d.observe(tcp_flow(v4(10, 0, 0, 3), v4(10, 0, 0, 1), 5900, 2100, "ShADadFf"), ctx, out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].detector == "new.service");
    CHECK(out[0].entity == "10.0.0.1");

    out.clear();
    auto tls = tcp_flow(v4(10, 0, 0, 3), v4(203, 0, 113, 1), 443, 2200, "ShADadFf");
    tls.server_name = "files.example.com";
    d.observe(tls, ctx, out);
    CHECK(out.empty());  // allowed
    tls.server_name = "upload.anonfiles.example.net";
    d.observe(tls, ctx, out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].detector == "new.saas");
    CHECK(out[0].evidence[0].second == "example.net");

    out.clear();
    d.observe(tcp_flow(v4(10, 0, 0, 4), v4(10, 0, 0, 8), 9000, 2300, "ShADadFf", 4'000'000, 1000), ctx, out);
    bool transfer = false;
    for (const auto& a : out) transfer = transfer || a.detector == "new.internal_transfer";
    CHECK(transfer);
}
