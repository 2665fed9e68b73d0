#include "pktdyn/features/quantiles.hpp"

#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace pktdyn;

namespace {
// numpy's quantile(method="lower"): the value of rank floor(q (n - 1)) in sorted order.
double lower_quantile(std::vector<double> x, double q) {
    std::sort(x.begin(), x.end());
    return x[static_cast<std::size_t>(std::floor(q * static_cast<double>(x.size() - 1)))];
}
void check_bound(const log_sketch<>& s, const std::vector<double>& x) {
    for (double q : {0.0, 0.1, 0.5, 0.9, 0.99, 1.0}) {
        const double truth = lower_quantile(x, q), ours = s.quantile(q);
        INFO("q " << q << " truth " << truth << " ours " << ours << " bound " << s.relative_error());
        if (truth <= 0) CHECK(ours == 0);
        else CHECK(std::abs(ours - truth) <= s.relative_error() * truth * (1 + 1e-12));
    }
}
}  // namespace

TEST_CASE("a narrow series stays under max(1 %, ln(max/min) / 64)", "[features][quantiles]") {
    std::mt19937_64 rng(1);
    std::uniform_int_distribution<int> sizes(40, 1500);
    log_sketch<> s;
    std::vector<double> x;
    for (int i = 0; i < 20'000; ++i) {
        x.push_back(sizes(rng));
        s.add(x.back());
    }
    CHECK(s.relative_error() <= std::log(1500.0 / 40.0) / 64);  // 181 buckets at 1 %: coarsened twice, 4 %
    check_bound(s, x);
}

TEST_CASE("a series spanning ten decades coarsens, and stays within its bound", "[features][quantiles]") {
    std::mt19937_64 rng(2);
    std::uniform_real_distribution<double> exponent(-7, 3);
    log_sketch<> s;
    std::vector<double> x{0.0, -1.0};  // zero and negative gaps count as 0
    s.add(0.0);
    s.add(-1.0);
    for (int i = 0; i < 50'000; ++i) {
        x.push_back(std::pow(10.0, exponent(rng)));
        s.add(x.back());
    }
    CHECK(s.relative_error() < std::log(1e10) / 64);
    check_bound(s, x);
    CHECK(s.count() == x.size());
}

TEST_CASE("merged sketches answer as one sketch fed everything", "[features][quantiles]") {
    std::mt19937_64 rng(3);
    std::lognormal_distribution<double> gaps(-5, 3);
    log_sketch<> whole, a, b;
    for (int i = 0; i < 10'000; ++i) {
        const double v = gaps(rng) * (i < 3'000 ? 1.0 : 1000.0);  // b spans more: it coarsens further
        whole.add(v);
        (i < 3'000 ? a : b).add(v);
    }
    a.merge(b);
    CHECK(a.relative_error() == whole.relative_error());
    for (double q : {0.01, 0.5, 0.9, 0.99}) CHECK(a.quantile(q) == whole.quantile(q));
    CHECK(std::isnan(log_sketch<>{}.quantile(0.5)));
}

TEST_CASE("packet quantiles per scope", "[features][quantiles]") {
    packet_quantiles pq;
    for (int i = 0; i < 100; ++i) {
        flow_packet p;
        p.time = from_ns(1'000'000'000 + i * 10'000'000);  // every 10 ms
        p.direction = i % 2;
        p.ip_length = i % 2 ? 1500 : 60;
        pq.update(p);
    }
    std::vector<double> r(packet_quantiles::features.size());
    pq.write(r);
    // Sizes 60 and 1500 span 161 buckets at 1 %: the window of 64 coarsens twice, to 4 %.
    const double size_error = pq.sizes(0).relative_error();
    CHECK(size_error < std::log(1500.0 / 60) / 64);
    CHECK(r[0] == Approx(60).epsilon(size_error));      // flow_ip_bytes_median: rank 49 of 50 x 60, 50 x 1500
    CHECK(r[1] == Approx(1500).epsilon(size_error));    // flow_ip_bytes_p90
    CHECK(r[3] == Approx(0.010).epsilon(0.01));   // flow_iat_median
    CHECK(r[6 + 0] == Approx(60).epsilon(0.01));  // orig_ip_bytes_median: one size, one bucket
    CHECK(r[12 + 3] == Approx(0.020).epsilon(0.01));  // resp_iat_median: every other packet
    CHECK(packet_quantiles::features[12 + 5].column() == "resp_iat_p99");
}
