#include "pktdyn/core/time.hpp"

#include <catch2/catch.hpp>

TEST_CASE("timestamps are integer nanoseconds since the Unix epoch", "[core][time]") {
    const pktdyn::timestamp t = pktdyn::from_ns(1'581'109'488'041'083'000);
    CHECK(pktdyn::to_ns(t) == 1'581'109'488'041'083'000);
    CHECK(std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count() == 1'581'109'488);
    CHECK(pktdyn::to_seconds(pktdyn::duration{1'500'000'000}) == Approx(1.5));
    static_assert(sizeof(pktdyn::timestamp) == 8);
}
