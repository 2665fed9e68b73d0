#include "pktdyn/proto/gre.hpp"

#include <catch2/catch.hpp>

#include "support/packet_builder.hpp"

using namespace pktdyn;

TEST_CASE("GRE with checksum, key and sequence number", "[proto][gre]") {
    test::byte_writer w{true};
    w.u16(0xB000).u16(0x0800).u32(0).u32(0xCAFE).u32(77);
    cursor c{w.data()};
    const auto h = gre_header::parse(c);
    CHECK(c.empty());
    CHECK(h.version() == 0);
    CHECK(h.has_key);
    CHECK(h.key == 0xCAFE);
    CHECK(h.sequence == 77);
    CHECK(h.protocol == ether_type::ipv4);
}

TEST_CASE("PPTP's enhanced GRE carries a call id and acknowledgment", "[proto][gre]") {
    test::byte_writer w{true};
    w.u16(0x3081).u16(0x880B).u16(100).u16(0x42).u32(5).u32(4);  // K S A, version 1
    cursor c{w.data()};
    const auto h = gre_header::parse(c);
    CHECK(h.version() == 1);
    CHECK(h.key == 0x42);
    CHECK(c.empty());
    test::byte_writer routed{true};
    routed.u16(0x4000).u16(0x0800);
    cursor r{routed.data()};
    CHECK(gre_header::parse(r).unsupported);
}

TEST_CASE("ERSPAN headers: type I has none, II 8 bytes, III 12 (+8 with O)", "[proto][gre]") {
    test::bytes none;
    cursor a{none};
    CHECK(erspan_header::parse(a, ether_type::erspan_2, false).type == 1);
    test::byte_writer two{true};
    two.u16(0x1000 | 10).u16(0x0000 | 3).u32(0);
    cursor b{two.data()};
    const auto e2 = erspan_header::parse(b, ether_type::erspan_2, true);
    CHECK(e2.type == 2);
    CHECK(e2.vlan == 10);
    CHECK(e2.session == 3);
    CHECK(b.empty());
    test::byte_writer three{true};
    three.u16(0x2000).u16(5).u32(0).u16(0).u16(1).u64(0);
    cursor d{three.data()};
    CHECK(erspan_header::parse(d, ether_type::erspan_3, true).type == 3);
    CHECK(d.empty());
}
