#include "pktdyn/capture/capture_stats.hpp"

#include <catch2/catch.hpp>

TEST_CASE("capture stats count packets, bytes, slices and skips, and add up", "[capture][capture_stats]") {
    pktdyn::capture_stats a;
    a.count(60, 60, 96);
    a.count(96, 1514, 96);
    a.count(100, 100, 96);  // longer than the snaplen
    a.skip(pktdyn::skip_reason::unknown_block);
    pktdyn::capture_stats b;
    b.count(100, 100, 0);  // 0: no snaplen declared
    b.skip(pktdyn::skip_reason::unknown_block);
    b.skip(pktdyn::skip_reason::name_resolution);
    a += b;
    CHECK(a.packets == 4);
    CHECK(a.captured_bytes == 356);
    CHECK(a.original_bytes == 1774);
    CHECK(a.sliced_packets == 1);
    CHECK(a.over_snaplen_packets == 1);
    CHECK(a.skipped_of(pktdyn::skip_reason::unknown_block) == 2);
    CHECK(a.total_skipped() == 3);
}

TEST_CASE("every skip reason has a name", "[capture][capture_stats]") {
    for (std::size_t i = 0; i < pktdyn::skip_reason_count; ++i)
        CHECK(pktdyn::to_string(static_cast<pktdyn::skip_reason>(i)) != "?");
}
