#include "pktdyn/proto/pim.hpp"

#include <catch2/catch.hpp>

#include "support/capture_builder.hpp"

TEST_CASE("a PIM Register leaves the cursor at its encapsulated packet", "[proto][pim]") {
    pktdyn::test::byte_writer w{true};
    w.u8(0x21).u8(0).u16(0).u32(0).u8(0x45);
    pktdyn::cursor c{w.data()};
    const auto h = pktdyn::pim_header::parse(c);
    CHECK(h.is_register());
    CHECK(c.peek_u8(0) == 0x45);

    pktdyn::test::byte_writer hello{true};
    hello.u8(0x20).u8(0).u16(0).u32(0);
    pktdyn::cursor d{hello.data()};
    CHECK_FALSE(pktdyn::pim_header::parse(d).is_register());
}
