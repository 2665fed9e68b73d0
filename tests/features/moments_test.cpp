#include "pktdyn/features/moments.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

using pktdyn::moments;

namespace {
// The textbook two-pass definitions, written independently of the one-pass updates.
struct two_pass {
    double mean = 0, variance = 0, skewness = 0, kurtosis = 0;
    explicit two_pass(const std::vector<double>& x) {
        const double n = static_cast<double>(x.size());
        for (double v : x) mean += v / n;
        double m2 = 0, m3 = 0, m4 = 0;
        for (double v : x) {
            const double d = v - mean;
            m2 += d * d / n;
            m3 += d * d * d / n;
            m4 += d * d * d * d / n;
        }
        variance = m2;
        skewness = m3 / std::pow(m2, 1.5);
        kurtosis = m4 / (m2 * m2) - 3;
    }
};
}  // namespace

TEST_CASE("one-pass moments equal the two-pass definitions", "[features][moments]") {
    std::mt19937_64 rng(1);
    std::lognormal_distribution<double> sizes(6.0, 1.0);
    std::vector<double> x;
    moments m;
    for (int i = 0; i < 10'000; ++i) {
        x.push_back(std::round(sizes(rng)));
        m.add(x.back());
    }
    const two_pass ref(x);
    CHECK(m.count == 10'000);
    CHECK(m.average() == Approx(ref.mean).epsilon(1e-12));
    CHECK(m.variance() == Approx(ref.variance).epsilon(1e-10));
    CHECK(m.skewness() == Approx(ref.skewness).epsilon(1e-9));
    CHECK(m.kurtosis() == Approx(ref.kurtosis).epsilon(1e-9));
    CHECK(m.minimum() == *std::min_element(x.begin(), x.end()));
    CHECK(m.maximum() == *std::max_element(x.begin(), x.end()));
}

TEST_CASE("merging two halves gives the whole", "[features][moments]") {
    std::mt19937_64 rng(2);
    std::exponential_distribution<double> gaps(100.0);
    moments whole, a, b;
    for (int i = 0; i < 5'000; ++i) {
        const double v = gaps(rng) + (i < 1'000 ? 0.5 : 0.0);  // halves with different means and sizes
        whole.add(v);
        (i < 1'000 ? a : b).add(v);
    }
    a.merge(b);
    CHECK(a.count == whole.count);
    CHECK(a.average() == Approx(whole.average()).epsilon(1e-12));
    CHECK(a.variance() == Approx(whole.variance()).epsilon(1e-10));
    CHECK(a.skewness() == Approx(whole.skewness()).epsilon(1e-9));
    CHECK(a.kurtosis() == Approx(whole.kurtosis()).epsilon(1e-9));
    CHECK(a.minimum() == whole.minimum());
    CHECK(a.maximum() == whole.maximum());
    moments empty;
    empty.merge(whole);
    CHECK(empty.average() == whole.average());
}

TEST_CASE("undefined statistics are NaN", "[features][moments]") {
    moments m;
    CHECK(std::isnan(m.average()));
    CHECK(std::isnan(m.minimum()));
    for (int i = 0; i < 5; ++i) m.add(1500);
    CHECK(m.variance() == 0);
    CHECK(std::isnan(m.skewness()));  // a constant series has no shape
    CHECK(std::isnan(m.kurtosis()));
    m.add(40);
    CHECK_FALSE(std::isnan(m.skewness()));
}
