#include "pktdyn/baseline/space_saving.hpp"

#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>

using pktdyn::space_saving;

TEST_CASE("space-saving keeps every heavy key within its documented error, against exact counts", "[baseline][space_saving]") {
    // Weighted Zipf-like stream over 100,000 keys: a few heavy, a long tail (a flood of sources).
    std::mt19937_64 rng(11);
    std::map<std::uint32_t, std::uint64_t> exact;
    space_saving<std::uint32_t, 64> sketch;
    for (int i = 0; i < 400'000; ++i) {
        const double u = std::uniform_real_distribution<>(0, 1)(rng);
        const auto key = static_cast<std::uint32_t>(std::pow(100'000.0, u * u * u));  // heavily skewed
        const std::uint64_t weight = 40 + rng() % 1400;                               // bytes of a packet
        exact[key] += weight;
        sketch.add(key, weight);
    }
    std::uint64_t total = 0;
    for (const auto& [k, w] : exact) total += w;
    CHECK(sketch.total() == total);
    CHECK(sketch.size() == 64);
    const auto kept = sketch.top(64);
    for (const auto& item : kept) {
        const std::uint64_t truth = exact[item.key];
        CHECK(item.count >= truth);
        CHECK(item.count - item.error <= truth);
        CHECK(item.error <= sketch.error_bound());
    }
    // Every key heavier than total / K is kept, and the five heaviest come out in order.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> by_weight;
    for (const auto& [k, w] : exact) by_weight.emplace_back(w, k);
    std::sort(by_weight.rbegin(), by_weight.rend());
    for (const auto& [w, k] : by_weight) {
        if (w <= total / 64) break;
        CHECK(std::any_of(kept.begin(), kept.end(), [&](const auto& item) { return item.key == k; }));
    }
    const auto top5 = sketch.top(5);
    REQUIRE(top5.size() == 5);
    for (std::size_t i = 0; i < 5; ++i) CHECK(top5[i].key == by_weight[i].second);
}

TEST_CASE("space-saving: exact while keys fit, zero weights ignored, ties in key order", "[baseline][space_saving]") {
    space_saving<std::string, 4> s;
    s.add("b", 5);
    s.add("a", 5);
    s.add("c", 0);
    s.add("d", 1);
    CHECK(s.size() == 3);
    const auto t = s.top(10);
    REQUIRE(t.size() == 3);
    CHECK(t[0].key == "a");
    CHECK(t[1].key == "b");
    CHECK(t[2].key == "d");
    CHECK(t[0].error == 0);
    CHECK(s.error_bound() == 11 / 4);
}
