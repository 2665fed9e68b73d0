#include "pktdyn/capture/capture_file.hpp"

#include <catch2/catch.hpp>

#include "pktdyn/core/concepts.hpp"
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "support/capture_builder.hpp"
#include "support/temp_dir.hpp"

using namespace pktdyn;

static_assert(reporting_packet_source<capture_file>);

TEST_CASE("capture_file tells pcap from pcapng by the magic", "[capture][capture_file]") {
    test::pcap_builder pcap;
    pcap.packet(1, 0, test::frame(20));
    test::pcapng_builder ng;
    ng.section().interface(1).enhanced(0, 1, test::frame(20));

    auto a = capture_file::from_bytes(pcap.data());
    REQUIRE(a);
    CHECK(a->format() == capture_format::pcap);
    CHECK(a->offset() == 24);  // past the file header
    CHECK(a->next());
    CHECK(a->offset() == pcap.data().size());
    auto b = capture_file::from_bytes(ng.data());
    REQUIRE(b);
    CHECK(b->format() == capture_format::pcapng);
    CHECK(b->next());
    CHECK(b->stats().packets == 1);
}

TEST_CASE("capture_file opens files through a read-only mapping and views stay valid after a move",
          "[capture][capture_file]") {
    test::temp_dir dir;
    test::pcapng_builder ng;
    ng.section().interface(1).enhanced(0, 1, test::frame(20, 9)).enhanced(0, 2, test::frame(20, 10));
    const auto path = dir.write("a.pcapng", ng.data());

    auto f = capture_file::open(path);
    REQUIRE(f);
    CHECK(f->name() == path.string());
    auto p = f->next();
    REQUIRE(p);
    capture_file moved = std::move(f).value();
    CHECK(p->data[0] == std::byte{9});  // still readable: the mapping did not move
    auto q = moved.next();
    REQUIRE(q);
    CHECK(q->data[0] == std::byte{10});
}

TEST_CASE("capture_file reports a file that is neither format", "[capture][capture_file]") {
    test::temp_dir dir;
    test::byte_writer w;
    w.text("GIF89a....");
    const auto path = dir.write("picture.gif", w.data());
    auto f = capture_file::open(path);
    REQUIRE_FALSE(f);
    CHECK(f.error().code() == errc::not_a_capture);
    CHECK(f.error().message().find("picture.gif: not a capture file: it starts with 47494638") != std::string::npos);

    auto empty = capture_file::open(dir.write("empty.pcap", {}));
    REQUIRE_FALSE(empty);
    CHECK(empty.error().code() == errc::not_a_capture);
}
