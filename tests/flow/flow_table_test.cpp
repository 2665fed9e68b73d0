#include "pktdyn/flow/flow_table.hpp"

#include <catch2/catch.hpp>
#include <algorithm>
#include <array>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

#include "pktdyn/flow/tcp_tracker.hpp"
#include "pktdyn/proto/decoder.hpp"
#include "support/packet_builder.hpp"

using namespace pktdyn;
namespace pkt = pktdyn::test::pkt;
using namespace std::chrono_literals;

namespace {
const pkt::v4addr client{10, 0, 0, 9}, server{10, 0, 0, 1};

template <class State = no_state>
struct basic_harness {
    using table_type = flow_table<State>;
    decoder dec;
    table_type table;
    std::vector<flow_record> ended;
    std::int64_t clock_ms = 0;

    explicit basic_harness(flow_options o = {.seed = 1}) : table(o) {}

    // One TCP segment at `at_ms` (any time: negative ones too, with `at` set).
    typename table_type::hit tcp(bool from_client, std::uint16_t flags, std::size_t payload = 0, std::int64_t at_ms = -1,
                                 std::uint16_t cport = 40000, std::uint16_t sport = 443, pkt::tcp_opts o = {}) {
        if (at_ms >= 0) clock_ms = at_ms;
        o.flags = flags;
        const auto frame = from_client
            ? pkt::ethernet(0x0800, pkt::ipv4(6, client, server, pkt::tcp(cport, sport, test::bytes(payload), o)))
            : pkt::ethernet(0x0800, pkt::ipv4(6, server, client, pkt::tcp(sport, cport, test::bytes(payload), o)));
        return feed(frame);
    }
    typename table_type::hit feed(const test::bytes& frame) { return feed_at(from_ns(clock_ms * 1'000'000), frame); }
    typename table_type::hit feed_at(timestamp t, const test::bytes& frame) {
        const packet_view p{t, frame, static_cast<std::uint32_t>(frame.size()), link_type::ethernet, 0};
        return table.update(p.time, dec.decode(p), [&](typename table_type::entry& e) { ended.push_back(e.record); });
    }
    void flush() { table.flush([&](typename table_type::entry& e) { ended.push_back(e.record); }); }
};
using harness = basic_harness<>;

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

namespace {
// What a test compares of a record: everything but the end reason of a flow still open at the end.
auto summary(const flow_record& r) {
    return std::tuple{r.originator_port(), to_ns(r.first), to_ns(r.last), r.dir[0].packets, r.dir[1].packets,
                      std::string(r.history_string()), r.ended};
}
// Connections on four ports in 2005: two split by an idle gap, one closed by FIN, one left open.
void year_2005(harness& h) {
    const std::int64_t t0 = 1'104'537'600'000;  // 2005-01-01, in ms
    for (const std::uint16_t port : std::array<std::uint16_t, 4>{40001, 40002, 40003, 40004}) {
        h.tcp(true, SYN, 0, t0 + port, port);
        h.tcp(false, SYN | ACK, 0, t0 + port + 1, port);
        h.tcp(true, PSH | ACK, 10, t0 + port + 2, port);
    }
    h.tcp(true, FIN | ACK, 0, t0 + 50'000, 40003);
    h.tcp(false, FIN | ACK, 0, t0 + 50'001, 40003);
    // 200 s later (idle is 120 s): the first two connections continue as new flows.
    h.tcp(true, PSH | ACK, 10, t0 + 240'000, 40001);
    h.tcp(true, PSH | ACK, 10, t0 + 250'000, 40002);
    h.tcp(true, PSH | ACK, 10, t0 + 260'000, 40004);
}
}  // namespace

TEST_CASE("time stepping back: flows of the earlier time split exactly as they do alone", "[flow][flow_table]") {
    harness alone;
    year_2005(alone);
    const std::size_t ended_before_flush = alone.ended.size();
    alone.flush();

    harness merged;  // a one-packet capture from 2015 in front, as mergecap -a makes it
    merged.tcp(true, SYN, 0, 1'420'070'400'000, 50000);
    year_2005(merged);
    // The same flows ended while packets came (not held back by the 2015 flow until the end)...
    REQUIRE(merged.ended.size() == ended_before_flush);
    merged.flush();
    // ... and the same records, in the same order, besides the 2015 flow (ended at the end of input).
    const auto prefix = std::find_if(merged.ended.begin(), merged.ended.end(),
                                     [](const flow_record& r) { return r.originator_port() == 50000; });
    REQUIRE(prefix != merged.ended.end());
    CHECK(prefix->ended == end_reason::end_of_input);
    merged.ended.erase(prefix);
    REQUIRE(merged.ended.size() == alone.ended.size());
    for (std::size_t i = 0; i < alone.ended.size(); ++i) CHECK(summary(merged.ended[i]) == summary(alone.ended[i]));
    CHECK(merged.table.stats().backward_steps == 1);  // the step to 2005, once
    CHECK(alone.table.stats().backward_steps == 0);
    CHECK(merged.table.stats().ended_by(end_reason::idle) == alone.table.stats().ended_by(end_reason::idle));
}

TEST_CASE("a packet idle-far from its flow's latest packet, before or after it, starts a new flow", "[flow][flow_table]") {
    harness h{flow_options{.idle = 60s, .seed = 1}};
    h.tcp(true, PSH | ACK, 10, 1'000'000);
    h.tcp(true, PSH | ACK, 10, 1'000'000 - 59'000);  // 59 s earlier: the same flow
    CHECK(h.table.stats().flows == 1);
    h.tcp(true, PSH | ACK, 10, 1'000'000 - 61'000);  // 61 s before its latest: not the same connection
    REQUIRE(h.ended.size() == 1);
    CHECK(h.ended[0].ended == end_reason::idle);
    CHECK(h.ended[0].dir[0].packets == 2);
    CHECK(to_ns(h.ended[0].first) == (1'000'000 - 59'000) * 1'000'000LL);  // first and last are earliest and latest
    CHECK(to_ns(h.ended[0].last) == 1'000'000 * 1'000'000LL);
    CHECK(h.ended[0].length() == 59s);
}

TEST_CASE("a stray packet from another time neither ends nor holds back the others", "[flow][flow_table]") {
    harness h{flow_options{.idle = 10s, .seed = 1}};
    const std::int64_t t0 = 1'600'000'000'000;
    for (std::int64_t s = 0; s < 8; ++s) h.tcp(true, PSH | ACK, 10, t0 + s * 1000, 40000);
    h.tcp(true, PSH | ACK, 10, 1000, 41000);  // a packet stamped 1970, in the middle
    for (std::int64_t s = 8; s < 12; ++s) h.tcp(true, PSH | ACK, 10, t0 + s * 1000, 40000);
    h.tcp(true, PSH | ACK, 10, t0 + 40'000, 42000);  // 28 s later: the first flow is idle now
    REQUIRE(h.ended.size() == 2);  // the 1970 flow and the first one, each once
    CHECK(h.ended[0].originator_port() == 41000);
    CHECK(h.ended[1].originator_port() == 40000);
    CHECK(h.ended[1].dir[0].packets == 12);
    CHECK(h.ended[1].ended == end_reason::idle);
    CHECK(h.table.stats().backward_steps == 1);
}

TEST_CASE("any 64-bit timestamp is safe: times are clamped to pktdyn's range", "[flow][flow_table]") {
    basic_harness<tcp_tracker> h{flow_options{.idle = 1s, .active = 5s, .seed = 1}};
    const auto frame = pkt::ethernet(0x0800, pkt::ipv4(6, client, server, pkt::tcp(40000, 443, test::bytes(10), {.flags = ACK})));
    const auto reply = pkt::ethernet(0x0800, pkt::ipv4(6, server, client, pkt::tcp(443, 40000, {}, {.seq = 7, .ack = 1010, .flags = ACK})));
    for (std::int64_t t : {std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min(), std::int64_t{0},
                           std::numeric_limits<std::int64_t>::max() - 1, std::numeric_limits<std::int64_t>::min() + 1}) {
        h.feed_at(from_ns(t), frame);
        h.feed_at(from_ns(t), reply);
    }
    h.flush();
    for (const auto& r : h.ended) {
        CHECK(r.first >= earliest_time);
        CHECK(r.last <= latest_time);
        CHECK(r.length() >= 0s);
    }
    CHECK(h.ended.size() == 5);  // each time is 2^62 ns from the one before it: five flows
}

TEST_CASE("a RST answered by a new handshake neither rejects nor ends the connection", "[flow][flow_table]") {
    // SYN refused by RST, the same SYN (same ISN) retried and accepted, data for minutes with quiet
    // gaps longer than the linger: one connection, as tshark keeps one tcp.stream.
    basic_harness<tcp_tracker> h{flow_options{.seed = 1}};
    h.tcp(true, SYN, 0, 0, 40000, 443, {.seq = 1000});
    h.tcp(false, RST | ACK, 0, 1, 40000, 443, {.seq = 0, .ack = 1001});
    h.tcp(true, SYN, 0, 1000, 40000, 443, {.seq = 1000});
    h.tcp(false, SYN | ACK, 0, 1010, 40000, 443, {.seq = 5000, .ack = 1001});
    h.tcp(true, ACK, 0, 1020, 40000, 443, {.seq = 1001, .ack = 5001});
    std::uint32_t seq = 1001;
    for (std::int64_t s = 2; s < 200; s += 30) {  // a request every 30 s (linger: 5 s)
        h.tcp(true, PSH | ACK, 100, s * 1000, 40000, 443, {.seq = seq, .ack = 5001});
        seq += 100;
        h.tcp(false, ACK, 0, s * 1000 + 10, 40000, 443, {.seq = 5001, .ack = seq});
    }
    CHECK(h.ended.empty());
    h.flush();
    REQUIRE(h.ended.size() == 1);
    const flow_record& r = h.ended[0];
    CHECK(r.ended == end_reason::end_of_input);
    CHECK(r.conn_state() == "S1");
    CHECK(r.history_string() == "SrhADa");
    CHECK(r.dir[0].packets == 10);
}

TEST_CASE("a TCP header with a bad data offset stays in its connection", "[flow][flow_table]") {
    basic_harness<tcp_tracker> h;
    h.tcp(true, SYN, 0, 0);
    h.tcp(false, SYN | ACK, 0, 1);
    const auto hit = h.tcp(true, SYN, 4, 2, 40000, 443, {.data_offset_words = 3});  // flags not trusted: no new SYN
    CHECK_FALSE(hit.created);
    CHECK(h.dec.stats().by_issue[static_cast<std::size_t>(decode_issue::tcp_bad_offset)] == 1);
    CHECK(h.dec.stats().by_status[static_cast<std::size_t>(decode_status::malformed)] == 1);
    h.flush();
    REQUIRE(h.ended.size() == 1);
    CHECK(h.ended[0].dir[0].packets == 2);
    CHECK(h.ended[0].dir[0].flags.syn == 1);
    CHECK(h.ended[0].history_string() == "Sh");
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
