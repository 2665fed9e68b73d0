#include "pktdyn/proto/tcp.hpp"

#include <catch2/catch.hpp>

#include "support/packet_builder.hpp"

using namespace pktdyn;
namespace pkt = pktdyn::test::pkt;

namespace {
test::bytes options(std::initializer_list<int> b) {
    test::bytes out;
    for (int x : b) out.push_back(static_cast<std::byte>(x));
    return out;
}
}  // namespace

TEST_CASE("a SYN's options: MSS, SACK permitted, timestamps, window scale", "[proto][tcp]") {
    // Linux's SYN option layout: MSS, SACK-permitted, timestamps, NOP, window scale.
    const auto bytes = pkt::tcp(51000, 443, {}, {.seq = 0xFFFFFFF0, .flags = 0x002,
        .options = options({2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7})});
    cursor c{bytes};
    const auto h = tcp_header::parse(c);
    REQUIRE(c.ok());
    CHECK(h.header_length == 40);
    CHECK(h.seq == 0xFFFFFFF0);
    CHECK(h.has(tcp_flag::syn));
    CHECK_FALSE(h.has(tcp_flag::ack));
    const auto o = h.parse_options();
    CHECK(o.mss == 1460);
    CHECK(o.sack_permitted);
    CHECK(o.has_timestamps);
    CHECK(o.ts_value == 1);
    CHECK(o.ts_echo == 0);
    CHECK(o.has_window_scale);
    CHECK(o.window_scale == 7);
    CHECK_FALSE(o.malformed);
}

TEST_CASE("SACK blocks are read, malformed options stop the walk", "[proto][tcp]") {
    const auto sack = pkt::tcp(1, 2, {}, {.flags = 0x010, .options = options({1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40})});
    cursor c{sack};
    const auto o = tcp_header::parse(c).parse_options();
    REQUIRE(o.sack_count == 2);
    CHECK(o.sacks[0].left == 10);
    CHECK(o.sacks[0].right == 20);
    CHECK(o.sacks[1].right == 40);

    const auto bad = pkt::tcp(1, 2, {}, {.options = options({2, 40, 0, 0})});  // length past the header
    cursor b{bad};
    CHECK(tcp_header::parse(b).parse_options().malformed);
}

TEST_CASE("timestamps() finds what parse_options() finds, fast path or not", "[proto][tcp]") {
    const std::initializer_list<int> layouts[] = {
        {1, 1, 8, 10, 0, 0, 0x10, 0, 0xFF, 0, 0, 2},                        // NOP NOP TS: the fast path
        {8, 10, 0, 0, 0, 5, 0, 0, 0, 6, 1, 1},                              // TS NOP NOP
        {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7}, // a SYN's
        {1, 1, 5, 10, 0, 0, 0, 10, 0, 0, 0, 20, 1, 1, 8, 10, 0, 0, 0, 3, 0, 0, 0, 4},  // SACK then TS
        {1, 1, 4, 2},                                                       // none
        {1, 1, 8, 9, 0, 0, 0, 0, 0, 0, 0, 0},                              // TS with a wrong length
    };
    for (const auto& layout : layouts) {
        const auto bytes = pkt::tcp(1, 2, {}, {.flags = 0x010, .options = options(layout)});
        cursor c{bytes};
        const auto h = tcp_header::parse(c);
        const auto all = h.parse_options();
        const auto ts = h.timestamps();
        CHECK(ts.present == all.has_timestamps);
        CHECK(ts.value == all.ts_value);
        CHECK(ts.echo == all.ts_echo);
    }
    const auto fast = pkt::tcp(1, 2, {}, {.flags = 0x010, .options = options(*layouts)});
    cursor c{fast};
    const auto ts = tcp_header::parse(c).timestamps();
    CHECK(ts.value == 0x1000u);
    CHECK(ts.echo == 0xFF000002u);
}

TEST_CASE("a data offset below 5 fails the header", "[proto][tcp]") {
    const auto bytes = pkt::tcp(1, 2, {}, {.data_offset_words = 4});
    cursor c{bytes};
    const auto h = tcp_header::parse(c);
    CHECK(h.bad_offset);
    CHECK_FALSE(c.ok());
}
