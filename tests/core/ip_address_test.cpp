#include "pktdyn/core/ip_address.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <unordered_set>

using pktdyn::ip_address;

namespace {
ip_address v6(std::initializer_list<std::uint16_t> groups) {
    ip_address a;
    a.version = 6;
    int i = 0;
    for (auto g : groups) {
        a.bytes[2 * i] = static_cast<std::uint8_t>(g >> 8);
        a.bytes[2 * i + 1] = static_cast<std::uint8_t>(g);
        ++i;
    }
    return a;
}
}  // namespace

TEST_CASE("addresses print in RFC 5952 canonical form", "[core][ip_address]") {
    CHECK(ip_address::v4(192, 0, 2, 1).to_string() == "192.0.2.1");
    // RFC 5952 section 4: lowercase, leading zeros dropped, the longest run of zeros as "::",
    // the first of equal runs, and a single zero group not shortened.
    CHECK(v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}).to_string() == "2001:db8::1");
    CHECK(v6({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1}).to_string() == "2001:db8::1:0:0:1");
    CHECK(v6({0x2001, 0xdb8, 0, 1, 1, 1, 1, 1}).to_string() == "2001:db8:0:1:1:1:1:1");
    CHECK(v6({0, 0, 0, 0, 0, 0, 0, 0}).to_string() == "::");
    CHECK(v6({0xfe80, 0, 0, 0, 0xabcd, 0, 0, 0}).to_string() == "fe80::abcd:0:0:0");
    CHECK(ip_address{}.to_string().empty());
}

TEST_CASE("addresses compare by bytes, then version", "[core][ip_address]") {
    CHECK(ip_address::v4(10, 0, 0, 1) < ip_address::v4(10, 0, 0, 2));
    CHECK(ip_address::v4(10, 0, 0, 1) == ip_address::v4(10, 0, 0, 1));
    CHECK(ip_address::v4(10, 0, 0, 1) != v6({0x2001}));
    CHECK(ip_address::v4(1, 2, 3, 4).size() == 4);
    CHECK(v6({1}).size() == 16);
}

TEST_CASE("equality agrees with the ordering on addresses differing in any byte", "[core][ip_address]") {
    std::mt19937 rng(3);
    for (int i = 0; i < 10'000; ++i) {
        ip_address x = v6({0x2001, 0xdb8});
        x.bytes[rng() % 16] = static_cast<std::uint8_t>(rng());
        ip_address y = x;
        if (i % 2) y.bytes[rng() % 16] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        if (i % 7 == 0) y.version = 4;
        REQUIRE((x == y) == ((x <=> y) == 0));
    }
}

TEST_CASE("std::hash spreads addresses and agrees with equality", "[core][ip_address]") {
    std::unordered_set<std::size_t> hashes;
    for (std::uint32_t i = 0; i < 10'000; ++i) {
        const auto a = ip_address::v4(10, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 1);
        REQUIRE(std::hash<ip_address>{}(a) == std::hash<ip_address>{}(ip_address::v4(10, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 1)));
        hashes.insert(std::hash<ip_address>{}(a) & 0xFFFFF);  // the low bits buckets use
    }
    CHECK(hashes.size() > 9'900);  // ~48 collisions expected among 10,000 in 2^20
    CHECK(std::hash<ip_address>{}(ip_address::v4(1, 2, 3, 4)) != std::hash<ip_address>{}(v6({0x0102, 0x0304})));
}
