// The Count-Min sketch against exact counts of a skewed stream made here: it never counts a key
// short, and overcounts by more than (e / W) · total for at most e^-D of the keys (Cormode and
// Muthukrishnan 2005's bound, which conservative update only tightens).
#include "pktdyn/baseline/count_min.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <random>
#include <string>

using pktdyn::count_min;

namespace {
/// A Zipf-like stream of 20,000 distinct keys, 400,000 occurrences (as flows per host look).
std::map<std::uint64_t, std::uint64_t> skewed_stream(std::mt19937_64& rng, std::vector<std::uint64_t>& order) {
    std::map<std::uint64_t, std::uint64_t> exact;
    std::uniform_real_distribution<double> u(0, 1);
    for (int i = 0; i < 400000; ++i) {
        const auto key = static_cast<std::uint64_t>(std::pow(20000.0, u(rng)));  // log-uniform: heavy head, long tail
        ++exact[key];
        order.push_back(key);
    }
    return exact;
}
}  // namespace

TEST_CASE("Count-Min never undercounts and overcounts within its bound for almost every key", "[baseline][count_min]") {
    std::mt19937_64 rng(3);
    std::vector<std::uint64_t> order;
    const auto exact = skewed_stream(rng, order);
    count_min<2048, 4> sketch;
    for (const auto k : order) sketch.add(k);
    CHECK(sketch.total() == order.size());
    std::size_t beyond = 0;
    for (const auto& [key, n] : exact) {
        const std::uint64_t e = sketch.estimate(key);
        REQUIRE(e >= n);
        beyond += static_cast<double>(e - n) > sketch.error_bound();
    }
    INFO(beyond << " of " << exact.size() << " keys beyond (e / W) · total = " << sketch.error_bound());
    CHECK(static_cast<double>(beyond) <= std::exp(-4.0) * static_cast<double>(exact.size()));
}

TEST_CASE("Count-Min counts weights (bytes) for names, and unseen keys estimate near zero", "[baseline][count_min]") {
    count_min<1024, 5> bytes;
    bytes.add("db.internal", 1'200'000'000);
    bytes.add("www.example.com", 40'000);
    bytes.add("www.example.com", 2'000);
    CHECK(bytes.estimate("db.internal") == 1'200'000'000);
    CHECK(bytes.estimate("www.example.com") == 42'000);
    CHECK(bytes.estimate("never.seen") == 0);  // three keys in 1,024 columns: no collision in all 5 rows
    bytes.add("x", 0);
    CHECK(bytes.total() == 1'200'042'000);
}

TEST_CASE("Count-Min sketches merge into an upper bound of both streams", "[baseline][count_min]") {
    count_min<256, 4> a(9), b(9);
    std::map<std::uint64_t, std::uint64_t> exact;
    for (std::uint64_t k = 0; k < 3000; ++k) {
        const std::uint64_t key = k % 700;
        (k % 2 ? a : b).add(key, k % 7 + 1);
        exact[key] += k % 7 + 1;
    }
    a.merge(b);
    std::uint64_t sum = 0;
    for (const auto& [key, n] : exact) {
        CHECK(a.estimate(key) >= n);
        sum += n;
    }
    CHECK(a.total() == sum);
}
