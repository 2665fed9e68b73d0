#include "pktdyn/models/mad_detector.hpp"

#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <vector>

#include "pktdyn/models/random.hpp"
#include "support/corrupt_text.hpp"

using pktdyn::mad_detector;

namespace {
// The textbook definitions, by sorting copies.
double median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
double mad_of(const std::vector<double>& v) {
    const double m = median_of(v);
    std::vector<double> dev;
    for (double x : v) dev.push_back(std::abs(x - m));
    return median_of(dev);
}
}  // namespace

TEST_CASE("median and MAD in a case worked by hand", "[anomaly][mad_detector]") {
    auto d = mad_detector::create({.window = 5, .k = 3, .warm_up = 5}).value();
    for (double x : {1.0, 2.0, 3.0, 4.0, 100.0}) d.update(x);
    CHECK(d.median() == 3);
    CHECK(d.mad(3) == 1);  // deviations 2 1 0 1 97
    const auto v = d.update(8);
    CHECK(v.expected == 3);
    CHECK(v.upper == 3 + 3 * mad_detector::normal_scale);
    CHECK(v.score == Approx(5 / mad_detector::normal_scale));
    CHECK(v.anomaly);
    CHECK(d.values() == std::vector<double>{2, 3, 4, 100, 8});  // 1 left the window
    CHECK(d.median() == 4);
    CHECK(d.mad(4) == 2);  // deviations 2 1 0 96 4
    d.update(8);           // 2 leaves: 3 4 100 8 8
    CHECK(d.median() == 8);
}

TEST_CASE("median and MAD equal sorting the window, for every update", "[anomaly][mad_detector]") {
    for (const std::size_t window : {1, 2, 7, 64}) {
        auto d = mad_detector::create({.window = window, .warm_up = 0}).value();
        pktdyn::splitmix64 rng(window);
        std::vector<double> seen;
        for (int i = 0; i < 500; ++i) {
            // Repeated values (rounded) make ties, which a merge must count right.
            const double x = std::round(rng.uniform() * 20) + (i % 97 == 0 ? 1000 : 0);
            const auto v = d.update(x);
            if (!seen.empty()) {
                const std::vector<double> w(seen.end() - static_cast<std::ptrdiff_t>(std::min(window, seen.size())), seen.end());
                REQUIRE(v.expected == median_of(w));
                const double spread = mad_detector::normal_scale * mad_of(w);
                REQUIRE(v.upper == v.expected + 3.5 * spread);
            }
            seen.push_back(x);
            const std::vector<double> w(seen.end() - static_cast<std::ptrdiff_t>(std::min(window, seen.size())), seen.end());
            REQUIRE(d.values() == w);
            REQUIRE(d.median() == median_of(w));
            REQUIRE(d.mad(d.median()) == mad_of(w));
        }
    }
}

TEST_CASE("a MAD detector restored from its text continues as if never stopped", "[anomaly][mad_detector]") {
    auto whole = mad_detector::create({.window = 30, .k = 3, .warm_up = 10}).value();
    pktdyn::splitmix64 rng(8);
    std::vector<double> x;
    for (int i = 0; i < 200; ++i) x.push_back(rng.uniform() * 100 + (i % 40 == 39 ? 500 : 0));
    for (int i = 0; i < 77; ++i) whole.update(x[i]);
    auto resumed = mad_detector::restore(whole.save()).value();
    for (int i = 77; i < 200; ++i) {
        const auto a = whole.update(x[i]), b = resumed.update(x[i]);
        REQUIRE(a.score == b.score);
        REQUIRE(a.anomaly == b.anomaly);
    }
    CHECK(resumed.save() == whole.save());
    CHECK(resumed.values().size() == 30);
}

TEST_CASE("bad MAD options and state are errors that say why", "[anomaly][mad_detector]") {
    CHECK(mad_detector::create({.window = 0}).error().message() == "mad_detector: window must lie in [1, 2^24], found 0");
    CHECK(mad_detector::create({.window = 5, .warm_up = 6}).error().message() ==
          "mad_detector: warm_up (6) cannot exceed the window (5)");
    const auto bad = [](const char* text) { return mad_detector::restore(text).error().message(); };
    CHECK(bad("pktdyn.mad_detector 1\nwindow 3\nk 3\nwarm_up 2\nvalues 4 1 2 3 4\n") ==
          "pktdyn.mad_detector state, line 5: expected at most 3 values for 'values', found 4");
    CHECK(bad("pktdyn.mad_detector 1\nwindow 3\nk 3\nwarm_up 2\nvalues 2 1 nan\n") ==
          "pktdyn.mad_detector state, line 5: the window holds only finite values");
    CHECK(bad("pktdyn.mad_detector 2\n") == "pktdyn.mad_detector state: format version 2, this build reads version 1");
}

TEST_CASE("a damaged MAD state text is refused or restored, never a crash", "[anomaly][mad_detector]") {
    auto d = mad_detector::create({.window = 5, .warm_up = 2}).value();
    for (double x : {1.0, 2.0, 4.0, 8.0, 16.0, 32.0}) d.update(x);
    int refused = 0;
    for (const auto& text : pktdyn::test::corrupt_texts(d.save(), 2, 2000)) {
        auto r = mad_detector::restore(text);
        if (!r) {
            ++refused;
            continue;
        }
        for (double x : {1.0, 1e300, -5.0, 3.0, 3.0, 3.0, 3.0}) r->update(x);
        CHECK(r->values().size() <= r->options().window);
    }
    CHECK(refused > 1000);
}
