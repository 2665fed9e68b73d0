#include "pktdyn/proto/teredo.hpp"

#include <catch2/catch.hpp>

#include "support/packet_builder.hpp"

namespace pkt = pktdyn::test::pkt;

TEST_CASE("Teredo: indicators are skipped, and only IPv6 inside counts", "[proto][teredo]") {
    const auto ipv6 = pkt::ipv6(59, pkt::v6(1), pkt::v6(2), {});
    pktdyn::test::byte_writer origin{true};
    origin.u16(0).u16(0x1234).u32(0x01020304);
    const auto bytes = pkt::cat({origin.data(), ipv6});
    pktdyn::cursor c{bytes};
    const auto h = pktdyn::teredo_header::parse(c);
    CHECK(c.ok());
    CHECK(h.origin);
    CHECK(c.remaining() == 40);

    const auto not_teredo = pkt::text("GET / HTTP/1.1 -- this is not an IPv6 header");
    pktdyn::cursor d{not_teredo};
    (void)pktdyn::teredo_header::parse(d);
    CHECK_FALSE(d.ok());
}
