#include "pktdyn/core/cursor.hpp"

#include <array>
#include <catch2/catch.hpp>

using pktdyn::byte_order;
using pktdyn::cursor;

namespace {
constexpr std::array<std::byte, 9> nine{std::byte{0x01}, std::byte{0x02}, std::byte{0x03}, std::byte{0x04},
                                        std::byte{0x05}, std::byte{0x06}, std::byte{0x07}, std::byte{0x08},
                                        std::byte{0x09}};
}

TEST_CASE("a cursor reads integers in both byte orders and advances by their size", "[core][cursor]") {
    cursor c{nine};
    CHECK(c.u8() == 0x01);
    CHECK(c.u16be() == 0x0203);
    CHECK(c.u16le() == 0x0504);
    CHECK(c.u32be() == 0x06070809);
    CHECK(c.ok());
    CHECK(c.empty());
    CHECK(c.position() == 9);

    cursor d{nine};
    CHECK(d.u64le() == 0x0807060504030201ull);
    cursor e{nine};
    CHECK(e.u64be() == 0x0102030405060708ull);
    cursor f{nine};
    CHECK(f.u32(byte_order::little) == 0x04030201u);
}

TEST_CASE("a read that does not fit fails the cursor without advancing, and the failure sticks", "[core][cursor]") {
    cursor c{std::span{nine}.first(3)};
    CHECK(c.u16be() == 0x0102);
    CHECK(c.u16be() == 0);  // one byte left: fails
    CHECK_FALSE(c.ok());
    CHECK(c.position() == 2);  // the pointer did not move past what was readable
    CHECK(c.remaining() == 0);
    CHECK(c.u8() == 0);  // sticky: even a read that would fit now returns zero
    CHECK(c.take(1).empty());
    CHECK(c.rest().empty());
}

TEST_CASE("take and sub hand out exactly the requested bytes", "[core][cursor]") {
    cursor c{nine};
    const auto head = c.take(4);
    REQUIRE(head.size() == 4);
    CHECK(head[3] == std::byte{0x04});
    cursor inner = c.sub(3);
    CHECK(inner.remaining() == 3);
    CHECK(inner.u16be() == 0x0506);
    CHECK(inner.u16be() == 0);  // the sub-cursor's bound is its own
    CHECK_FALSE(inner.ok());
    CHECK(c.ok());
    CHECK(c.u16be() == 0x0809);

    cursor short_one{std::span{nine}.first(2)};
    cursor bad = short_one.sub(5);
    CHECK_FALSE(bad.ok());
    CHECK_FALSE(short_one.ok());
}

TEST_CASE("skip checks the bound before it moves", "[core][cursor]") {
    cursor c{nine};
    c.skip(8);
    CHECK(c.u8() == 0x09);
    cursor d{nine};
    d.skip(10);
    CHECK_FALSE(d.ok());
    CHECK(d.position() == 0);
}

TEST_CASE("lookahead never consumes and never fails", "[core][cursor]") {
    cursor c{nine};
    CHECK(c.peek_u8(8) == 0x09);
    CHECK(c.peek_u8(9) == 0);
    CHECK(c.peek<std::uint16_t>(7, byte_order::big) == 0x0809);
    CHECK(c.peek<std::uint16_t>(8, byte_order::big) == 0);
    CHECK(c.peek<std::uint32_t>(~std::size_t{0}, byte_order::big) == 0);  // no overflow on huge offsets
    CHECK(c.ok());
    CHECK(c.position() == 0);
}

TEST_CASE("an empty cursor is valid and reads nothing", "[core][cursor]") {
    cursor c;
    CHECK(c.ok());
    CHECK(c.empty());
    CHECK(c.u8() == 0);
    CHECK_FALSE(c.ok());
}

TEST_CASE("fail() marks a cursor failed from outside", "[core][cursor]") {
    cursor c{nine};
    c.fail();
    CHECK_FALSE(c.ok());
    CHECK(c.u8() == 0);
}
