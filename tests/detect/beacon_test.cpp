// Beacon scores against RITA v5's own expected values (activecm/rita analysis/beacons_test.go, at
// a3c5150): each case below is one of that file's, with its inputs and the values it asserts.
#include "pktdyn/detect/beacon.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

namespace beacon = pktdyn::beacon;

namespace {
std::vector<std::uint32_t> offsets(std::uint32_t base, std::initializer_list<std::uint32_t> seconds) {
    std::vector<std::uint32_t> out;
    for (auto s : seconds) out.push_back(base + s);
    return out;
}
}  // namespace

TEST_CASE("RITA's timestamp scores (TestGetTimestampScore)", "[detect][beacon]") {
    struct vector_case {
        const char* name;
        std::vector<std::uint32_t> times;
        double score, skew, mad;
    };
    const std::vector<vector_case> cases{
        {"Simple Number List", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 1, 0, 0},
        {"Connection with Perfect Intervals", offsets(1517338924, {0, 60, 120, 180, 240, 300, 360, 420, 480, 540}), 1, 0, 0},
        {"Connection with Closely-Valued Intervals",
         {1517338924, 1517339022, 1517339121, 1517339220, 1517339320, 1517339420, 1517339520, 1517339621, 1517339722, 1517339824}, 0.995, 0, 1},
        {"Connection with Bi-Modal Intervals",
         {1517338924, 1517339022, 1517339322, 1517339420, 1517339720, 1517339818, 1517340118, 1517340216, 1517340516, 1517340614, 1517340914},
         0.746, 0, 101},
        {"Connection with Random Intervals",
         {1517338924, 1517338925, 1517339224, 1517339249, 1517344224, 1517344314, 1517344316, 1517344358, 1517344858, 1517346358},
         0.083, 0.845, 89},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const auto r = beacon::timestamp_score(c.times);
        REQUIRE(r);
        CHECK(r->score == Approx(c.score).margin(1e-9));
        CHECK(r->skew == Approx(c.skew).margin(0.001));
        CHECK(r->mad == Approx(c.mad));
    }
    CHECK_FALSE(beacon::timestamp_score({60, 60, 60, 60, 60, 60, 60, 60, 60}));  // fewer than 3 non-zero intervals
    CHECK_FALSE(beacon::timestamp_score({1, 2, 3}));                             // fewer than 4 timestamps
    CHECK_FALSE(beacon::timestamp_score({}));
}

TEST_CASE("RITA's data size scores (TestGetDataSizeScore)", "[detect][beacon]") {
    struct vector_case {
        const char* name;
        std::vector<double> bytes;
        double score, skew, mad;
    };
    const std::vector<vector_case> cases{
        {"Simple Number List", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.773, 0, 2.5},
        {"Connection with Identical Sizes", {60, 60, 60, 60, 60, 60, 60, 60, 60}, 1, 0, 0},
        {"Connection with Closely-Valued Sizes", {98, 99, 99, 100, 100, 100, 101, 101, 102}, 0.995, 0, 1},
        {"Connection with Random Sizes", {524885, 1, 5000, 98654, 50, 41, 965842, 3}, 0.008, 0.984, 2523},
        {"Bytes List is Comprised of Only 0s", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0.5, 0, 0},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const auto r = beacon::data_size_score(c.bytes);
        REQUIRE(r);
        CHECK(r->score == Approx(c.score).margin(1e-9));
        CHECK(r->skew == Approx(c.skew).margin(0.001));
        CHECK(r->mad == Approx(c.mad));
    }
    CHECK_FALSE(beacon::data_size_score({100, 200}));
    CHECK_FALSE(beacon::data_size_score({}));
}

