#include "pktdyn/proto/ethernet.hpp"

#include <catch2/catch.hpp>

#include "support/packet_builder.hpp"

using namespace pktdyn;

TEST_CASE("Ethernet II gives its EtherType, 802.3 with SNAP gives the SNAP type", "[proto][ethernet]") {
    const auto eth2 = test::pkt::ethernet(0x86DD, {});
    cursor c{eth2};
    const auto h = ethernet_header::parse(c);
    CHECK(c.ok());
    CHECK(h.ether_type == ether_type::ipv6);
    CHECK(h.header_length == 14);

    test::byte_writer snap{true};
    snap.u32(0).u16(0).u32(0).u16(0).u16(100).u8(0xAA).u8(0xAA).u8(0x03).u8(0).u8(0).u8(0).u16(0x0800);
    cursor s{snap.data()};
    const auto sh = ethernet_header::parse(s);
    CHECK(sh.type_or_length == 100);
    CHECK(sh.ether_type == ether_type::ipv4);
    CHECK(sh.header_length == 22);

    test::byte_writer llc{true};
    llc.u32(0).u16(0).u32(0).u16(0).u16(38).u8(0x42).u8(0x42).u8(0x03);  // spanning tree BPDU
    cursor l{llc.data()};
    CHECK(ethernet_header::parse(l).ether_type == ether_type::none);
}

TEST_CASE("VLAN tags and MPLS entries expose their fields", "[proto][ethernet]") {
    test::byte_writer w{true};
    w.u16(0xA064).u16(0x0800).u32(0x00010140u | (1u << 8));
    cursor c{w.data()};
    const auto tag = vlan_tag::parse(c);
    CHECK(tag.vid() == 100);
    CHECK(tag.priority() == 5);
    CHECK(tag.ether_type == 0x0800);
    const auto m = mpls_entry::parse(c);
    CHECK(m.label() == 16);
    CHECK(m.bottom_of_stack());
    CHECK(m.ttl() == 0x40);
    CHECK(c.ok());
    cursor empty;
    (void)vlan_tag::parse(empty);
    CHECK_FALSE(empty.ok());
}
