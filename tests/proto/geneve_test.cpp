#include "pktdyn/proto/geneve.hpp"

#include <catch2/catch.hpp>

#include "support/packet_builder.hpp"

TEST_CASE("Geneve skips its options and checks they fill their area", "[proto][geneve]") {
    const auto bytes = pktdyn::test::pkt::geneve(99, 0x6558, {}, 4);
    pktdyn::cursor c{bytes};
    const auto h = pktdyn::geneve_header::parse(c);
    CHECK(h.vni == 99);
    CHECK(h.protocol == 0x6558);
    CHECK(h.options_length == 16);
    CHECK(h.option_count == 1);
    CHECK_FALSE(h.bad_options);
    CHECK(c.empty());

    auto bad = pktdyn::test::pkt::geneve(1, 0x0800, {}, 2);
    bad[8 + 3] = std::byte{0x1F};  // option length 31 words in a 2-word area
    pktdyn::cursor b{bad};
    CHECK(pktdyn::geneve_header::parse(b).bad_options);
}
