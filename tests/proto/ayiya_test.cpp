#include "pktdyn/proto/ayiya.hpp"

#include <catch2/catch.hpp>

#include "support/capture_builder.hpp"

TEST_CASE("AYIYA skips its identity and signature to the forwarded packet", "[proto][ayiya]") {
    pktdyn::test::byte_writer w{true};
    w.u8(0x41).u8(0x52).u8(0x11).u8(41).u32(0);       // 16-byte identity, 5 x 4-byte signature, forward
    w.raw(pktdyn::test::bytes(16 + 20)).u8(0x60);
    pktdyn::cursor c{w.data()};
    const auto h = pktdyn::ayiya_header::parse(c);
    CHECK(h.forwards());
    CHECK(h.next_header == 41);
    CHECK(c.peek_u8(0) == 0x60);
    CHECK(c.remaining() == 1);
}
