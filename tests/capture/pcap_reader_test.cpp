#include "pktdyn/capture/pcap_reader.hpp"

#include <catch2/catch.hpp>

#include "pktdyn/core/concepts.hpp"
#include <string>

#include "support/capture_builder.hpp"

using namespace pktdyn;

static_assert(reporting_packet_source<pcap_reader>);
using pktdyn::test::frame;
using pktdyn::test::pcap_builder;
using pktdyn::test::pcap_options;

TEST_CASE("pcap files in both byte orders and both resolutions read the same packets", "[capture][pcap]") {
    const bool big = GENERATE(false, true);
    const bool nano = GENERATE(false, true);
    pcap_builder b{pcap_options{.big_endian = big, .nanosecond = nano, .snaplen = 96, .link = 113}};
    b.packet(1'600'000'000, nano ? 123'456'789 : 123'456, frame(60, 7), 60);
    b.packet(1'600'000'001, 5, frame(96), 1514);
    auto r = pcap_reader::from_bytes(b.data());
    REQUIRE(r);
    CHECK(r->file_byte_order() == (big ? byte_order::big : byte_order::little));
    CHECK(r->nanosecond() == nano);
    CHECK(r->snaplen() == 96);
    CHECK(r->link() == link_type::linux_sll);

    auto p1 = r->next();
    REQUIRE(p1);
    CHECK(to_ns(p1->time) == 1'600'000'000'000'000'000 + (nano ? 123'456'789 : 123'456'000));
    CHECK(p1->captured_length() == 60);
    CHECK(p1->original_length == 60);
    CHECK(p1->data[0] == std::byte{7});
    CHECK(p1->link == link_type::linux_sll);

    auto p2 = r->next();
    REQUIRE(p2);
    CHECK(to_ns(p2->time) == 1'600'000'001'000'000'000 + (nano ? 5 : 5'000));
    CHECK(p2->captured_length() == 96);
    CHECK(p2->original_length == 1514);
    CHECK(p2->sliced());

    CHECK_FALSE(r->next());
    CHECK_FALSE(r->error());
    CHECK(r->stats().packets == 2);
    CHECK(r->stats().captured_bytes == 156);
    CHECK(r->stats().original_bytes == 1574);
    CHECK(r->stats().sliced_packets == 1);
}

TEST_CASE("the packet data is a view into the file's bytes, not a copy", "[capture][pcap]") {
    pcap_builder b;
    b.packet(1, 0, frame(10));
    auto r = pcap_reader::from_bytes(b.data());
    REQUIRE(r);
    auto p = r->next();
    REQUIRE(p);
    CHECK(p->data.data() == b.data().data() + 24 + 16);
}

TEST_CASE("a pcap file cut inside a record delivers every complete packet and says where it broke",
          "[capture][pcap]") {
    pcap_builder b;
    b.packet(1, 0, frame(100)).packet(2, 0, frame(100)).packet(3, 0, frame(100));
    const std::size_t full = b.data().size();  // 24 + 3 * 116
    SECTION("cut inside the data of the third record") {
        auto bytes = b.data();
        bytes.resize(full - 10);
        auto r = pcap_reader::from_bytes(bytes, {}, "cut.pcap");
        REQUIRE(r);
        CHECK(r->next());
        CHECK(r->next());
        CHECK_FALSE(r->next());
        CHECK_FALSE(r->next());  // stays ended
        auto e = r->error();
        REQUIRE(e);
        CHECK(e->code() == errc::truncated);
        CHECK(e->message() == "cut.pcap: truncated at byte offset 256: expected 100 bytes of packet data, found 90");
        CHECK(r->stats().packets == 2);
    }
    SECTION("cut inside the third record header") {
        auto bytes = b.data();
        bytes.resize(24 + 2 * 116 + 7);
        auto r = pcap_reader::from_bytes(bytes, {}, "cut.pcap");
        REQUIRE(r);
        CHECK(r->next());
        CHECK(r->next());
        CHECK_FALSE(r->next());
        REQUIRE(r->error());
        CHECK(r->error()->message() ==
              "cut.pcap: truncated at byte offset 256: expected a 16-byte record header, found 7 bytes");
    }
    SECTION("cut exactly between records is a clean end") {
        auto bytes = b.data();
        bytes.resize(24 + 2 * 116);
        auto r = pcap_reader::from_bytes(bytes);
        REQUIRE(r);
        CHECK(r->next());
        CHECK(r->next());
        CHECK_FALSE(r->next());
        CHECK_FALSE(r->error());
    }
}

TEST_CASE("an absurd captured length is corruption, reported with its offset", "[capture][pcap]") {
    pcap_builder b;
    b.packet(1, 0, frame(40));
    b.record_header(2, 0, 0x7fffffff, 0x7fffffff);
    b.data().resize(b.data().size() + 64);
    auto r = pcap_reader::from_bytes(b.data(), {}, "bad.pcap");
    REQUIRE(r);
    CHECK(r->next());
    CHECK_FALSE(r->next());
    REQUIRE(r->error());
    CHECK(r->error()->code() == errc::corrupt);
    CHECK(r->error()->message() ==
          "bad.pcap: corrupt at byte offset 80: record claims 2147483647 captured bytes, more than the "
          "262144-byte maximum");
}

TEST_CASE("the maximum captured length is a reader option", "[capture][pcap]") {
    pcap_builder b;
    b.packet(1, 0, frame(1000));
    auto r = pcap_reader::from_bytes(b.data(), reader_options{.max_captured_length = 500});
    REQUIRE(r);
    CHECK_FALSE(r->next());
    CHECK(r->error()->code() == errc::corrupt);
}

TEST_CASE("a file that is not a pcap reports the magic it found", "[capture][pcap]") {
    test::byte_writer w{true};
    w.text("<html><body>");
    auto r = pcap_reader::from_bytes(w.data(), {}, "page.html");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == errc::not_a_capture);
    CHECK(r.error().message().find("page.html: not a capture file: it starts with 3c68746d") == 0);

    test::bytes tiny(2);
    auto t = pcap_reader::from_bytes(tiny);
    REQUIRE_FALSE(t);
    CHECK(t.error().code() == errc::not_a_capture);
}

TEST_CASE("a pcap file header cut short or of another major version is refused", "[capture][pcap]") {
    pcap_builder b;
    auto bytes = b.data();
    bytes.resize(10);
    auto r = pcap_reader::from_bytes(bytes);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == errc::truncated);

    pcap_builder v3{pcap_options{.major = 3}};
    auto r3 = pcap_reader::from_bytes(v3.data());
    REQUIRE_FALSE(r3);
    CHECK(r3.error().code() == errc::unsupported);
}

TEST_CASE("the FCS bits of the link-type field are split from the link type", "[capture][pcap]") {
    pcap_builder b{pcap_options{.link = 1u | 0x0400'0000u | (2u << 28)}};
    auto r = pcap_reader::from_bytes(b.data());
    REQUIRE(r);
    CHECK(r->link() == link_type::ethernet);
    CHECK(r->fcs_bytes() == 4);
}

TEST_CASE("Kuznetsov's modified pcap skips the extra 8 record bytes", "[capture][pcap]") {
    test::byte_writer w;
    w.u32(0xa1b2cd34).u16(2).u16(4).u32(0).u32(0).u32(65535).u32(1);
    w.u32(10).u32(20).u32(4).u32(4).u32(2).u16(0x0800).u8(0).u8(0).raw(frame(4, 0xA0));
    auto r = pcap_reader::from_bytes(w.data());
    REQUIRE(r);
    auto p = r->next();
    REQUIRE(p);
    CHECK(to_ns(p->time) == 10'000'020'000);
    CHECK(p->data[0] == std::byte{0xA0});
    CHECK_FALSE(r->next());
    CHECK_FALSE(r->error());
}

TEST_CASE("an empty pcap (header only) has no packets and no error", "[capture][pcap]") {
    pcap_builder b;
    auto r = pcap_reader::from_bytes(b.data());
    REQUIRE(r);
    CHECK_FALSE(r->next());
    CHECK_FALSE(r->error());
}

TEST_CASE("a missing file gives an I/O error naming it", "[capture][pcap]") {
    auto r = pcap_reader::open("/nonexistent/dir/x.pcap");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == errc::io_error);
    CHECK(r.error().message().find("/nonexistent/dir/x.pcap") != std::string::npos);
}

TEST_CASE("a record longer than the declared snaplen is delivered and counted, not refused", "[capture][pcap]") {
    pcap_builder b{pcap_options{.snaplen = 64}};
    b.packet(1, 0, frame(100)).packet(2, 0, frame(64));
    auto r = pcap_reader::from_bytes(b.data());
    REQUIRE(r);
    CHECK(r->next()->captured_length() == 100);
    CHECK(r->next());
    CHECK_FALSE(r->next());
    CHECK_FALSE(r->error());
    CHECK(r->stats().over_snaplen_packets == 1);
}
