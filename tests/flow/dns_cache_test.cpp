#include "pktdyn/flow/dns_cache.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string_view>

#include "support/capture_builder.hpp"

namespace {

using namespace std::chrono_literals;
using pktdyn::test::byte_writer;
using pktdyn::test::bytes;

pktdyn::timestamp at(std::chrono::nanoseconds t) { return pktdyn::from_ns(t.count()); }


/// A response to "WWW.Example.com A": CNAME to edge.cdn.net, then edge.cdn.net A 203.0.113.9
/// (TTL 30) and an A record in the additional section (not cached).
bytes response() {
    byte_writer w{true};
    w.u16(7).u16(0x8180).u16(1).u16(2).u16(0).u16(1);
    w.dns_name("WWW.Example.com");
    w.u16(1).u16(1);
    w.u16(0xC00C).u16(5).u16(1).u32(300).u16(14);
    const auto target = static_cast<std::uint16_t>(w.size());
    w.dns_name("edge.cdn.net");
    w.u16(0xC000 | target).u16(1).u16(1).u32(30).u16(4).u8(203).u8(0).u8(113).u8(9);
    w.u16(0xC000 | target).u16(1).u16(1).u32(30).u16(4).u8(198).u8(51).u8(100).u8(1);
    return w.data();
}

}  // namespace

TEST_CASE("an address from a response tags flows that start after it", "[flow][dns_cache]") {
    pktdyn::dns_cache cache{{.capacity = 64}};
    CHECK(cache.capacity() == 64);
    CHECK(cache.insert_response(response(), at(10s)) == 1);
    CHECK(cache.size() == 1);

    const auto addr = pktdyn::ip_address::v4(203, 0, 113, 9);
    const auto* e = cache.lookup(addr, at(11s));
    REQUIRE(e);
    CHECK(e->query_name() == "www.example.com");  // stored lowercase
    CHECK(e->answer_name() == "edge.cdn.net");
    CHECK(e->ttl == 30);
    CHECK(e->first_seen == at(10s));
    CHECK(cache.lookup(addr, at(10s)));            // seen at the flow's start counts
    CHECK_FALSE(cache.lookup(addr, at(9s)));       // not before it was resolved
    CHECK_FALSE(cache.lookup(pktdyn::ip_address::v4(198, 51, 100, 1), at(11s)));  // additional section
    CHECK(cache.lookup(addr, at(10s + 1h)));      // TTL ignored by default
}

TEST_CASE("with TTL expiry a mapping ends TTL plus grace after its last sighting", "[flow][dns_cache]") {
    pktdyn::dns_cache cache{{.capacity = 16, .expire_by_ttl = true, .ttl_grace = 5s}};
    const auto addr = pktdyn::ip_address::v4(192, 0, 2, 7);
    cache.insert(addr, "a.example", "a.example", at(100s), 60);
    CHECK(cache.lookup(addr, at(165s)));
    CHECK_FALSE(cache.lookup(addr, at(166s)));
    cache.insert(addr, "a.example", "a.example", at(150s), 60);  // refreshed
    CHECK(cache.lookup(addr, at(215s)));
    CHECK(cache.stats().refreshes == 1);
    // A flow that started between the two sightings counts from the first one.
    CHECK(cache.lookup(addr, at(120s)));
}

TEST_CASE("an address shared by several names gives the one resolved last before the flow", "[flow][dns_cache]") {
    pktdyn::dns_cache cache{{.capacity = 16}};
    const auto addr = pktdyn::ip_address::v4(192, 0, 2, 80);
    cache.insert(addr, "one.example", "cdn.example", at(1s), 60);
    cache.insert(addr, "two.example", "cdn.example", at(5s), 60);
    CHECK(cache.lookup(addr, at(3s))->query_name() == "one.example");
    CHECK(cache.lookup(addr, at(6s))->query_name() == "two.example");
    cache.insert(addr, "one.example", "cdn.example", at(9s), 60);
    CHECK(cache.lookup(addr, at(10s))->query_name() == "one.example");
    CHECK(cache.lookup(addr, at(6s))->query_name() == "two.example");  // one's refresh came later
    CHECK(cache.size() == 2);
}

TEST_CASE("a full set replaces the entry seen longest ago and counts it", "[flow][dns_cache]") {
    pktdyn::dns_cache cache{{.capacity = 8}};  // one set of 8
    REQUIRE(cache.capacity() == 8);
    for (std::uint8_t i = 0; i < 8; ++i)
        cache.insert(pktdyn::ip_address::v4(10, 0, 0, i), "n.example", "n.example", at(std::chrono::seconds{i + 1}), 1);
    CHECK(cache.size() == 8);
    CHECK(cache.stats().evictions == 0);
    cache.insert(pktdyn::ip_address::v4(10, 0, 0, 99), "late.example", "late.example", at(100s), 1);
    CHECK(cache.size() == 8);
    CHECK(cache.stats().evictions == 1);
    CHECK_FALSE(cache.lookup(pktdyn::ip_address::v4(10, 0, 0, 0), at(200s)));  // the oldest went
    CHECK(cache.lookup(pktdyn::ip_address::v4(10, 0, 0, 1), at(200s)));
    CHECK(cache.lookup(pktdyn::ip_address::v4(10, 0, 0, 99), at(200s))->query_name() == "late.example");
    cache.clear();
    CHECK(cache.size() == 0);
    CHECK_FALSE(cache.lookup(pktdyn::ip_address::v4(10, 0, 0, 1), at(200s)));
}

TEST_CASE("queries, unreadable messages and answers without a question are handled", "[flow][dns_cache]") {
    pktdyn::dns_cache cache{{.capacity = 16}};
    auto query = response();
    query[2] = std::byte{0x01};  // QR clear
    CHECK(cache.insert_response(query, at(1s)) == 0);
    CHECK(cache.insert_response(bytes(5), at(1s)) == 0);
    CHECK(cache.stats().skipped == 2);

    // mDNS: no question, the answer's owner name stands for the query; cache-flush bit set.
    byte_writer w{true};
    w.u16(0).u16(0x8400).u16(0).u16(1).u16(0).u16(0);
    w.dns_name("printer.local");
    w.u16(28).u16(0x8001).u32(120).u16(16).u64(0xfe80000000000000ull).u64(1);
    CHECK(cache.insert_response(w.data(), at(2s)) == 1);
    pktdyn::ip_address ll;
    ll.version = 6;
    ll.bytes = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    REQUIRE(cache.lookup(ll, at(3s)));
    CHECK(cache.lookup(ll, at(3s))->query_name() == "printer.local");

    // A response cut inside its additional record keeps the answers before the cut.
    const auto full = response();
    const bytes cut(full.begin(), full.end() - 10);
    pktdyn::dns_cache other{{.capacity = 16}};
    CHECK(other.insert_response(cut, at(1s)) == 1);
}
