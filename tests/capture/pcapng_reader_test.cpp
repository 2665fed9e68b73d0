#include "pktdyn/capture/pcapng_reader.hpp"

#include <catch2/catch.hpp>

#include "pktdyn/core/concepts.hpp"

#include "support/capture_builder.hpp"

using namespace pktdyn;

static_assert(reporting_packet_source<pcapng_reader>);
using pktdyn::test::frame;
using pktdyn::test::pcapng_builder;

TEST_CASE("pcapng enhanced packets in either byte order carry their interface's link type", "[capture][pcapng]") {
    const bool big = GENERATE(false, true);
    pcapng_builder b{big};
    b.section().interface(1, 0).interface(113, 128);
    b.enhanced(1, 1'600'000'000'123'456ull, frame(64, 3), 1500);
    b.enhanced(0, 1'600'000'001'000'000ull, frame(60));
    auto r = pcapng_reader::from_bytes(b.data());
    REQUIRE(r);
    auto p1 = r->next();
    REQUIRE(p1);
    CHECK(p1->link == link_type::linux_sll);
    CHECK(p1->interface == 1);
    CHECK(to_ns(p1->time) == 1'600'000'000'123'456'000);  // default resolution: microseconds
    CHECK(p1->captured_length() == 64);
    CHECK(p1->original_length == 1500);
    CHECK(p1->data[0] == std::byte{3});
    auto p2 = r->next();
    REQUIRE(p2);
    CHECK(p2->link == link_type::ethernet);
    CHECK(p2->interface == 0);
    CHECK_FALSE(r->next());
    CHECK_FALSE(r->error());
    CHECK(r->interfaces().size() == 2);
    CHECK(r->stats().packets == 2);
}

TEST_CASE("if_tsresol and if_tsoffset scale and shift timestamps", "[capture][pcapng]") {
    pcapng_builder b;
    b.section();
    b.interface(1, 0, 9);            // 10^-9: nanoseconds
    b.interface(1, 0, 0x80 | 20);    // 2^-20 seconds
    b.interface(1, 0, 3, 100);       // milliseconds, +100 s
    b.interface(101, 0, 12);         // picoseconds: finer than pktdyn keeps
    b.enhanced(0, 1'600'000'000'123'456'789ull, frame(20));
    b.enhanced(1, (5ull << 20) | (1ull << 19), frame(20));  // 5.5 s
    b.enhanced(2, 7'250, frame(20));                         // 7.25 s + 100 s
    b.enhanced(3, 2'000'000'000'001ull, frame(20));          // 2 s + 1 ps
    auto r = pcapng_reader::from_bytes(b.data());
    REQUIRE(r);
    CHECK(to_ns(r->next()->time) == 1'600'000'000'123'456'789);
    CHECK(to_ns(r->next()->time) == 5'500'000'000);
    CHECK(to_ns(r->next()->time) == 107'250'000'000);
    CHECK(to_ns(r->next()->time) == 2'000'000'000);  // sub-nanosecond part truncated
    CHECK_FALSE(r->next());
    CHECK_FALSE(r->error());
}

TEST_CASE("a new section resets interfaces and may change byte order", "[capture][pcapng]") {
    pcapng_builder little{false};
    little.section().interface(1).enhanced(0, 1, frame(10));
    pcapng_builder big{true};
    big.section().interface(228).enhanced(0, 2, frame(12)).enhanced(1, 3, frame(12));
    auto bytes = little.data();
    bytes.insert(bytes.end(), big.data().begin(), big.data().end());
    auto r = pcapng_reader::from_bytes(bytes);
    REQUIRE(r);
    auto p1 = r->next();
    REQUIRE(p1);
    CHECK(p1->link == link_type::ethernet);
    CHECK(p1->interface == 0);
    auto p2 = r->next();
    REQUIRE(p2);
    CHECK(p2->link == link_type::ipv4);
    CHECK(p2->interface == 1);  // numbered across the whole file
    CHECK(p2->captured_length() == 12);
    CHECK_FALSE(r->next());  // interface 1 is not described in the second section: skipped
    CHECK(r->stats().skipped_of(skip_reason::unknown_interface) == 1);
    CHECK(r->sections() == 2);
    CHECK_FALSE(r->error());
}

TEST_CASE("simple and obsolete packet blocks are delivered", "[capture][pcapng]") {
    pcapng_builder b;
    b.section().interface(1, 50);
    b.simple(frame(70), 70);  // longer than the snaplen: cut to 50
    b.obsolete(0, 2'000'000, frame(30));
    auto r = pcapng_reader::from_bytes(b.data());
    REQUIRE(r);
    auto spb = r->next();
    REQUIRE(spb);
    CHECK(spb->captured_length() == 50);
    CHECK(spb->original_length == 70);
    CHECK(to_ns(spb->time) == 0);  // a simple packet block has no timestamp
    auto opb = r->next();
    REQUIRE(opb);
    CHECK(opb->captured_length() == 30);
    CHECK(to_ns(opb->time) == 2'000'000'000);
    CHECK_FALSE(r->next());
}

TEST_CASE("non-packet blocks are skipped by length and counted by kind", "[capture][pcapng]") {
    pcapng_builder b;
    b.section().interface(1);
    b.opaque(4, 8).opaque(5, 12).opaque(10, 16).opaque(0xBAD, 8).opaque(0x40000BAD, 4).opaque(0x12345, 20);
    b.enhanced(0, 1, frame(10));
    auto r = pcapng_reader::from_bytes(b.data());
    REQUIRE(r);
    CHECK(r->next());
    CHECK_FALSE(r->next());
    CHECK_FALSE(r->error());
    const auto& s = r->stats();
    CHECK(s.skipped_of(skip_reason::name_resolution) == 1);
    CHECK(s.skipped_of(skip_reason::interface_statistics) == 1);
    CHECK(s.skipped_of(skip_reason::decryption_secrets) == 1);
    CHECK(s.skipped_of(skip_reason::custom_block) == 2);
    CHECK(s.skipped_of(skip_reason::unknown_block) == 1);
    CHECK(s.total_skipped() == 6);
}

TEST_CASE("a pcapng file cut inside a block delivers what came before and reports the offset",
          "[capture][pcapng]") {
    pcapng_builder b;
    b.section().interface(1).enhanced(0, 1, frame(100)).enhanced(0, 2, frame(100));
    const std::size_t second = b.data().size() - (12 + 20 + 100 + 12);
    auto bytes = b.data();
    bytes.resize(bytes.size() - 30);
    auto r = pcapng_reader::from_bytes(bytes, {}, "cut.pcapng");
    REQUIRE(r);
    CHECK(r->next());
    CHECK_FALSE(r->next());
    auto e = r->error();
    REQUIRE(e);
    CHECK(e->code() == errc::truncated);
    CHECK(e->message() == fmt::format("cut.pcapng: truncated at byte offset {}: block type 00000006 declares 144 "
                                      "bytes, found 114",
                                      second));
}

TEST_CASE("a block whose trailing length disagrees is corruption", "[capture][pcapng]") {
    pcapng_builder b;
    b.section().interface(1).enhanced(0, 1, frame(16));
    auto bytes = b.data();
    bytes[bytes.size() - 4] = std::byte{0x99};
    auto r = pcapng_reader::from_bytes(bytes);
    REQUIRE(r);
    CHECK_FALSE(r->next());
    REQUIRE(r->error());
    CHECK(r->error()->code() == errc::corrupt);
    CHECK(r->error()->message().find("trailing length") != std::string::npos);
}

TEST_CASE("block lengths below 12 or not a multiple of 4 are corruption", "[capture][pcapng]") {
    const std::uint32_t bad_length = GENERATE(8u, 13u);
    pcapng_builder b;
    b.section().interface(1);
    test::byte_writer w;
    w.u32(6).u32(bad_length).u32(0).u32(bad_length);
    b.data().insert(b.data().end(), w.data().begin(), w.data().end());
    auto r = pcapng_reader::from_bytes(b.data());
    REQUIRE(r);
    CHECK_FALSE(r->next());
    REQUIRE(r->error());
    CHECK(r->error()->code() == errc::corrupt);
}

TEST_CASE("a captured length larger than its block is corruption", "[capture][pcapng]") {
    pcapng_builder b;
    b.section().interface(1);
    b.block(6, [](test::byte_writer& w) { w.u32(0).u32(0).u32(0).u32(5000).u32(5000).raw(frame(8)); });
    auto r = pcapng_reader::from_bytes(b.data());
    REQUIRE(r);
    CHECK_FALSE(r->next());
    REQUIRE(r->error());
    CHECK(r->error()->code() == errc::corrupt);
}

TEST_CASE("a section header with a wrong byte-order magic or version is refused", "[capture][pcapng]") {
    test::byte_writer w;
    w.u32(0x0A0D0D0A).u32(28).u32(0x11223344).u16(1).u16(0).u64(0).u32(28);
    auto r = pcapng_reader::from_bytes(w.data());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == errc::not_a_capture);

    pcapng_builder v2;
    v2.block(0x0A0D0D0A, [](test::byte_writer& b) { b.u32(0x1A2B3C4D).u16(2).u16(0).u64(~0ull); });
    auto r2 = pcapng_reader::from_bytes(v2.data());
    REQUIRE(r2);
    CHECK_FALSE(r2->next());
    REQUIRE(r2->error());
    CHECK(r2->error()->code() == errc::unsupported);
}

TEST_CASE("an if_tsresol finer than 64-bit counters can hold is refused", "[capture][pcapng]") {
    pcapng_builder b;
    b.section().interface(1, 0, 20).enhanced(0, 1, frame(4));
    auto r = pcapng_reader::from_bytes(b.data());
    REQUIRE(r);
    CHECK_FALSE(r->next());
    REQUIRE(r->error());
    CHECK(r->error()->code() == errc::unsupported);
}

TEST_CASE("a pcapng file shorter than its section header says it was cut there", "[capture][pcapng]") {
    test::byte_writer w;
    w.u32(0x0A0D0D0A).u32(28);  // 8 of the block's 28 bytes
    auto r = pcapng_reader::from_bytes(w.data());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == errc::truncated);
    CHECK_THAT(r.error().message(), Catch::Contains("ends inside its section header block"));
}

TEST_CASE("timestamps beyond 64-bit nanoseconds are clamped to pktdyn's range", "[capture][pcapng]") {
    pcapng_builder b;
    b.section();
    b.interface(1, 0, 6, 0x7FFF'FFFF'FFFF'FFFF);  // microseconds, offset far in the future
    b.interface(1, 0, 9, -0x7FFF'FFFF'FFFF'FFFF);  // nanoseconds, offset far in the past
    b.enhanced(0, ~0ull, frame(20));
    b.enhanced(1, 0, frame(20));
    auto r = pcapng_reader::from_bytes(b.data());
    REQUIRE(r);
    CHECK(r->next()->time == latest_time);
    CHECK(r->next()->time == earliest_time);
}
