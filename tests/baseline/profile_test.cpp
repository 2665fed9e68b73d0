// Hourly profiles: a diurnal series learned, a spike at its hour judged outside the band; the LRU
// cap with every eviction counted; save and restore exact, a malformed state an error naming its line.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>

#include "pktdyn/baseline/profile.hpp"

using namespace pktdyn;

namespace {
timestamp at_hour(std::int64_t h, int minute = 30) { return timestamp{std::chrono::hours(h) + std::chrono::minutes(minute)}; }
/// A day's shape with ±10 % of deterministic noise (a real host is never a perfect sine).
double diurnal(std::int64_t h) {
    const double noise = static_cast<double>((h * 2654435761u) % 1000) / 1000 - 0.5;
    return 1e6 * (2 + std::sin(static_cast<double>(h % 24) / 24 * 2 * 3.141592653589793)) * (1 + 0.2 * noise);
}
constexpr std::int64_t start = 480000;  // 2024-10-04 00:00 UTC in hours since the epoch
}  // namespace

TEST_CASE("A host's usual day is learned; a spike at its hour is outside the band", "[baseline][profile]") {
    auto t = profile_table::create().value();
    std::vector<profile_table::closed_hour> closed;
    std::vector<double> values;
    const auto keep = [&](const profile_table::closed_hour& h) {
        closed.push_back(h);
        values.push_back(h.value[0]);
    };
    for (std::int64_t h = start; h < start + 24 * 10; ++h) t.add("10.0.0.5", at_hour(h), {diurnal(h), 3}, 7, keep);
    REQUIRE(closed.size() == 24 * 10 - 1);
    CHECK(values[5] == diurnal(start + 5));
    CHECK(closed[5].value[1] == 3);
    CHECK(closed[5].value[2] == 1);  // one distinct peer
    for (std::size_t i = 24 * 3; i < closed.size(); ++i) CHECK_FALSE(closed[i].verdict[0].anomaly);
    closed.clear();
    t.add("10.0.0.5", at_hour(start + 240), {50e6, 3}, 7, keep);  // closes hour start+239
    t.add("10.0.0.5", at_hour(start + 241), {0, 0}, 7, keep);     // closes the spike's hour
    REQUIRE(closed.size() == 2);
    CHECK(closed[1].value[0] == 50e6);
    CHECK(closed[1].verdict[0].anomaly);
    CHECK(closed[1].verdict[0].upper < 10e6);
}

TEST_CASE("Silent hours are zeros; a long silence keeps the phase", "[baseline][profile]") {
    auto t = profile_table::create().value();
    std::vector<std::int64_t> hours;
    t.add("k", at_hour(start), {1, 1}, 1, [](const auto&) {});
    t.add("k", at_hour(start + 5), {1, 1}, 1, [&](const auto& h) { hours.push_back(h.hour); });
    CHECK(hours == std::vector<std::int64_t>{start, start + 1, start + 2, start + 3, start + 4});
    hours.clear();
    t.add("k", at_hour(start + 5 + 24 * 30 + 3), {1, 1}, 1, [&](const auto& h) { hours.push_back(h.hour); });
    CHECK(hours.size() == 24 * 7 + 3);
}

TEST_CASE("The key cap evicts the least recently used, counted", "[baseline][profile]") {
    auto t = profile_table::create({.capacity = 2}).value();
    const auto none = [](const auto&) {};
    t.add("a", at_hour(start), {1, 1}, 1, none);
    t.add("b", at_hour(start), {1, 1}, 1, none);
    t.add("a", at_hour(start), {1, 1}, 1, none);
    t.add("c", at_hour(start), {1, 1}, 1, none);  // evicts b
    CHECK(t.size() == 2);
    CHECK(t.evictions() == 1);
    CHECK(t.models("a") != nullptr);
    CHECK(t.models("b") == nullptr);
    CHECK(t.bytes_per_key() <= 2048);
}

TEST_CASE("Profiles save and restore exactly; a malformed state names its line", "[baseline][profile]") {
    auto t = profile_table::create().value();
    const auto none = [](const auto&) {};
    for (std::int64_t h = start; h < start + 60; ++h) {
        t.add("10.0.0.5", at_hour(h), {diurnal(h), 2}, static_cast<std::uint64_t>(h % 3), none);
        t.add("10.0.0.6 > 203.0.113.1", at_hour(h), {diurnal(h) / 2, 1}, 1, none);
    }
    const std::string saved = t.save();
    auto r = profile_table::restore(saved);
    REQUIRE(r);
    CHECK(r->save() == saved);
    // Both continue identically.
    std::vector<band_verdict> a, b;
    t.add("10.0.0.5", at_hour(start + 61), {9e6, 2}, 1, [&](const auto& h) { a.push_back(h.verdict[0]); });
    r->add("10.0.0.5", at_hour(start + 61), {9e6, 2}, 1, [&](const auto& h) { b.push_back(h.verdict[0]); });
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].upper == b[i].upper);

    std::string broken = saved;
    broken.replace(broken.find("key "), 3, "kee");
    const auto bad = profile_table::restore(broken);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message().find("line 5") != std::string::npos);
    CHECK_FALSE(profile_table::restore(""));
    CHECK_FALSE(profile_table::restore(saved.substr(0, saved.size() / 2)));
}
