#include "pktdyn/proto/link.hpp"

#include <catch2/catch.hpp>

#include "support/capture_builder.hpp"

using namespace pktdyn;

TEST_CASE("Linux cooked headers v1 and v2 give the protocol", "[proto][link]") {
    test::byte_writer v1{true};
    v1.u16(4).u16(1).u16(6).u64(0x0011223344550000ull).u16(0x86DD);
    cursor a{v1.data()};
    const auto h1 = linux_sll_header::parse(a);
    CHECK(a.ok());
    CHECK(a.empty());
    CHECK(h1.packet_type == 4);
    CHECK(h1.protocol == 0x86DD);

    test::byte_writer v2{true};
    v2.u16(0x0800).u16(0).u32(7).u16(1).u8(0).u8(6).u64(0);
    cursor b{v2.data()};
    const auto h2 = linux_sll2_header::parse(b);
    CHECK(b.empty());
    CHECK(h2.protocol == 0x0800);
    CHECK(h2.interface_index == 7);
}

TEST_CASE("BSD loopback families map to IP in either byte order", "[proto][link]") {
    test::byte_writer little;
    little.u32(30);  // Darwin's AF_INET6, written by a little-endian host
    cursor c{little.data()};
    const auto h = bsd_loopback_header::parse(c, true);
    CHECK(h.family == 30);
    CHECK(ether_type_of_bsd_family(h.family) == ether_type::ipv6);
    CHECK(ether_type_of_bsd_family(2) == ether_type::ipv4);
    CHECK(ether_type_of_bsd_family(7) == ether_type::none);
}

TEST_CASE("PPP reads HDLC framing and compressed protocol fields", "[proto][link]") {
    test::byte_writer hdlc{true};
    hdlc.u8(0xFF).u8(0x03).u16(0x0057);
    cursor a{hdlc.data()};
    CHECK(ppp_header::parse(a).protocol == ppp_protocol::ipv6);
    test::byte_writer compressed{true};
    compressed.u8(0x21);
    cursor b{compressed.data()};
    CHECK(ppp_header::parse(b).protocol == ppp_protocol::ipv4);
    CHECK(ether_type_of_ppp(0xC021) == ether_type::none);  // LCP

    test::byte_writer pppoe{true};
    pppoe.u8(0x11).u8(0).u16(0x1234).u16(42);
    cursor c{pppoe.data()};
    const auto s = pppoe_session_header::parse(c);
    CHECK(s.session_id == 0x1234);
    CHECK(s.length == 42);
}
