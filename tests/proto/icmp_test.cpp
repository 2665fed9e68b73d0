#include "pktdyn/proto/icmp.hpp"

#include <catch2/catch.hpp>

#include "support/packet_builder.hpp"

TEST_CASE("ICMP headers and which types quote a packet", "[proto][icmp]") {
    const auto bytes = pktdyn::test::pkt::icmp(11, 0, {});
    pktdyn::cursor c{bytes};
    const auto h = pktdyn::icmp_header::parse(c);
    CHECK(h.type == 11);
    CHECK(h.v4_error());
    CHECK_FALSE(pktdyn::icmp_header{8, 0, 0}.v4_error());  // echo request
    CHECK(pktdyn::icmp_header{2, 0, 0}.v6_error());        // packet too big
    CHECK_FALSE(pktdyn::icmp_header{128, 0, 0}.v6_error());
}
