#include "pktdyn/proto/udp.hpp"

#include <catch2/catch.hpp>

#include "support/packet_builder.hpp"

TEST_CASE("a UDP header gives ports and its own length", "[proto][udp]") {
    const auto bytes = pktdyn::test::pkt::udp(5353, 53, pktdyn::test::bytes(30));
    pktdyn::cursor c{bytes};
    const auto h = pktdyn::udp_header::parse(c);
    CHECK(c.ok());
    CHECK(h.source_port == 5353);
    CHECK(h.destination_port == 53);
    CHECK(h.length == 38);
    CHECK(c.remaining() == 30);
}
