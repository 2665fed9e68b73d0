// first_seen_set against an exact map of last sightings on streams made here: the same answers
// while nothing is evicted, evictions counted when the set is too small, expiry on packet time.
#include "pktdyn/baseline/first_seen.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>

using namespace pktdyn;
using namespace std::chrono_literals;

TEST_CASE("a key is new on first sight, not within the expiry, and new again after it", "[baseline][first_seen]") {
    first_seen_set s(1024, 24h);
    const auto t0 = from_ns(1'700'000'000'000'000'000);
    CHECK(s.observe("10.0.0.5:443/tcp", t0));
    CHECK_FALSE(s.observe("10.0.0.5:443/tcp", t0 + 1h));
    CHECK(s.seen("10.0.0.5:443/tcp", t0 + 25h));    // last seen at t0 + 1 h
    CHECK_FALSE(s.observe("10.0.0.5:443/tcp", t0 + 2h));
    CHECK(s.observe("10.0.0.5:443/tcp", t0 + 27h));  // 25 h after the last sighting
    CHECK_FALSE(s.observe("10.0.0.5:443/tcp", t0));  // an earlier time keeps the later sighting
    CHECK(s.statistics().expired == 1);
    CHECK(s.statistics().new_keys == 2);
    CHECK_FALSE(s.seen("never", t0));
}

TEST_CASE("first_seen_set answers as an exact map while it has room, and counts its evictions when not", "[baseline][first_seen]") {
    std::mt19937_64 rng(5);
    for (const std::size_t capacity : {65536u, 512u}) {
        first_seen_set s(capacity, 600s);
        std::map<std::uint64_t, std::int64_t> last;  // the exact answer
        std::size_t disagreements = 0, false_new = 0;
        std::int64_t now = 0;
        for (int i = 0; i < 100000; ++i) {
            now += static_cast<std::int64_t>(rng() % 50'000'000);  // up to 50 ms apart: 1,600 s in all
            const std::uint64_t key = rng() % 5000;
            const auto it = last.find(key);
            const bool exact_new = it == last.end() || now - it->second > 600'000'000'000;
            const bool got = s.observe(key, from_ns(now));
            last[key] = now;
            disagreements += got != exact_new;
            false_new += got && !exact_new;
        }
        INFO("capacity " << capacity << ": " << disagreements << " disagreements, " << s.statistics().evicted << " evictions");
        if (capacity == 65536) {
            CHECK(disagreements == 0);
            CHECK(s.statistics().evicted == 0);
        } else {
            CHECK(s.statistics().evicted > 0);
            CHECK(false_new == disagreements);  // an eviction only ever makes a key look new
        }
    }
}

TEST_CASE("first_seen_set keeps sightings at the ends of time without overflow", "[baseline][first_seen]") {
    first_seen_set s(64, 1h);
    CHECK(s.observe(7, earliest_time));
    CHECK(s.observe(7, latest_time));  // 2^63 ns later: expired, not wrapped around
    CHECK_FALSE(s.observe(7, latest_time));
}

TEST_CASE("A first-seen set saves and restores exactly; a malformed text names its line", "[baseline][first_seen]") {
    pktdyn::first_seen_set s(64, std::chrono::hours(1), 9);
    for (int i = 0; i < 40; ++i) s.observe("key" + std::to_string(i), pktdyn::timestamp{std::chrono::seconds(i)});
    const std::string saved = s.save();
    auto r = pktdyn::first_seen_set::restore(saved);
    REQUIRE(r);
    CHECK(r->save() == saved);
    for (int i = 0; i < 40; ++i)
        CHECK(r->seen("key" + std::to_string(i), pktdyn::timestamp{std::chrono::seconds(60)}) ==
              s.seen("key" + std::to_string(i), pktdyn::timestamp{std::chrono::seconds(60)}));
    std::string broken = saved;
    broken.replace(broken.find("seed"), 4, "sead");
    const auto bad = pktdyn::first_seen_set::restore(broken);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message() == "first-seen state, line 4: expected 'seed N'");
}
