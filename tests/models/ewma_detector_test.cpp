#include "pktdyn/models/ewma_detector.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "pktdyn/models/random.hpp"
#include "support/corrupt_text.hpp"

using pktdyn::ewma_detector;

TEST_CASE("EWMA and EWMV in a case worked by hand", "[anomaly][ewma_detector]") {
    auto d = ewma_detector::create({.alpha = 0.5, .k = 2, .warm_up = 2}).value();
    const auto first = d.update(1);  // nothing to judge against yet
    CHECK(std::isnan(first.expected));
    CHECK(d.mean() == 1);
    CHECK(d.variance() == 0);
    const auto second = d.update(3);  // judged against mean 1, spread 0
    CHECK(second.expected == 1);
    CHECK(second.score == std::numeric_limits<double>::infinity());
    CHECK_FALSE(second.anomaly);  // one value learned: still warming up
    CHECK(d.mean() == 2);        // 1 + 0.5 * 2
    CHECK(d.variance() == 1);    // (1 - 0.5) (0 + 0.5 * 2^2)
    const auto third = d.update(4.5);
    CHECK(third.expected == 2);
    CHECK(third.lower == 0);
    CHECK(third.upper == 4);
    CHECK(third.score == 2.5);
    CHECK(third.ready);
    CHECK(third.anomaly);
    CHECK(d.mean() == 3.25);
    CHECK(d.variance() == 0.5 * (1 + 0.5 * 2.5 * 2.5));
}

TEST_CASE("the incremental EWMA and EWMV equal the weighted mean and variance", "[anomaly][ewma_detector]") {
    // Finch (2009): after n values, weights w1 = (1-a)^(n-1) and wi = a (1-a)^(n-i) (summing to 1);
    // the mean is sum wi xi and the variance sum wi (xi - mean)^2.
    const double a = 0.1;
    auto d = ewma_detector::create({.alpha = a}).value();
    pktdyn::splitmix64 rng(11);
    std::vector<double> x;
    for (int i = 0; i < 200; ++i) {
        x.push_back(1000 + 50 * rng.uniform() + (i > 150 ? 30 : 0));
        d.update(x.back());
    }
    const std::size_t n = x.size();
    std::vector<double> w(n);
    for (std::size_t i = 0; i < n; ++i) w[i] = (i == 0 ? 1.0 : a) * std::pow(1 - a, static_cast<double>(n - 1 - i));
    double mean = 0, var = 0;
    for (std::size_t i = 0; i < n; ++i) mean += w[i] * x[i];
    for (std::size_t i = 0; i < n; ++i) var += w[i] * (x[i] - mean) * (x[i] - mean);
    CHECK(d.mean() == Approx(mean).epsilon(1e-13));
    CHECK(d.variance() == Approx(var).epsilon(1e-10));
    CHECK(d.count() == 200);
}

TEST_CASE("an EWMA detector restored from its text continues as if never stopped", "[anomaly][ewma_detector]") {
    auto whole = ewma_detector::create({.alpha = 0.07, .k = 2.5, .warm_up = 10}).value();
    pktdyn::splitmix64 rng(3);
    std::vector<double> x;
    for (int i = 0; i < 300; ++i) x.push_back(rng.uniform() * (i % 50 == 49 ? 10 : 1));
    for (int i = 0; i < 120; ++i) whole.update(x[i]);
    auto resumed = ewma_detector::restore(whole.save()).value();
    for (int i = 120; i < 300; ++i) {
        const auto a = whole.update(x[i]), b = resumed.update(x[i]);
        REQUIRE(a.score == b.score);
        REQUIRE(a.anomaly == b.anomaly);
        REQUIRE(a.upper == b.upper);
    }
    CHECK(resumed.save() == whole.save());
}

TEST_CASE("non-finite values are judged but never learned", "[anomaly][ewma_detector]") {
    auto d = ewma_detector::create({.warm_up = 0}).value();
    CHECK_FALSE(d.update(std::nan("")).ready);
    CHECK(d.count() == 0);
    d.update(5);
    d.update(std::numeric_limits<double>::infinity());
    CHECK(d.mean() == 5);
    CHECK(d.count() == 1);
}

TEST_CASE("bad EWMA options and state are errors that say why", "[anomaly][ewma_detector]") {
    CHECK(ewma_detector::create({.alpha = 0}).error().message() == "ewma_detector: alpha must lie in (0, 1], found 0");
    CHECK(ewma_detector::create({.k = -1}).error().message() == "ewma_detector: k must be positive, found -1");
    const auto bad = [](const char* text) { return ewma_detector::restore(text).error().message(); };
    CHECK(bad("pktdyn.ewma_detector 1\nalpha 1.5\nk 3\nwarm_up 30\ncount 0\nmean 0\nvariance 0\n") ==
          "pktdyn.ewma_detector state, line 4: alpha must lie in (0, 1], found 1.5");
    CHECK(bad("pktdyn.ewma_detector 1\nalpha 0.5\nk 3\nwarm_up 30\ncount 0\nmean 0\nvariance -1\n") ==
          "pktdyn.ewma_detector state, line 7: mean must be finite and variance finite and >= 0");
    CHECK(bad("pktdyn.ewma_detector 1\nalpha 0.5\nk 3\nwarm_up 30\ncount 0\nmean 0\n") ==
          "pktdyn.ewma_detector state, line 6: expected 'variance', found the end of the text");
    CHECK(ewma_detector::restore("pktdyn.mad_detector 1\n").error().code() == pktdyn::errc::corrupt);
}

TEST_CASE("a damaged EWMA state text is refused or restored, never a crash", "[anomaly][ewma_detector]") {
    auto d = ewma_detector::create({.warm_up = 2}).value();
    for (double x : {1.0, 2.0, 4.0}) d.update(x);
    int refused = 0;
    for (const auto& text : pktdyn::test::corrupt_texts(d.save(), 1, 2000)) {
        auto r = ewma_detector::restore(text);
        if (!r) {
            ++refused;
            CHECK_FALSE(r.error().message().empty());
            continue;
        }
        for (double x : {1.0, 1e300, -5.0}) r->update(x);
    }
    CHECK(refused > 1000);
}
