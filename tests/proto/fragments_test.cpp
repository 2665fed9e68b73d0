#include "pktdyn/proto/fragments.hpp"

#include <catch2/catch.hpp>

#include "pktdyn/proto/decoder.hpp"
#include "support/packet_builder.hpp"

using namespace pktdyn;
namespace pkt = pktdyn::test::pkt;

namespace {
const pkt::v4addr a{10, 0, 0, 1}, b{10, 0, 0, 2};

// A 1008-byte UDP datagram (8-byte header, 1000 bytes of payload numbered 0..255) in three
// fragments: bytes 0-399, 400-799, 800-1007 of the IP payload.
std::vector<test::bytes> fragments(std::uint16_t id) {
    test::bytes payload(1000);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::byte>(i & 0xFF);
    const test::bytes datagram = pkt::udp(5353, 53, payload);
    std::vector<test::bytes> out;
    for (const std::uint16_t off : {std::uint16_t{0}, std::uint16_t{400}, std::uint16_t{800}}) {
        const std::size_t len = off == 800 ? datagram.size() - 800 : 400;
        const test::bytes part(datagram.begin() + off, datagram.begin() + off + static_cast<std::ptrdiff_t>(len));
        out.push_back(pkt::ethernet(0x0800, pkt::ipv4(17, a, b, part, {.id = id, .fragment_offset = off, .more_fragments = off != 800})));
    }
    return out;
}

struct runner {
    decoder dec;
    fragment_tracker tracker;
    fragment_result feed(const test::bytes& frame, std::int64_t t_ns = 0) {
        const packet_view p{from_ns(t_ns), frame, static_cast<std::uint32_t>(frame.size()), link_type::ethernet, 0};
        return tracker.track(p.time, dec.decode(p), p.data);
    }
};
}  // namespace

TEST_CASE("later fragments are attributed to the ports of their first fragment", "[proto][fragments]") {
    runner r;
    const auto f = fragments(7);
    const auto first = r.feed(f[0]);
    CHECK(first.fragment);
    CHECK(first.attributed);
    CHECK(first.source_port == 5353);
    const auto middle = r.feed(f[1]);
    CHECK(middle.attributed);
    CHECK(middle.destination_port == 53);
    const auto last = r.feed(f[2]);
    CHECK(last.attributed);
    CHECK(last.complete);
    CHECK(last.datagram.empty());  // reassembly was not asked for
    CHECK(r.tracker.stats().fragments == 3);
    CHECK(r.tracker.stats().completed == 1);

    const auto unfragmented = r.feed(pkt::ethernet(0x0800, pkt::ipv4(17, a, b, pkt::udp(1, 2, {}))));
    CHECK_FALSE(unfragmented.fragment);
}

TEST_CASE("reassembly rebuilds the UDP datagram from fragments in any order", "[proto][fragments]") {
    runner r{decoder{}, fragment_tracker{fragment_options{.reassemble = true}}};
    const auto f = fragments(9);
    CHECK_FALSE(r.feed(f[2]).attributed);  // the last fragment first: no ports yet
    CHECK_FALSE(r.feed(f[1]).complete);
    const auto done = r.feed(f[0]);
    REQUIRE(done.complete);
    REQUIRE(done.datagram.size() == 1008);
    CHECK(done.attributed);
    CHECK(done.source_port == 5353);
    CHECK(std::to_integer<int>(done.datagram[8 + 999]) == 999 % 256);
    CHECK(r.tracker.stats().reassembled == 1);
}

TEST_CASE("fragment entries time out and the table evicts, counting both", "[proto][fragments]") {
    runner r{decoder{}, fragment_tracker{fragment_options{.capacity = 8}}};
    r.feed(fragments(1)[0], 0);
    const auto late = r.feed(fragments(1)[1], 31'000'000'000);  // 31 s later: past the 30 s timeout
    CHECK_FALSE(late.attributed);
    CHECK(r.tracker.stats().timed_out == 1);
    for (std::uint16_t id = 100; id < 200; ++id) r.feed(fragments(id)[0], 32'000'000'000 + id);
    CHECK(r.tracker.stats().evicted > 0);
    CHECK(r.tracker.stats().fragments == 102);
}
