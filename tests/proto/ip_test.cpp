#include "pktdyn/proto/ip.hpp"

#include <catch2/catch.hpp>

#include "support/packet_builder.hpp"

using namespace pktdyn;
namespace pkt = pktdyn::test::pkt;

TEST_CASE("IPv4 headers with options and fragment fields", "[proto][ip]") {
    const auto bytes = pkt::ipv4(17, {10, 1, 2, 3}, {10, 4, 5, 6}, test::bytes(12),
                                 {.id = 0xBEEF, .fragment_offset = 1480, .more_fragments = true, .ttl = 9, .option_bytes = 8});
    cursor c{bytes};
    const auto h = ip_header::parse_v4(c);
    REQUIRE(h.ok());
    CHECK(h.header_length == 28);
    CHECK(h.option_bytes);
    CHECK(h.total_length == 40);
    CHECK(h.payload_length() == 12);
    CHECK(h.ttl == 9);
    CHECK(h.protocol == 17);
    CHECK(h.fragment.id == 0xBEEF);
    CHECK(h.fragment.offset == 1480);
    CHECK(h.fragment.more);
    CHECK_FALSE(h.fragment.first());
    CHECK(h.source.to_string() == "10.1.2.3");
    CHECK(c.remaining() == 12);  // at the transport header
}

TEST_CASE("IPv4 problems are named", "[proto][ip]") {
    auto bytes = pkt::ipv4(6, {1, 1, 1, 1}, {2, 2, 2, 2}, {});
    const test::bytes short_one(bytes.begin(), bytes.begin() + 19);
    cursor a{short_one};
    CHECK(ip_header::parse_v4(a).problem == ip_problem::truncated);
    bytes[0] = std::byte{0x65};
    cursor b{bytes};
    CHECK(ip_header::parse_v4(b).problem == ip_problem::bad_version);
    const auto lying = pkt::ipv4(6, {1, 1, 1, 1}, {2, 2, 2, 2}, {}, {.total_length_delta = -4});
    cursor d{lying};
    CHECK(ip_header::parse_v4(d).problem == ip_problem::bad_total_length);
}

TEST_CASE("IPv6 walks extension headers to the transport and stops at ESP", "[proto][ip]") {
    const auto bytes = pkt::ipv6(0, pkt::v6(1), pkt::v6(2), pkt::ipv6_ext8(44, pkt::ipv6_fragment(6, 0, true, 99, test::bytes(20))));
    cursor c{bytes};
    const auto h = ip_header::parse_v6(c);
    REQUIRE(h.ok());
    CHECK(h.protocol == ip_protocol::tcp);
    CHECK(h.extension_count == 2);
    CHECK(h.header_length == 56);
    CHECK(h.fragment.is_fragment);
    CHECK(h.fragment.first());
    CHECK(h.fragment.id == 99);
    CHECK(h.total_length == 40 + 36);
    CHECK(c.remaining() == 20);

    const auto esp = pkt::ipv6(50, pkt::v6(1), pkt::v6(2), test::bytes(16));
    cursor e{esp};
    const auto he = ip_header::parse_v6(e);
    CHECK(he.ok());
    CHECK(he.esp);

    const auto looped = pkt::ipv6(0, pkt::v6(1), pkt::v6(2), pkt::ipv6_ext8(0, pkt::ipv6_ext8(0, pkt::ipv6_ext8(6, {}))));
    cursor l{looped};
    CHECK(ip_header::parse_v6(l, 2).problem == ip_problem::too_many_extensions);

    const auto cut = pkt::ipv6(0, pkt::v6(1), pkt::v6(2), test::bytes(4));
    cursor x{cut};
    CHECK(ip_header::parse_v6(x).problem == ip_problem::bad_extension);
}
