// The producer/consumer ratio shift: a workstation that downloads turning into an uploader is told
// with its PCR against its median; a server that always produces is not; nothing before the
// warm-up; the host table's cap counts evictions; state saves and restores exactly.
#include <catch2/catch.hpp>

#include "pktdyn/detect/ratio.hpp"
#include "support/flows.hpp"

using namespace pktdyn;
using pktdyn::test::tcp_flow;
using pktdyn::test::v4;

namespace {
// at_seconds(0) is 22:13:20 UTC; hour h of the test starts 2,800 s later plus h hours.
double mid_hour(int h) { return 2800 + 3600.0 * h + 600; }

// The workstation's ordinary hour: it fetches 5-7 MB from the file server and sends a tenth back.
void ordinary_hour(ratio_detector& d, const detect_context& ctx, int h, std::vector<alert>& out) {
    const std::uint64_t down = 5'000'000 + static_cast<std::uint64_t>(h % 3) * 1'000'000;
    d.observe(tcp_flow(v4(10, 1, 0, 13), v4(10, 1, 5, 6), 445, mid_hour(h), "ShADadFf", down / 10, down, 60), ctx, out);
}
}  // namespace

TEST_CASE("A consumer turning producer for an hour is a ratio shift", "[detect][ratio]") {
    ratio_detector d;
    detect_context ctx;
    std::vector<alert> out;
    for (int h = 0; h < 20; ++h) ordinary_hour(d, ctx, h, out);
    CHECK(out.empty());
    // Hour 20: 30 MB to the file server it knows, 2 MB back; hour 21's flow closes hour 20.
    d.observe(tcp_flow(v4(10, 1, 0, 13), v4(10, 1, 5, 6), 445, mid_hour(20), "ShADadFf", 30'000'000, 2'000'000, 300), ctx, out);
    ordinary_hour(d, ctx, 21, out);
    REQUIRE(out.size() == 1);
    const alert& a = out[0];
    CHECK(a.detector == "ratio.shift");
    CHECK(a.entity == "10.1.0.13");
    CHECK(a.peer == "10.1.5.6");
    // PCR = (30 - 2) / 32 = 0.875; every ordinary hour is (0.1 - 1) / 1.1 = -0.82 whatever its size.
    CHECK(a.sentence.starts_with("10.1.0.13 was a producer between"));
    CHECK(a.sentence.find("(PCR +0.88: sent 30 MB, received 2 MB; most to 10.1.5.6, 30 MB)") != std::string::npos);
    CHECK(a.sentence.find("median PCR over its last 20 active hours is -0.82 (a consumer") != std::string::npos);
    CHECK(a.severity == severity_above(40, 0.875 + 0.82, 0.5, 60));
}

TEST_CASE("A producer producing, a quiet shift and the warm-up are not told", "[detect][ratio]") {
    ratio_detector d;
    detect_context ctx;
    std::vector<alert> out;
    // The database: answers 50 MB an hour for 30 hours, then 200 MB (a band's matter, not a shift).
    for (int h = 0; h < 31; ++h)
        d.observe(tcp_flow(v4(10, 2, 0, 1), v4(10, 1, 5, 5), 5432, mid_hour(h), "ShADadFf", 100'000, h == 30 ? 200'000'000 : 50'000'000), ctx,
                  out);
    // A workstation whose shift sends only 5 MB (under min_sent), and one whose shift comes before warm-up.
    for (int h = 0; h < 20; ++h)
        d.observe(tcp_flow(v4(10, 1, 0, 14), v4(10, 1, 5, 6), 445, mid_hour(h), "ShADadFf", 500'000, 5'000'000), ctx, out);
    d.observe(tcp_flow(v4(10, 1, 0, 14), v4(10, 1, 5, 6), 445, mid_hour(20), "ShADadFf", 5'000'000, 100'000), ctx, out);
    d.observe(tcp_flow(v4(10, 1, 0, 14), v4(10, 1, 5, 6), 445, mid_hour(21), "ShADadFf", 500'000, 5'000'000), ctx, out);
    for (int h = 0; h < 5; ++h)
        d.observe(tcp_flow(v4(10, 1, 0, 15), v4(10, 1, 5, 6), 445, mid_hour(h), "ShADadFf", 500'000, 5'000'000), ctx, out);
    d.observe(tcp_flow(v4(10, 1, 0, 15), v4(10, 1, 5, 6), 445, mid_hour(5), "ShADadFf", 50'000'000, 100'000), ctx, out);
    d.observe(tcp_flow(v4(10, 1, 0, 15), v4(10, 1, 5, 6), 445, mid_hour(6), "ShADadFf", 500'000, 5'000'000), ctx, out);
    CHECK(out.empty());
}

TEST_CASE("The ratio table keeps its cap, counts evictions, saves and restores exactly", "[detect][ratio]") {
    ratio_detector small({.capacity = 8});  // one bucket of 8 hosts
    detect_context ctx;
    std::vector<alert> out;
    for (std::uint8_t i = 0; i < 9; ++i)
        small.observe(tcp_flow(v4(10, 9, 0, i), v4(203, 0, 113, 1), 443, mid_hour(i), "ShADadFf", 1000, 2'000'000), ctx, out);
    CHECK(small.tracked() == 8);
    CHECK(small.evictions() == 1);

    ratio_detector d;
    for (int h = 0; h < 20; ++h) ordinary_hour(d, ctx, h, out);
    const std::string saved = d.save();
    auto restored = ratio_detector::restore(saved);
    REQUIRE(restored);
    CHECK(restored->save() == saved);
    std::vector<alert> a, b;
    for (auto* x : {&d, &*restored}) {
        auto& sink = x == &d ? a : b;
        x->observe(tcp_flow(v4(10, 1, 0, 13), v4(10, 1, 5, 6), 445, mid_hour(20), "ShADadFf", 30'000'000, 2'000'000, 300), ctx, sink);
        ordinary_hour(*x, ctx, 21, sink);
    }
    REQUIRE(a.size() == 1);
    REQUIRE(b.size() == 1);
    CHECK(a[0].sentence == b[0].sentence);

    std::string broken = saved;
    broken[broken.find("entries 2\n") + 10] = 'x';  // line 4: the first host's entry (the file server is the second)
    const auto bad = ratio_detector::restore(broken);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message().find("line 4") != std::string::npos);
    CHECK_FALSE(ratio_detector::restore(saved, {.capacity = 1024}));  // another capacity: the slots differ
}
