#include "pktdyn/proto/nsh.hpp"

#include <catch2/catch.hpp>

#include "support/capture_builder.hpp"

TEST_CASE("NSH and VXLAN-GPE name the protocol that follows", "[proto][nsh]") {
    pktdyn::test::byte_writer nsh{true};
    nsh.u16(0x0006).u8(0x01).u8(0x01).u32(0x000001FF).raw(pktdyn::test::bytes(16)).u8(0x45);  // 6 words, MD 1, IPv4
    pktdyn::cursor c{nsh.data()};
    const auto h = pktdyn::nsh_header::parse(c);
    CHECK(h.next_protocol == 1);
    CHECK(c.peek_u8(0) == 0x45);

    pktdyn::test::byte_writer gpe{true};
    gpe.u32(0x0C000004).u32(7u << 8);
    pktdyn::cursor g{gpe.data()};
    const auto v = pktdyn::vxlan_gpe_header::parse(g);
    CHECK(v.next_protocol == 4);
    CHECK(v.vni == 7);
}
