#include "pktdyn/capture/capture_set.hpp"

#include <catch2/catch.hpp>

#include "pktdyn/core/concepts.hpp"
#include <sys/resource.h>
#include <vector>

#include "support/capture_builder.hpp"
#include "support/temp_dir.hpp"

using namespace pktdyn;

static_assert(reporting_packet_source<capture_set>);

namespace {
std::vector<std::int64_t> times(capture_set& s, std::vector<std::size_t>* files = nullptr) {
    std::vector<std::int64_t> t;
    while (auto p = s.next()) {
        t.push_back(to_ns(p->time));
        if (files) files->push_back(s.current_file());
    }
    return t;
}
}  // namespace

TEST_CASE("several files read as one stream ordered by time, ties in file order", "[capture][capture_set]") {
    test::temp_dir dir;
    test::pcap_builder a;
    a.packet(1, 0, test::frame(10)).packet(3, 0, test::frame(10)).packet(5, 0, test::frame(10));
    test::pcapng_builder b;
    b.section().interface(1).enhanced(0, 2'000'000, test::frame(10)).enhanced(0, 3'000'000, test::frame(10));
    const auto pa = dir.write("b-second.pcap", a.data());  // name order differs from argument order
    const auto pb = dir.write("a-first.pcapng", b.data());

    auto s = capture_set::open({pa, pb});
    REQUIRE(s);
    std::vector<std::size_t> files;
    CHECK(times(*s, &files) == std::vector<std::int64_t>{1'000'000'000, 2'000'000'000, 3'000'000'000,
                                                          3'000'000'000, 5'000'000'000});
    CHECK(files == std::vector<std::size_t>{0, 1, 0, 1, 0});  // the tie at 3 s goes to the first file given
    CHECK(s->stats().packets == 5);
    CHECK(s->bytes_read() == a.data().size() + b.data().size());
    CHECK_FALSE(s->error());
}

TEST_CASE("a directory is read in name order, skipping files that are not captures", "[capture][capture_set]") {
    test::temp_dir dir;
    test::pcap_builder a;
    a.packet(7, 0, test::frame(10));
    test::pcap_builder b;
    b.packet(7, 0, test::frame(10));
    dir.write("z.pcap", a.data());
    dir.write("m.pcap", b.data());
    test::byte_writer readme;
    readme.text("these are captures");
    dir.write("README.txt", readme.data());
    dir.write("sub/deeper.pcap", a.data());

    auto s = capture_set::open_directory(dir.path());
    REQUIRE(s);
    REQUIRE(s->file_count() == 2);
    CHECK(s->file_path(0).filename() == "m.pcap");
    CHECK(s->stats().skipped_of(skip_reason::not_a_capture) == 1);
    REQUIRE(s->skipped_files().size() == 1);
    CHECK(s->skipped_files()[0].filename() == "README.txt");
    CHECK(times(*s).size() == 2);

    auto deep = capture_set::open_directory(dir.path(), {}, true);
    REQUIRE(deep);
    CHECK(deep->file_count() == 3);
}

TEST_CASE("a truncated file ends only its own part of the stream", "[capture][capture_set]") {
    test::temp_dir dir;
    test::pcap_builder a;
    a.packet(1, 0, test::frame(10)).packet(4, 0, test::frame(10));
    auto cut = a.data();
    cut.resize(cut.size() - 3);
    test::pcap_builder b;
    b.packet(2, 0, test::frame(10)).packet(6, 0, test::frame(10));
    auto s = capture_set::open({dir.write("cut.pcap", cut), dir.write("whole.pcap", b.data())});
    REQUIRE(s);
    CHECK(times(*s) == std::vector<std::int64_t>{1'000'000'000, 2'000'000'000, 6'000'000'000});
    REQUIRE(s->error());
    CHECK(s->error()->code() == errc::truncated);
    CHECK(s->errors().size() == 1);
}

TEST_CASE("a listed file that cannot be opened fails the whole set, naming it", "[capture][capture_set]") {
    auto s = capture_set::open({"/nonexistent.pcap"});
    REQUIRE_FALSE(s);
    CHECK(s.error().message().find("/nonexistent.pcap") != std::string::npos);
    auto d = capture_set::open_directory("/nonexistent-dir");
    REQUIRE_FALSE(d);
    CHECK(d.error().code() == errc::io_error);
}

TEST_CASE("open() takes files and directories together", "[capture][capture_set]") {
    test::temp_dir dir;
    test::pcap_builder a;
    a.packet(1, 0, test::frame(10));
    const auto file = dir.write("one.pcap", a.data());
    dir.write("more/two.pcap", a.data());
    dir.write("more/deeper/three.pcap", a.data());
    test::byte_writer notes;
    notes.text("not a capture");
    dir.write("more/notes.txt", notes.data());
    auto s = capture_set::open({file, dir.path() / "more"});
    REQUIRE(s);
    CHECK(s->file_count() == 3);
    CHECK(s->stats().skipped_of(skip_reason::not_a_capture) == 1);
}

TEST_CASE("files are opened as the stream reaches them: thousands read under a low open-file limit",
          "[capture][capture_set]") {
    test::temp_dir dir;
    // 1,500 rotated captures, one second each, plus two that overlap everything.
    for (int i = 0; i < 1500; ++i) {
        test::pcap_builder b;
        b.packet(static_cast<std::uint32_t>(10 + i), 0, test::frame(10)).packet(static_cast<std::uint32_t>(10 + i), 500'000, test::frame(10));
        dir.write(fmt::format("rotated-{:04}.pcap", i), b.data());
    }
    test::pcap_builder wide;
    wide.packet(5, 0, test::frame(10)).packet(5000, 0, test::frame(10));
    dir.write("wide-a.pcap", wide.data());
    dir.write("wide-b.pcap", wide.data());

    rlimit old{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
    rlimit low = old;
    low.rlim_cur = 64;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    for (const auto mode : {access_mode::stream, access_mode::map}) {
        auto s = capture_set::open_directory(dir.path(), {.access = mode});
        REQUIRE(s);
        CHECK(s->file_count() == 1502);
        const auto t = times(*s);
        CHECK(t.size() == 3004);
        CHECK(std::is_sorted(t.begin(), t.end()));
        CHECK_FALSE(s->error());
        CHECK(s->stats().packets == 3004);
        CHECK(s->bytes_read() == s->total_bytes());
    }
    setrlimit(RLIMIT_NOFILE, &old);
}

TEST_CASE("a capture in a directory that cannot be read is listed, the others still read", "[capture][capture_set]") {
    test::temp_dir dir;
    test::pcap_builder a;
    a.packet(1, 0, test::frame(10)).packet(2, 0, test::frame(10));
    dir.write("good.pcap", a.data());
    test::byte_writer cut;
    cut.u32(0x0A0D0D0A).u32(28);  // a pcapng cut inside its section header
    dir.write("cut.pcapng", cut.data());
    auto s = capture_set::open_directory(dir.path());
    REQUIRE(s);
    CHECK(times(*s).size() == 2);
    REQUIRE(s->errors().size() == 1);
    CHECK(s->errors()[0].code() == errc::truncated);
    CHECK_THAT(s->errors()[0].message(), Catch::Contains("cut.pcapng"));
}
