// The detector set: every detector behind one call, the learning period starting at the first flow,
// long connections told per tier across active-timeout parts, and suppression across calls.
#include <catch2/catch.hpp>

#include "pktdyn/detect/detectors.hpp"
#include "support/flows.hpp"

using namespace pktdyn;
using pktdyn::test::tcp_flow;
using pktdyn::test::v4;

TEST_CASE("A connection kept open for hours is told at each tier", "[detect][detectors]") {
    detector_set d;
    std::vector<alert> out;
    for (int part = 0; part < 9; ++part) {  // nine 30-minute parts: 4.5 h
        auto f = tcp_flow(v4(10, 0, 0, 5), v4(198, 51, 100, 2), 443, part * 1800.0, "ADad", 1000, 1000, 1799);
        f.continues = part < 8;
        d.observe(f, out);
    }
    std::vector<std::string> tiers;
    for (const auto& a : out)
        if (a.detector == "long_connection") tiers.push_back(a.evidence[1].second);
    CHECK(tiers == std::vector<std::string>{"1", "4"});
}

TEST_CASE("The learning period starts at the first flow", "[detect][detectors]") {
    detector_config c;
    c.context.learning_period = std::chrono::hours(1);
    detector_set d(c);
    std::vector<alert> out;
    d.observe(tcp_flow(v4(10, 0, 0, 2), v4(10, 0, 0, 1), 22, 0, "ShADadFf"), out);
    CHECK(d.context().learning_until == test::at_seconds(3600));
    d.observe(tcp_flow(v4(10, 0, 0, 2), v4(10, 0, 0, 1), 8080, 3700, "ShADadFf"), out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].detector == "new.service");
    CHECK(out[0].peer == "8080/tcp");
    d.observe(tcp_flow(v4(10, 0, 0, 3), v4(10, 0, 0, 1), 8080, 3800, "ShADadFf"), out);
    CHECK(out.size() == 1);  // the service is known now
    d.observe(tcp_flow(v4(10, 0, 0, 3), v4(10, 0, 0, 1), 8081, 3800, "ShADadFf"), out);
    CHECK(out.size() == 2);  // another service of the same host
    CHECK(d.flows() == 4);
}

TEST_CASE("The detect state saves and restores: known services stay known", "[detect][detectors]") {
    detector_config c;
    c.context.learning_period = std::chrono::hours(1);
    detector_set d(c);
    std::vector<alert> out;
    d.observe(tcp_flow(v4(10, 0, 0, 2), v4(10, 0, 0, 1), 22, 0, "ShADadFf"), out);
    const std::string saved = d.save();
    auto r = detector_set::restore(saved, c);
    REQUIRE(r);
    CHECK(r->save() == saved);
    CHECK(r->context().learning_until == test::at_seconds(3600));
    r->observe(tcp_flow(v4(10, 0, 0, 9), v4(10, 0, 0, 1), 22, 7200, "ShADadFf"), out);
    CHECK(out.empty());  // port 22 was learned before the save
    r->observe(tcp_flow(v4(10, 0, 0, 9), v4(10, 0, 0, 1), 23, 7200, "ShADadFf"), out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].detector == "new.service");

    std::string broken = saved;
    broken.replace(broken.find("section novelty.domains"), 9, "sectoin");
    const auto bad = detector_set::restore(broken, c);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message().find("detect state, line ") != std::string::npos);
    std::string wrong_count = saved;
    wrong_count.replace(wrong_count.find("entries 1"), 9, "entries x");
    const auto inner = detector_set::restore(wrong_count, c);
    REQUIRE_FALSE(inner);
    CHECK(inner.error().message() == "detect state, line 8: expected 'entries N', N <= slots (section novelty.services)");
}
