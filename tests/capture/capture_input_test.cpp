#include "pktdyn/capture/capture_input.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "pktdyn/capture/capture_file.hpp"
#include "support/capture_builder.hpp"
#include "support/temp_dir.hpp"

using namespace pktdyn;

namespace {
struct seen {
    std::int64_t ns;
    std::vector<std::byte> data;
    bool operator==(const seen&) const = default;
};

std::vector<seen> read_all(capture_file& f) {
    std::vector<seen> out;
    while (auto p = f.next()) out.push_back({to_ns(p->time), {p->data.begin(), p->data.end()}});
    return out;
}
}  // namespace

TEST_CASE("a streamed input refills across chunk boundaries and reports file offsets", "[capture][capture_input]") {
    test::temp_dir dir;
    const auto path = dir.write("bytes.bin", test::frame(10000));
    auto in = capture_input::stream(path, 4096);
    REQUIRE(in);
    CHECK(in->streaming());
    CHECK(in->want(100));
    in->in().skip(4000);
    CHECK(in->offset() == 4000);
    REQUIRE(in->want(5000));  // spans a refill; the unread bytes move to the front of the buffer
    CHECK(in->offset() == 4000);
    CHECK(in->in().u8() == static_cast<std::uint8_t>(4000 % 256));
    in->in().skip(4999);
    CHECK(in->want(1000));
    CHECK_FALSE(in->want(1002));  // 10000 - 9000 bytes are left
    CHECK(in->in().remaining() == 1000);
}

TEST_CASE("streaming and mapping deliver the same packets, errors and offsets", "[capture][capture_input]") {
    test::temp_dir dir;
    test::pcap_builder pcap;
    test::pcapng_builder ng;
    ng.section().interface(1);
    for (std::uint32_t i = 0; i < 50; ++i) {
        // sizes up to 9000 bytes: several records are larger than the 4 KiB chunk
        const auto f = test::frame(60 + (i * 977) % 9000, static_cast<std::uint8_t>(i));
        pcap.packet(i, i, f);
        ng.enhanced(0, i, f);
    }
    auto cut = pcap.data();
    cut.resize(cut.size() - 100);
    for (const auto& [name, bytes] : {std::pair{"a.pcap", pcap.data()}, std::pair{"b.pcapng", ng.data()},
                                      std::pair{"cut.pcap", cut}}) {
        const auto path = dir.write(name, bytes);
        auto mapped = capture_file::open(path);
        auto streamed = capture_file::open(path, reader_options{.access = access_mode::stream, .stream_chunk = 4096});
        REQUIRE(mapped);
        REQUIRE(streamed);
        CHECK(read_all(*mapped) == read_all(*streamed));
        CHECK(mapped->stats().packets == streamed->stats().packets);
        REQUIRE(mapped->error().has_value() == streamed->error().has_value());
        if (mapped->error()) CHECK(mapped->error()->message() == streamed->error()->message());
    }
}

TEST_CASE("a streamed file that cannot be opened names itself", "[capture][capture_input]") {
    auto in = capture_input::stream("/nonexistent/file.pcap", 4096);
    REQUIRE_FALSE(in);
    CHECK(in.error().message().find("/nonexistent/file.pcap") != std::string::npos);
}
