#include "pktdyn/proto/gtp.hpp"

#include <catch2/catch.hpp>

#include "support/packet_builder.hpp"

TEST_CASE("GTP-U G-PDUs with and without extension headers", "[proto][gtp]") {
    const auto plain = pktdyn::test::pkt::gtp_u(0x01020304, {});
    pktdyn::cursor a{plain};
    const auto h = pktdyn::gtp_u_header::parse(a);
    CHECK_FALSE(h.bad);
    CHECK(h.teid == 0x01020304);
    CHECK(h.message_type == pktdyn::gtp_u_header::g_pdu);
    CHECK(a.empty());

    // E set: sequence, N-PDU, next type 0x85 (PDU session container, 1 word), then none.
    pktdyn::test::byte_writer w{true};
    w.u8(0x34).u8(255).u16(8).u32(7).u16(0).u8(0).u8(0x85).u8(1).u8(0x10).u8(0x05).u8(0);
    pktdyn::cursor b{w.data()};
    const auto e = pktdyn::gtp_u_header::parse(b);
    CHECK_FALSE(e.bad);
    CHECK(b.empty());

    pktdyn::test::byte_writer v2{true};
    v2.u8(0x48).u8(1).u16(0).u32(0);
    pktdyn::cursor c{v2.data()};
    CHECK(pktdyn::gtp_u_header::parse(c).bad);  // GTPv2-C is not user plane
}
