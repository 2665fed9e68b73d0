#include "pktdyn/core/packet_view.hpp"

#include <array>
#include <catch2/catch.hpp>

TEST_CASE("a packet view knows its captured length and whether the snaplen cut it", "[core][packet_view]") {
    std::array<std::byte, 60> bytes{};
    pktdyn::packet_view p{pktdyn::from_ns(1), bytes, 1514, pktdyn::link_type::ethernet, 0};
    CHECK(p.captured_length() == 60);
    CHECK(p.sliced());
    p.original_length = 60;
    CHECK_FALSE(p.sliced());
}
