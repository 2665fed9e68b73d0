#include "pktdyn/proto/wifi.hpp"

#include <catch2/catch.hpp>

#include "support/capture_builder.hpp"

using namespace pktdyn;

namespace {
// A QoS data frame to the AP (ToDS), then LLC/SNAP for IPv4.
test::bytes qos_data(std::uint16_t qos_control, bool swapped = false, std::uint8_t flags = 0x01) {
    test::byte_writer w;
    if (swapped) w.u8(flags).u8(0x88); else w.u8(0x88).u8(flags);
    w.raw(test::bytes(22)).u16(qos_control);
    if (qos_control & 0x80) w.raw(test::bytes(12)).u16(0);  // A-MSDU subframe header
    w.u8(0xAA).u8(0xAA).u8(0x03).u8(0).u8(0).u8(0).u8(0x08).u8(0x00);
    return w.data();
}
}  // namespace

TEST_CASE("802.11 data frames give their payload's EtherType", "[proto][wifi]") {
    const auto frame = qos_data(0);
    cursor c{frame};
    const auto h = wifi_header::parse(c);
    CHECK(h.what == wifi_header::kind::data);
    CHECK(h.ether_type == 0x0800);
    CHECK(c.empty());

    const auto swapped = qos_data(0, true);
    cursor s{swapped};
    CHECK(wifi_header::parse(s, true).what == wifi_header::kind::data);

    const auto amsdu = qos_data(0x80);
    cursor a{amsdu};
    const auto ha = wifi_header::parse(a);
    CHECK(ha.aggregate);
    CHECK(ha.ether_type == 0x0800);
}

TEST_CASE("management, protected and null frames carry no readable IP", "[proto][wifi]") {
    test::byte_writer beacon;
    beacon.u8(0x80).u8(0).raw(test::bytes(30));
    cursor b{beacon.data()};
    CHECK(wifi_header::parse(b).what == wifi_header::kind::not_data);
    const auto protected_frame = qos_data(0, false, 0x41);
    cursor p{protected_frame};
    CHECK(wifi_header::parse(p).what == wifi_header::kind::protected_body);

    test::byte_writer radiotap;
    radiotap.u8(0).u8(0).u16(12).u32(0).u32(0);
    cursor r{radiotap.data()};
    CHECK(radiotap_header::parse(r).length == 12);
    CHECK(r.empty());
}
