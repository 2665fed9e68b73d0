#include "pktdyn/core/link_type.hpp"

#include <catch2/catch.hpp>

TEST_CASE("link types carry the tcpdump.org LINKTYPE_ numbers", "[core][link_type]") {
    // Values from https://www.tcpdump.org/linktypes.html
    CHECK(static_cast<std::uint32_t>(pktdyn::link_type::ethernet) == 1);
    CHECK(static_cast<std::uint32_t>(pktdyn::link_type::raw) == 101);
    CHECK(static_cast<std::uint32_t>(pktdyn::link_type::linux_sll) == 113);
    CHECK(static_cast<std::uint32_t>(pktdyn::link_type::linux_sll2) == 276);
    CHECK(static_cast<std::uint32_t>(pktdyn::link_type::ipv4) == 228);
    CHECK(static_cast<std::uint32_t>(pktdyn::link_type::ipv6) == 229);
    CHECK(static_cast<std::uint32_t>(pktdyn::link_type::null) == 0);
    CHECK(static_cast<std::uint32_t>(pktdyn::link_type::loop) == 108);
    CHECK(static_cast<std::uint32_t>(pktdyn::link_type::ppp) == 9);
}

TEST_CASE("known link types have names, others are still representable", "[core][link_type]") {
    CHECK(pktdyn::name(pktdyn::link_type::linux_sll2) == "linux_sll2");
    CHECK(pktdyn::name(pktdyn::link_type::ethernet) == "ethernet");
    const auto exotic = static_cast<pktdyn::link_type>(285);
    CHECK(pktdyn::name(exotic).empty());
    CHECK(static_cast<std::uint32_t>(exotic) == 285);
}
