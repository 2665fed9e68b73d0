#include "pktdyn/flow/flow_key.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <set>

#include "pktdyn/proto/decoder.hpp"
#include "support/packet_builder.hpp"

using namespace pktdyn;
namespace pkt = pktdyn::test::pkt;

namespace {
keyed_packet key_of(const test::bytes& frame, key_options o = {}) {
    decoder dec;
    keyed_packet k;
    REQUIRE(make_flow_key(dec.decode(packet_view{{}, frame, static_cast<std::uint32_t>(frame.size()),
                                                 link_type::ethernet, 0}),
                          k, o));
    return k;
}
}  // namespace

TEST_CASE("both directions of a conversation share one key, with opposite directions", "[flow][flow_key]") {
    const auto out = key_of(pkt::ethernet(0x0800, pkt::ipv4(6, {10, 0, 0, 9}, {10, 0, 0, 1}, pkt::tcp(40000, 443, {}))));
    const auto back = key_of(pkt::ethernet(0x0800, pkt::ipv4(6, {10, 0, 0, 1}, {10, 0, 0, 9}, pkt::tcp(443, 40000, {}))));
    CHECK(out.key == back.key);
    CHECK(out.a_to_b != back.a_to_b);
    CHECK(out.key.a == ip_address::v4(10, 0, 0, 1));  // the smaller address is a
    CHECK(out.key.port_a == 443);
    CHECK(hash(out.key, 42) == hash(back.key, 42));
    CHECK(community_id(out.key) == community_id_v1(ip_address::v4(10, 0, 0, 9), ip_address::v4(10, 0, 0, 1), 6, 40000, 443));
}

TEST_CASE("echo requests and replies share a key, one-way ICMP keeps its direction", "[flow][flow_key]") {
    const auto request = key_of(pkt::ethernet(0x0800, pkt::ipv4(1, {10, 0, 0, 9}, {10, 0, 0, 1}, pkt::icmp(8, 0, {}))));
    const auto reply = key_of(pkt::ethernet(0x0800, pkt::ipv4(1, {10, 0, 0, 1}, {10, 0, 0, 9}, pkt::icmp(0, 0, {}))));
    CHECK(request.key == reply.key);
    const auto unreachable = key_of(pkt::ethernet(0x0800, pkt::ipv4(1, {10, 0, 0, 9}, {10, 0, 0, 1}, pkt::icmp(3, 1, {}))));
    CHECK(unreachable.a_to_b);
    CHECK(unreachable.key.a == ip_address::v4(10, 0, 0, 9));
}

TEST_CASE("VLAN and tunnel ids enter the key only when asked", "[flow][flow_key]") {
    const auto inner = pkt::ipv4(17, {10, 0, 0, 1}, {10, 0, 0, 2}, pkt::udp(1, 2, {}));
    const auto v100 = pkt::ethernet(0x8100, pkt::vlan(100, 0x0800, inner));
    const auto v200 = pkt::ethernet(0x8100, pkt::vlan(200, 0x0800, inner));
    CHECK(key_of(v100).key == key_of(v200).key);
    CHECK_FALSE(key_of(v100, {.by_vlan = true}).key == key_of(v200, {.by_vlan = true}).key);
}

TEST_CASE("the hash depends on the seed and spreads near-identical keys", "[flow][flow_key]") {
    flow_key k;
    k.a = ip_address::v4(10, 0, 0, 1);
    k.b = ip_address::v4(10, 0, 0, 2);
    k.protocol = 6;
    CHECK(hash(k, 1) != hash(k, 2));
    std::set<std::uint64_t> buckets;
    for (std::uint16_t port = 0; port < 4096; ++port) {
        k.port_a = port;
        buckets.insert(hash(k, 7) & 4095);
    }
    CHECK(buckets.size() > 2400);  // a uniform hash fills ~63 % of 4096 buckets with 4096 keys
}

TEST_CASE("endpoints are ordered as memcmp orders their bytes", "[flow][flow_key]") {
    std::mt19937 rng(11);
    for (int i = 0; i < 10'000; ++i) {
        ip_address x, y;
        for (auto& b : x.bytes) b = static_cast<std::uint8_t>(rng() % 4);  // few values: many ties
        y = x;
        y.bytes[rng() % 16] = static_cast<std::uint8_t>(rng() % 4);
        const int c = std::memcmp(x.bytes.data(), y.bytes.data(), 16);
        const auto ours = detail::compare(x, y);
        REQUIRE((ours < 0) == (c < 0));
        REQUIRE((ours == 0) == (c == 0));
    }
}
