#include "pktdyn/proto/vxlan.hpp"

#include <catch2/catch.hpp>

#include "support/packet_builder.hpp"

TEST_CASE("VXLAN gives its VNI", "[proto][vxlan]") {
    const auto bytes = pktdyn::test::pkt::vxlan(0xABCDEF, {});
    pktdyn::cursor c{bytes};
    const auto h = pktdyn::vxlan_header::parse(c);
    CHECK(h.vni_valid());
    CHECK(h.vni == 0xABCDEF);
    CHECK(c.empty());
}
