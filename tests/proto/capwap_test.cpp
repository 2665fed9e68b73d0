#include "pktdyn/proto/capwap.hpp"

#include <catch2/catch.hpp>

#include "support/capture_builder.hpp"

TEST_CASE("CAPWAP data headers give their length and what they carry", "[proto][capwap]") {
    pktdyn::test::byte_writer w{true};
    w.u32((4u << 19) | (1u << 9) | (1u << 8)).raw(pktdyn::test::bytes(12)).u8(0xAB);  // HLEN 4 words, WBID 1, T
    pktdyn::cursor c{w.data()};
    const auto h = pktdyn::capwap_data_header::parse(c);
    CHECK_FALSE(h.bad);
    CHECK(h.header_length == 16);
    CHECK(h.native_wifi);
    CHECK(c.peek_u8(0) == 0xAB);

    pktdyn::test::byte_writer bad{true};
    bad.u32(0x10000000);  // version 1
    pktdyn::cursor b{bad.data()};
    CHECK(pktdyn::capwap_data_header::parse(b).bad);
}
