#include "pktdyn/core/time.hpp"

#include <catch2/catch.hpp>
#include <limits>

TEST_CASE("timestamps are integer nanoseconds since the Unix epoch", "[core][time]") {
    const pktdyn::timestamp t = pktdyn::from_ns(1'581'109'488'041'083'000);
    CHECK(pktdyn::to_ns(t) == 1'581'109'488'041'083'000);
    CHECK(std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count() == 1'581'109'488);
    CHECK(pktdyn::to_seconds(pktdyn::duration{1'500'000'000}) == Approx(1.5));
    static_assert(sizeof(pktdyn::timestamp) == 8);
}

TEST_CASE("capture times are clamped so that no difference of two overflows", "[core][time]") {
    using namespace pktdyn;
    constexpr auto max = std::numeric_limits<std::int64_t>::max(), min = std::numeric_limits<std::int64_t>::min();
    CHECK(clamp_time(from_ns(max)) == latest_time);
    CHECK(clamp_time(from_ns(min)) == earliest_time);
    CHECK(clamp_time(from_ns(1'581'109'488'041'083'000)) == from_ns(1'581'109'488'041'083'000));
    CHECK((latest_time - earliest_time).count() == max);  // the widest difference still fits
    CHECK(clamp_time_ns(__int128{max} * 1000) == latest_time);
    CHECK(saturating_elapsed(from_ns(min), from_ns(max)) == duration::max());
    CHECK(saturating_elapsed(from_ns(max), from_ns(min)) == duration::min());
    CHECK(saturating_elapsed(from_ns(10), from_ns(25)) == duration{15});
    CHECK(saturating_add(duration::max(), duration{1}) == duration::max());
    CHECK(saturating_add(duration::min(), duration{-1}) == duration::min());
    CHECK(saturating_add(duration{2}, duration{3}) == duration{5});
}
