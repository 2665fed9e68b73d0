#include "pktdyn/models/series_detector.hpp"

#include <catch2/catch.hpp>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>
#include <vector>

#include "pktdyn/models/ewma_detector.hpp"
#include "pktdyn/models/half_space_trees.hpp"
#include "pktdyn/models/holt_winters_detector.hpp"
#include "pktdyn/models/mad_detector.hpp"
#include "pktdyn/models/random.hpp"

// Counts every allocation of the test program, to show that the detectors' updates make none. Every
// unaligned form is replaced, so that each new meets its own delete (AddressSanitizer checks).
namespace {
std::atomic<std::size_t> allocations{0};
void* counted(std::size_t n) noexcept {
    ++allocations;
    return std::malloc(n ? n : 1);
}
}  // namespace
void* operator new(std::size_t n) {
    if (void* p = counted(n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    if (void* p = counted(n)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using pktdyn::band_verdict;

TEST_CASE("a verdict's band is k spreads either side and its score counts spreads", "[anomaly][series_detector]") {
    const auto v = band_verdict::judge(13, 10, 2, 1.5, true);
    CHECK(v.expected == 10);
    CHECK(v.lower == 7);
    CHECK(v.upper == 13);
    CHECK(v.score == 1.5);
    CHECK_FALSE(v.anomaly);  // on the edge is inside
    CHECK(band_verdict::judge(13.5, 10, 2, 1.5, true).anomaly);
    CHECK_FALSE(band_verdict::judge(13.5, 10, 2, 1.5, false).anomaly);  // not warmed up
    CHECK(band_verdict::judge(10, 10, 0, 3, true).score == 0);
    CHECK(band_verdict::judge(11, 10, 0, 3, true).score == std::numeric_limits<double>::infinity());
    const auto nan = band_verdict::judge(std::nan(""), 10, 2, 3, true);
    CHECK(std::isnan(nan.score));
    CHECK_FALSE(nan.anomaly);
    const band_verdict none;
    CHECK(std::isnan(none.expected));
    CHECK_FALSE(none.ready);
}

TEST_CASE("the series detectors satisfy the concept, and a rejected type does not", "[anomaly][series_detector]") {
    STATIC_REQUIRE(pktdyn::series_detector<pktdyn::ewma_detector>);
    STATIC_REQUIRE(pktdyn::series_detector<pktdyn::mad_detector>);
    STATIC_REQUIRE(pktdyn::series_detector<pktdyn::holt_winters_detector>);
    struct no_save {
        band_verdict update(double) noexcept { return {}; }
    };
    STATIC_REQUIRE_FALSE(pktdyn::series_detector<no_save>);
}

TEST_CASE("updating a streaming detector never allocates", "[anomaly][series_detector]") {
    auto ewma = pktdyn::ewma_detector::create().value();
    auto mad = pktdyn::mad_detector::create({.window = 101}).value();
    auto hw = pktdyn::holt_winters_detector::create({.season = 12}).value();
    auto mad_copy = mad;  // a copy keeps its fixed capacity
    const std::vector<double> lo{0, 0}, hi{200, 1};
    auto hst = pktdyn::half_space_trees::create(lo, hi, {.trees = 10, .depth = 8, .window = 100}).value();
    std::vector<double> row(2);
    pktdyn::splitmix64 rng(5);
    const std::size_t before = allocations.load();
    int ready = 0;
    for (int i = 0; i < 1000; ++i) {
        const double x = 100 + 10 * std::sin(i * 0.5) + rng.uniform();
        ready += ewma.update(x).ready + mad.update(x).ready + hw.update(x).ready + mad_copy.update(x).ready;
        row = {x, rng.uniform()};
        ready += hst.update(row).ready;
    }
    CHECK(allocations.load() == before);
    CHECK(ready > 3500);
}
