#include "pktdyn/flow/flow_table.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <vector>

#include "pktdyn/proto/decoder.hpp"
#include "support/packet_builder.hpp"

using namespace pktdyn;
namespace pkt = pktdyn::test::pkt;
using namespace std::chrono_literals;

namespace {
const pkt::v4addr client{10, 0, 0, 9}, server{10, 0, 0, 1};

struct harness {
    decoder dec;
    flow_table<> table;
    std::vector<flow_record> ended;
    std::int64_t clock_ms = 0;

    explicit harness(flow_options o = {.seed = 1}) : table(o) {}

    // One TCP segment at `at_ms`.
    flow_table<>::hit tcp(bool from_client, std::uint16_t flags, std::size_t payload = 0, std::int64_t at_ms = -1,
                          std::uint16_t cport = 40000, std::uint16_t sport = 443) {
        if (at_ms >= 0) clock_ms = at_ms;
        const auto frame = from_client
            ? pkt::ethernet(0x0800, pkt::ipv4(6, client, server, pkt::tcp(cport, sport, test::bytes(payload), {.flags = flags})))
            : pkt::ethernet(0x0800, pkt::ipv4(6, server, client, pkt::tcp(sport, cport, test::bytes(payload), {.flags = flags})));
        return feed(frame);
    }
    flow_table<>::hit feed(const test::bytes& frame) {
        const packet_view p{from_ns(clock_ms * 1'000'000), frame, static_cast<std::uint32_t>(frame.size()),
                            link_type::ethernet, 0};
        return table.update(p.time, dec.decode(p), [&](flow_table<>::entry& e) { ended.push_back(e.record); });
    }
    void flush() { table.flush([&](flow_table<>::entry& e) { ended.push_back(e.record); }); }
};

constexpr std::uint16_t SYN = 0x002, ACK = 0x010, FIN = 0x001, RST = 0x004, PSH = 0x008;
}  // namespace

