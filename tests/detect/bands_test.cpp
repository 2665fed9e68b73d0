// Volume outside its band: ten days of an internal database server's usual traffic to its backup
// host, then an evening it ships 2 GB there — the pair's band for that hour says it never does.
#include <catch2/catch.hpp>
#include <cmath>

#include "pktdyn/detect/bands.hpp"
#include "support/flows.hpp"

using namespace pktdyn;
using pktdyn::test::tcp_flow;
using pktdyn::test::v4;

TEST_CASE("A host pair's hourly bytes above its band are told with the band", "[detect][bands]") {
    band_detector d;
    detect_context ctx;
    const double day0 = 86400.0 * 20000;  // at_seconds counts from 1.7e9 s: whole hours keep the phase
    ctx.learning_until = test::at_seconds(day0 + 86400 * 3);
    std::vector<alert> out;
    const auto db = v4(10, 0, 5, 5), backup = v4(10, 0, 9, 9);
    for (int h = 0; h < 24 * 10; ++h) {
        const double usual = 2e6 * (1.5 + std::sin(h % 24 / 24.0 * 6.283185307179586));
        d.observe(tcp_flow(db, backup, 873, day0 + h * 3600.0 + 600, "ShADadFf", static_cast<std::uint64_t>(usual), 1000, 60), ctx, out);
    }
    CHECK(out.empty());
    d.observe(tcp_flow(db, backup, 873, day0 + 240 * 3600.0 + 600, "ShADadFf", 2'000'000'000, 1000, 600), ctx, out);
    d.observe(tcp_flow(db, backup, 873, day0 + 241 * 3600.0 + 600, "ShADadFf", 1000, 1000, 60), ctx, out);
    std::vector<std::string> kinds;
    for (const auto& a : out) kinds.push_back(a.detector);
    REQUIRE(std::find(kinds.begin(), kinds.end(), "volume.pair") != kinds.end());
    const alert& a = *std::find_if(out.begin(), out.end(), [](const alert& x) { return x.detector == "volume.pair"; });
    CHECK(a.entity == "10.0.5.5");
    CHECK(a.peer == "10.0.9.9");
    CHECK(a.sentence.starts_with("10.0.5.5 sent 2 GB to 10.0.9.9 between "));
    CHECK(a.sentence.find("expected ") != std::string::npos);
    CHECK(a.severity <= 50);
}

TEST_CASE("A host's hourly bytes with one application above its band", "[detect][bands]") {
    band_detector d;
    detect_context ctx;
    const double day0 = 86400.0 * 20000;
    ctx.learning_until = test::at_seconds(day0 + 86400 * 3);
    std::vector<alert> out;
    const auto host = v4(10, 0, 3, 3), cloud = v4(203, 0, 113, 80);
    for (int h = 0; h < 24 * 10; ++h) {
        auto f = tcp_flow(host, cloud, 443, day0 + h * 3600.0 + 600, "ShADadFf", 200'000, 2'000'000 + 1000 * (h % 7), 60);
        f.server_name = "files.example.com";
        d.observe(f, ctx, out);
    }
    CHECK(out.empty());
    auto big = tcp_flow(host, v4(203, 0, 113, 81), 443, day0 + 240 * 3600.0 + 600, "ShADadFf", 900'000'000, 1000, 600);
    big.server_name = "upload.example.com";  // the same application, another of its servers
    d.observe(big, ctx, out);
    auto next = tcp_flow(host, cloud, 443, day0 + 241 * 3600.0 + 600, "ShADadFf", 1000, 1000, 60);
    next.server_name = "files.example.com";
    d.observe(next, ctx, out);
    const auto a = std::find_if(out.begin(), out.end(), [](const alert& x) { return x.detector == "volume.application"; });
    REQUIRE(a != out.end());
    CHECK(a->entity == "10.0.3.3");
    CHECK(a->peer == "example.com");
    CHECK(a->sentence.starts_with("10.0.3.3 exchanged 900 MB with example.com between "));
}
