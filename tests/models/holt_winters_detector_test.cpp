#include "pktdyn/models/holt_winters_detector.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "pktdyn/models/random.hpp"
#include "support/corrupt_text.hpp"

using pktdyn::holt_winters_detector;
using pktdyn::holt_winters_options;

namespace {
// The additive method as Hyndman & Athanasopoulos write it, over whole arrays indexed by time:
// l[t], b[t], s[t] with s[t - m] the component a season ago. Returns the one-step forecasts.
std::vector<double> textbook_forecasts(const std::vector<double>& y, const holt_winters_options& o) {
    const std::size_t m = o.season, n = y.size();
    std::vector<double> l(n), b(n), s(n), f(n, std::nan(""));
    double first_season = 0;
    for (std::size_t t = 0; t < m; ++t) first_season += y[t];
    const double l0 = first_season / static_cast<double>(m);
    for (std::size_t t = 0; t < m; ++t) s[t] = y[t] - l0;
    l[m - 1] = l0;
    b[m - 1] = 0;
    for (std::size_t t = m; t < n; ++t) {
        f[t] = l[t - 1] + b[t - 1] + s[t - m];
        l[t] = o.alpha * (y[t] - s[t - m]) + (1 - o.alpha) * (l[t - 1] + b[t - 1]);
        b[t] = o.beta * (l[t] - l[t - 1]) + (1 - o.beta) * b[t - 1];
        s[t] = o.gamma * (y[t] - l[t - 1] - b[t - 1]) + (1 - o.gamma) * s[t - m];
    }
    return f;
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }
}  // namespace

TEST_CASE("Holt-Winters forecasts equal the textbook recursions", "[anomaly][holt_winters]") {
    const holt_winters_options o{.season = 7, .alpha = 0.4, .beta = 0.1, .gamma = 0.3, .band_alpha = 0.2, .k = 3, .warm_up = 5};
    auto d = holt_winters_detector::create(o).value();
    pktdyn::splitmix64 rng(21);
    std::vector<double> y;
    for (int t = 0; t < 200; ++t)
        y.push_back(50 + 0.2 * t + 10 * std::sin(2 * 3.141592653589793 * t / 7) + 3 * rng.uniform());
    const auto f = textbook_forecasts(y, o);
    double v = 0;
    for (std::size_t t = 0; t < y.size(); ++t) {
        const auto verdict = d.update(y[t]);
        if (t < 7) {
            CHECK(std::isnan(verdict.expected));
            continue;
        }
        REQUIRE(verdict.expected == Approx(f[t]).epsilon(1e-12));
        // The band: residual variance about zero, exponentially weighted, from the first residual.
        REQUIRE(verdict.upper - verdict.expected == Approx(3 * std::sqrt(v)).epsilon(1e-9).margin(1e-12));
        REQUIRE(verdict.ready == (t - 7 >= 5));
        const double r = y[t] - f[t];
        v = t == 7 ? r * r : 0.8 * v + 0.2 * r * r;
    }
    CHECK(d.residual_variance() == Approx(v).epsilon(1e-12));
}

TEST_CASE("a season repeated exactly is forecast exactly, and a break in it is an anomaly", "[anomaly][holt_winters]") {
    auto d = holt_winters_detector::create({.season = 4, .warm_up = 4}).value();
    const double pattern[] = {10, 20, 30, 20};
    for (int t = 0; t < 40; ++t) {
        const auto v = d.update(pattern[t % 4]);
        if (t >= 4) {
            CHECK(v.expected == Approx(pattern[t % 4]).margin(1e-12));
            CHECK_FALSE(v.anomaly);
        }
    }
    CHECK(d.level() == Approx(20));
    CHECK(d.trend() == Approx(0).margin(1e-12));
    d.update(10);
    d.update(20);
    CHECK(d.update(25).anomaly);  // 30 was due: a spread of zero makes any difference anomalous
}

TEST_CASE("gaps keep the season's phase", "[anomaly][holt_winters]") {
    auto with_gap = holt_winters_detector::create({.season = 3, .warm_up = 0}).value();
    for (double y : {1.0, 5.0, 9.0, 1.0, 5.0, 9.0}) with_gap.update(y);
    const double due = with_gap.forecast();
    const auto v = with_gap.update(std::nan(""));  // stands for its forecast
    CHECK(v.expected == due);
    CHECK_FALSE(v.anomaly);
    CHECK(with_gap.forecast() == Approx(5));  // position 1 next, as if the gap had been observed
}

TEST_CASE("a Holt-Winters detector restored from its text continues as if never stopped", "[anomaly][holt_winters]") {
    for (const int stop : {3, 12, 100}) {  // inside the first season, right after it, later
        auto whole = holt_winters_detector::create({.season = 12, .warm_up = 6}).value();
        pktdyn::splitmix64 rng(static_cast<std::uint64_t>(stop));
        std::vector<double> y;
        for (int t = 0; t < 250; ++t) y.push_back(100 + 20 * std::cos(t * 0.5236) + 5 * rng.uniform() + (t == 180 ? 60 : 0));
        for (int t = 0; t < stop; ++t) whole.update(y[t]);
        auto resumed = holt_winters_detector::restore(whole.save()).value();
        int anomalies = 0;
        for (int t = stop; t < 250; ++t) {
            const auto a = whole.update(y[t]), b = resumed.update(y[t]);
            REQUIRE(same(a.expected, b.expected));  // NaN in the first season
            REQUIRE(same(a.score, b.score));
            REQUIRE(a.anomaly == b.anomaly);
            anomalies += a.anomaly;
        }
        CHECK(resumed.save() == whole.save());
        CHECK(anomalies >= 1);  // the spike at t = 180
    }
}

TEST_CASE("bad Holt-Winters options and state are errors that say why", "[anomaly][holt_winters]") {
    CHECK(holt_winters_detector::create({.season = 1}).error().message() ==
          "holt_winters_detector: season must lie in [2, 2^24], found 1");
    CHECK(holt_winters_detector::create({.gamma = 1.5}).error().message() ==
          "holt_winters_detector: gamma must lie in [0, 1], found 1.5");
    auto d = holt_winters_detector::create({.season = 2}).value();
    std::string text = d.save();
    const auto at = text.find("seasonal 2 0 0");
    REQUIRE(at != std::string::npos);
    text.replace(at, 14, "seasonal 3 0 0 0");
    CHECK(holt_winters_detector::restore(text).error().message() ==
          "pktdyn.holt_winters_detector state, line 12: expected 2 values for 'seasonal', found 3");
}

TEST_CASE("a damaged Holt-Winters state text is refused or restored, never a crash", "[anomaly][holt_winters]") {
    auto d = holt_winters_detector::create({.season = 3, .warm_up = 1}).value();
    for (double x : {1.0, 2.0, 4.0, 1.0, 2.0}) d.update(x);
    int refused = 0;
    for (const auto& text : pktdyn::test::corrupt_texts(d.save(), 3, 2000)) {
        auto r = holt_winters_detector::restore(text);
        if (!r) {
            ++refused;
            continue;
        }
        for (double x : {1.0, 1e300, -5.0, 3.0, 3.0, 3.0, 3.0}) r->update(x);
    }
    CHECK(refused > 1000);
}