TEST_CASE("one TCP connection is one flow, FIN, trailing ACK and all", "[flow][flow_table]") {
    harness h;
    CHECK(h.tcp(true, SYN, 0, 0).created);
    h.tcp(false, SYN | ACK, 0, 10);
    h.tcp(true, ACK, 0, 20);
    h.tcp(true, PSH | ACK, 100, 21);
    h.tcp(false, PSH | ACK, 1000, 40);
    h.tcp(true, FIN | ACK, 0, 50);
    h.tcp(false, FIN | ACK, 0, 60);
    CHECK_FALSE(h.tcp(true, ACK, 0, 70).created);  // the last ACK lands in the same flow
    h.tcp(true, ACK, 0, 2000);                      // a late duplicate, within the linger
    CHECK(h.ended.empty());
    h.flush();
    REQUIRE(h.ended.size() == 1);
    const flow_record& r = h.ended[0];
    CHECK(r.ended == end_reason::fin);
    CHECK(r.originator() == ip_address::v4(10, 0, 0, 9));
    CHECK(r.originator_port() == 40000);
    CHECK(r.dir[0].packets == 6);
    CHECK(r.dir[1].packets == 3);
    CHECK(r.dir[0].payload_bytes == 100);
    CHECK(r.dir[1].payload_bytes == 1000);
    CHECK(r.dir[0].flags.syn == 1);
    CHECK(r.dir[1].flags.fin == 1);
    CHECK(r.conn_state() == "SF");
    CHECK(r.history_string() == "ShADdFf");  // the responder sent no pure ACK: no "a"
    CHECK(to_ns(r.last) - to_ns(r.first) == 2'000'000'000);
}

TEST_CASE("a SYN on a closed tuple starts a new flow, after a RST too", "[flow][flow_table]") {
    harness h;
    h.tcp(true, SYN, 0, 0);
    h.tcp(false, RST | ACK, 0, 1);
    const auto again = h.tcp(true, SYN, 0, 100);  // same ports, still inside the linger
    CHECK(again.created);
    REQUIRE(h.ended.size() == 1);
    CHECK(h.ended[0].ended == end_reason::reused);
    CHECK(h.ended[0].conn_state() == "REJ");
    CHECK(h.table.stats().flows == 2);
}

TEST_CASE("keep-alives and midstream packets never split a flow; idle ends it", "[flow][flow_table]") {
    harness h{flow_options{.idle = 60s, .seed = 1}};
    h.tcp(true, ACK, 0, 0);        // midstream: no SYN seen
    h.tcp(false, ACK, 0, 45'000);  // keep-alive 45 s later
    h.tcp(true, ACK, 0, 90'000);
    CHECK(h.table.stats().flows == 1);
    h.tcp(true, ACK, 0, 151'000, 50000);  // another flow, 61 s after the first's last packet
    REQUIRE(h.ended.size() == 1);
    CHECK(h.ended[0].ended == end_reason::idle);
    CHECK(h.ended[0].conn_state() == "OTH");
    CHECK(h.ended[0].originator_port() == 40000);  // no SYN: the higher port is the originator
}

TEST_CASE("a flow longer than the active timeout continues as a new one", "[flow][flow_table]") {
    harness h{flow_options{.idle = 600s, .active = 100s, .seed = 1}};
    for (std::int64_t s = 0; s <= 150; s += 10) h.tcp(true, PSH | ACK, 10, s * 1000);
    h.flush();
    REQUIRE(h.ended.size() == 2);
    CHECK(h.ended[0].ended == end_reason::active_timeout);
    CHECK(h.ended[0].dir[0].packets == 10);
    CHECK(h.ended[1].ended == end_reason::end_of_input);
    CHECK(h.ended[1].dir[0].packets == 6);
}

TEST_CASE("a full table evicts the least recently active flow, and counts it", "[flow][flow_table]") {
    harness h{flow_options{.capacity = 4, .seed = 1}};
    for (std::uint16_t port = 1000; port < 1006; ++port) h.tcp(true, SYN, 0, port, port);
    REQUIRE(h.ended.size() == 2);
    CHECK(h.ended[0].ended == end_reason::evicted);
    CHECK(h.ended[0].originator_port() == 1000);
    CHECK(h.ended[1].originator_port() == 1001);
    CHECK(h.table.stats().ended_by(end_reason::evicted) == 2);
    CHECK(h.table.stats().active == 4);
}

// The core record's table state stays within 256 bytes per flow (docs/flows.md).
static_assert(sizeof(flow_table<>::entry) <= 256);

TEST_CASE("a flood of 10 million random tuples stays in the configured capacity", "[flow][flow_table]") {
    constexpr std::size_t capacity = 1 << 14;
    flow_table<> table{flow_options{.capacity = capacity, .seed = 99}};
    std::mt19937_64 rng(5);
    decoded_packet d;
    d.outer_ip.version = 4;
    d.outer_ip.protocol = 17;
    d.transport = 17;
    d.has_transport = true;
    std::uint64_t ended = 0;
    const std::size_t memory = table.memory_bytes();
    CHECK(memory == capacity * sizeof(flow_table<>::entry) + 2 * capacity * 8);
    CHECK(table.peak_flows() == 0);
    CHECK(table.touched_bytes() == 1024 * 8);  // only the first part of the index until flows arrive
    for (std::uint64_t i = 0; i < 10'000'000; ++i) {
        const std::uint64_t r = rng();
        d.outer_ip.source = ip_address::v4(10, static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(r >> 8),
                                           static_cast<std::uint8_t>(r >> 16));
        d.outer_ip.destination = ip_address::v4(192, 168, static_cast<std::uint8_t>(r >> 24), 1);
        d.source_port = static_cast<std::uint16_t>(r >> 32);
        d.destination_port = 53;
        (void)table.update(from_ns(static_cast<std::int64_t>(i)), d, [&](auto&) { ++ended; });
    }
    CHECK(table.capacity() == capacity);
    CHECK(table.memory_bytes() == memory);  // nothing grew
    CHECK(table.peak_flows() == capacity);
    CHECK(table.touched_bytes() == memory);
    CHECK(table.stats().active == capacity);
    CHECK(table.stats().flows == ended + table.stats().active);
    CHECK(table.stats().ended_by(end_reason::evicted) == ended);
    CHECK(table.stats().flows > 9'900'000);  // nearly all random tuples are new
}