TEST_CASE("RITA's histogram scores (TestGetHistogramScore)", "[detect][beacon]") {
    struct vector_case {
        const char* name;
        std::int64_t min, max;
        std::vector<std::uint32_t> times;
        int min_hours, bins;
        std::vector<int> histogram;
        int total_bars, longest_run;
        double score;
    };
    std::vector<std::uint32_t> simple;
    for (std::uint32_t v = 1; v <= 10; ++v)
        for (std::uint32_t k = 0; k < v; ++k) simple.push_back(v);
    std::vector<std::uint32_t> hourly;
    for (std::uint32_t h = 0; h < 24; ++h) hourly.push_back(1517338924 + h * 3600);
    const std::vector<vector_case> cases{
        {"Simple Number List", 1, 11, simple, 6, 10, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10, 10, 0.478},
        {"Connection with Regular Intervals", 1517338924, 1517338924 + 24 * 3600, hourly, 11, 24, std::vector<int>(24, 1), 24, 24, 1},
        {"Connection with Closely-Valued Timestamps", 98, 102, {98, 99, 99, 100, 100, 100, 101, 101, 102}, 6, 8, {1, 0, 2, 0, 3, 0, 2, 1}, 5, 3, 0.064},
        {"Connection with Random Intervals, CV > 1", 0, 1000000, {524885, 1, 5000, 98654, 50, 41, 965842, 3, 12001, 200400, 104001, 199999}, 6,
         10, {7, 2, 1, 0, 0, 1, 0, 0, 0, 1}, 5, 4, 0},
        {"Connection with Bimodal Histogram", 0, 100,
         {1, 2, 3, 4, 15, 21, 22, 23, 24, 35, 41, 42, 43, 44, 55, 61, 62, 63, 64, 75, 81, 82, 83, 84, 95}, 6, 10, {4, 1, 4, 1, 4, 1, 4, 1, 4, 1}, 10,
         10, 1},
        {"Connection with Histogram that has Gaps and a Wraparound Timestamp Run", 0, 250, {10, 20, 100, 110, 110, 220}, 6, 5, {2, 0, 3, 0, 1}, 3, 2,
         0.028},
        {"Connection with Single Bar Histogram", 1517338924, 1517338924 + 24 * 3600,
         offsets(1517338924, {0, 60, 120, 180, 240, 300, 360, 420, 480, 540}), 11, 24,
         {10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1, 1, 0},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        beacon::config config;
        config.histogram_bimodal_min_hours_seen = c.min_hours;
        config.histogram_bins = c.bins;
        const auto r = beacon::histogram_score(c.min, c.max, c.times, config);
        REQUIRE(r);
        CHECK(r->bins == c.histogram);
        CHECK(r->total_bars == c.total_bars);
        CHECK(r->longest_run == c.longest_run);
        CHECK(r->score == Approx(c.score).margin(0.001));  // RITA's own tolerance
    }
    CHECK_FALSE(beacon::histogram_score(0, 100, {}));
    CHECK_FALSE(beacon::histogram_score(100, 0, {1}));
    CHECK_FALSE(beacon::histogram_score(100, 100, {1}));
}

TEST_CASE("RITA's duration scores (TestGetDurationScore)", "[detect][beacon]") {
    const std::int64_t start = 1517338924, day = 24 * 3600, hour = 3600;
    struct vector_case {
        const char* name;
        std::int64_t first, last;
        int bars, run;
        double coverage, consistency, score;
    };
    const std::vector<vector_case> cases{
        {"Full Dataset Coverage, Full Consistency", start, start + day, 24, 24, 1, 1, 1},
        {"Full Dataset Coverage, Min Consistency", start, start + day, 6, 0, 1, 0, 1},
        {"First Half Dataset Coverage, Min Consistency", start + 12 * hour, start + day, 6, 0, 0.5, 0, 0.5},
        {"Last Half Dataset Coverage, Min Consistency", start, start + 12 * hour, 6, 0, 0.5, 0, 0.5},
        {"3/4 Dataset Coverage, Min Consistency", start + 6 * hour, start + day, 6, 0, 0.75, 0, 0.75},
        {"Max Consistency", start + 12 * hour, start + day, 12, 12, 0.5, 1, 1},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const auto r = beacon::duration_score(start, start + day, c.first, c.last, c.bars, c.run);
        REQUIRE(r);
        CHECK(r->coverage == Approx(c.coverage));
        CHECK(r->consistency == Approx(c.consistency));
        CHECK(r->score == Approx(c.score));
    }
    const auto few = beacon::duration_score(start, start + day, start, start + day, 5, 5);  // fewer bars than 6
    REQUIRE(few);
    CHECK(few->score == 0);
    CHECK_FALSE(beacon::duration_score(start + day, start, start, start + day, 24, 24));
    CHECK_FALSE(beacon::duration_score(start, start + day, start + day, start, 24, 24));
}

TEST_CASE("RITA's combined beacon scores (TestGetBeaconScore)", "[detect][beacon]") {
    const auto with = [](double tw, double dw, double uw, double hw) {
        beacon::config c;
        c.timestamp_weight = tw, c.datasize_weight = dw, c.duration_weight = uw, c.histogram_weight = hw;
        return c;
    };
    CHECK(*beacon::combined_score(0.8, 0.7, 0.6, 0.5, with(0.2, 0.2, 0.3, 0.3)) == Approx(0.63));
    CHECK(*beacon::combined_score(1, 1, 1, 1, with(0.25, 0.25, 0.25, 0.25)) == 1);
    CHECK(*beacon::combined_score(1, 1, 1, 1, with(0.1, 0.2, 0.3, 0.4)) == 1);
    CHECK(*beacon::combined_score(0.1, 0.2, 0.3, 0.4, with(0.25, 0.25, 0.25, 0.25)) == Approx(0.25));
    CHECK_FALSE(beacon::combined_score(-0.1, 0.2, 0.3, 0.4));
    CHECK_FALSE(beacon::combined_score(1.1, 0.2, 0.3, 0.4));
    CHECK_FALSE(beacon::combined_score(0.1, 0.2, 0.3, 0.4, with(-0.1, 0.5, 0.3, 0.3)));
    CHECK_FALSE(beacon::combined_score(0.1, 0.2, 0.3, 0.4, with(0.3, 0.3, 0.3, 0.3)));  // sum 1.2
    CHECK_FALSE(beacon::combined_score(0.1, 0.2, 0.3, 0.4, with(0.2, 0.2, 0.2, 0.2)));  // sum 0.8
}

TEST_CASE("a perfect hourly beacon scores 1 end to end", "[detect][beacon]") {
    std::vector<std::uint32_t> times;
    std::vector<double> bytes;
    for (std::uint32_t h = 0; h < 24; ++h) {
        times.push_back(1517338924 + h * 3600);
        bytes.push_back(1200);
    }
    const auto s = beacon::analyze(times, bytes, 1517338924, 1517338924 + 24 * 3600);
    REQUIRE(s);
    CHECK(s->timestamp == 1);
    CHECK(s->data_size == 1);
    CHECK(s->histogram == 1);
    CHECK(s->duration == 1);
    CHECK(s->total == 1);
}
