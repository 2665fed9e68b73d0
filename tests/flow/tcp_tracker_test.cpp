#include "pktdyn/flow/tcp_tracker.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <random>

#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/flow/flow_table.hpp"
#include "pktdyn/proto/decoder.hpp"
#include "support/packet_builder.hpp"

using namespace pktdyn;
namespace pkt = pktdyn::test::pkt;
using namespace std::chrono_literals;

namespace {
constexpr std::uint16_t SYN = 0x002, ACK = 0x010, PSH = 0x008, RST = 0x004;

// Feeds hand-made segments of one connection (client 10.0.0.9:40000, server 10.0.0.1:443).
struct connection {
    decoder dec;
    tcp_tracker t;

    void seg(bool from_client, std::int64_t at_us, std::uint32_t seq, std::uint32_t ack, std::uint16_t flags,
             std::size_t payload = 0, std::uint16_t window = 1000, test::bytes options = {}) {
        const pkt::v4addr c{10, 0, 0, 9}, s{10, 0, 0, 1};
        const auto body = pkt::tcp(from_client ? 40000 : 443, from_client ? 443 : 40000, test::bytes(payload),
                                   {.seq = seq, .ack = ack, .flags = flags, .window = window, .options = std::move(options)});
        const auto frame = pkt::ethernet(0x0800, pkt::ipv4(6, from_client ? c : s, from_client ? s : c, body));
        // Times start at 1 s: a timestamp of 0 means "not seen" in the tracker, as in Wireshark.
        const packet_view p{from_ns(1'000'000'000 + at_us * 1000), frame, static_cast<std::uint32_t>(frame.size()), link_type::ethernet, 0};
        t.update(dec.decode(p), p.time, from_client);
    }
};
}  // namespace

TEST_CASE("handshake timing: both halves of the path and the initial RTT", "[flow][tcp_tracker]") {
    connection c;
    c.seg(true, 0, 100, 0, SYN);
    c.seg(false, 20'000, 500, 101, SYN | ACK);
    c.seg(true, 21'000, 101, 501, ACK);
    c.seg(true, 22'000, 101, 501, PSH | ACK, 300);    // request
    c.seg(false, 52'000, 501, 401, PSH | ACK, 1000);  // response 30 ms later
    CHECK(c.t.syn_to_syn_ack() == 20ms);
    CHECK(c.t.syn_ack_to_ack() == 1ms);
    CHECK(c.t.initial_rtt == 21ms);
    CHECK(c.t.response_time() == 30ms);
    // The client's RTT samples: its SYN (acknowledged by the SYN-ACK) and its request (by the response).
    CHECK(c.t.metrics[0].rtt.count == 2);
    CHECK(c.t.metrics[0].rtt.min == 20ms);
    CHECK(c.t.metrics[0].rtt.last == 30ms);
    CHECK(c.t.metrics[1].rtt.count == 1);  // the server's SYN-ACK, acknowledged 1 ms later
    CHECK(c.t.metrics[1].rtt.last == 1ms);
}

TEST_CASE("retransmissions are counted and never give an RTT sample (Karn)", "[flow][tcp_tracker]") {
    connection c;
    c.seg(true, 0, 100, 0, SYN);
    c.seg(false, 10'000, 500, 101, SYN | ACK);
    c.seg(true, 11'000, 101, 501, ACK);
    c.seg(true, 12'000, 101, 501, PSH | ACK, 100);
    c.seg(true, 312'000, 101, 501, PSH | ACK, 100);   // timeout: the same bytes again
    c.seg(false, 322'000, 501, 201, ACK);             // acknowledges them
    CHECK(c.t.metrics[0].retransmissions == 1);
    CHECK(c.t.metrics[0].retransmitted_bytes == 100);
    CHECK(c.t.metrics[0].rtt.count == 1);             // the SYN's only: which data copy was acknowledged?
    c.seg(true, 330'000, 201, 501, PSH | ACK, 100);   // fresh data
    c.seg(false, 340'000, 501, 301, ACK);
    CHECK(c.t.metrics[0].rtt.count == 2);
    CHECK(c.t.metrics[0].rtt.last == 10ms);
}

TEST_CASE("three duplicate ACKs then the missing segment: a fast retransmission", "[flow][tcp_tracker]") {
    connection c;
    c.seg(true, 0, 100, 0, SYN);
    c.seg(false, 1'000, 500, 101, SYN | ACK);
    c.seg(true, 2'000, 101, 501, ACK);
    c.seg(true, 3'000, 101, 501, ACK, 100);  // lost on its way (the capture saw it)
    c.seg(true, 3'100, 201, 501, ACK, 100);
    c.seg(false, 4'000, 501, 101, ACK);      // repeats the SYN-ACK's ACK: Wireshark's first dup
    c.seg(false, 4'100, 501, 101, ACK);
    c.seg(false, 4'200, 501, 101, ACK);
    c.seg(false, 4'300, 501, 101, ACK);
    c.seg(true, 5'000, 101, 501, ACK, 100);  // within 20 ms of the last dup ACK
    CHECK(c.t.metrics[1].duplicate_acks == 4);
    CHECK(c.t.metrics[0].fast_retransmissions == 1);
    CHECK(c.t.metrics[0].retransmissions == 1);
}

TEST_CASE("zero windows are counted and timed", "[flow][tcp_tracker]") {
    connection c;
    c.seg(true, 0, 100, 0, SYN);
    c.seg(false, 1'000, 500, 101, SYN | ACK);
    c.seg(true, 2'000, 101, 501, ACK);
    c.seg(false, 10'000, 501, 101, ACK, 0, 0);         // window 0
    c.seg(false, 60'000, 501, 101, ACK, 0, 0);         // still 0
    c.seg(false, 110'000, 501, 101, ACK, 0, 2000);     // opens again after 100 ms
    CHECK(c.t.metrics[1].zero_windows == 2);
    CHECK(c.t.metrics[1].zero_window_time == 100ms);
    CHECK(c.t.metrics[1].window_min == 0);
}

TEST_CASE("timestamp echoes: one sample per TSval, timed from its first sending", "[flow][tcp_tracker]") {
    const auto ts = [](std::uint32_t value, std::uint32_t echo) {
        test::bytes o{std::byte{1}, std::byte{1}, std::byte{8}, std::byte{10}};
        for (std::uint32_t v : {value, echo})
            for (int shift = 24; shift >= 0; shift -= 8) o.push_back(static_cast<std::byte>(v >> shift));
        return o;
    };
    connection c;
    c.seg(true, 0, 101, 501, ACK, 100, 1000, ts(7, 70));
    c.seg(true, 2'000, 201, 501, ACK, 100, 1000, ts(7, 70));   // the same TSval again: keeps the first time
    c.seg(false, 30'000, 501, 301, ACK, 0, 1000, ts(80, 7));   // echoes 7: 30 ms after it first left
    c.seg(false, 31'000, 501, 301, ACK, 0, 1000, ts(80, 7));   // the same echo again: no new sample
    c.seg(true, 40'000, 301, 501, ACK, 100, 1000, ts(8, 80));  // the client echoes 80: 10 ms
    c.seg(false, 70'000, 501, 401, ACK, 0, 1000, ts(81, 8));   // echoes 8: 30 ms
    CHECK(c.t.metrics[0].ts_rtt.count == 2);
    CHECK(c.t.metrics[0].ts_rtt.min == 30ms);
    CHECK(c.t.metrics[0].ts_rtt.max == 30ms);
    CHECK(c.t.metrics[1].ts_rtt.count == 1);
    CHECK(c.t.metrics[1].ts_rtt.last == 10ms);
}

TEST_CASE("rtt summaries give min, mean, max and a p95 within their bound", "[flow][tcp_tracker]") {
    rtt_summary s;
    for (int ms = 1; ms <= 100; ++ms) s.add(std::chrono::milliseconds(ms));
    CHECK(s.count == 100);
    CHECK(s.min == 1ms);
    CHECK(s.max == 100ms);
    CHECK(s.mean() == std::chrono::microseconds(50'500));
    const double p95 = to_seconds(s.p95()) * 1000;
    CHECK(p95 >= 95 * 0.91);
    CHECK(p95 <= 95 * 1.09);
}

TEST_CASE("an rtt summary keeps its p95 past 65535 samples in one bin", "[flow][tcp_tracker]") {
    rtt_summary s;
    for (int i = 0; i < 2'000'000; ++i) s.add(i % 100 == 99 ? 50ms : 10ms);  // 1% at 50 ms
    CHECK(s.count == 2'000'000);
    const double p95 = to_seconds(s.p95()) * 1000;  // a saturated 10 ms bin would make it 50 ms
    CHECK(p95 >= 10 * 0.91);
    CHECK(p95 <= 10 * 1.09);
}

TEST_CASE("an rtt summary's bin is floor(4 log2(d / 16 us)) without a logarithm", "[flow][tcp_tracker]") {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> exponent(-2.0, 17.0);  // 4 µs to 2 s
    for (int i = 0; i < 100'000; ++i) {
        const auto d = duration{static_cast<std::int64_t>(16'000.0 * std::exp2(exponent(rng)))};
        const double exact = 4.0 * std::log2(static_cast<double>(d.count()) / 16'000.0);
        if (std::abs(exact - std::round(exact)) < 1e-9) continue;  // on a boundary: either side is right
        const auto expected = static_cast<std::size_t>(std::clamp(std::floor(exact), 0.0, 63.0));
        REQUIRE(rtt_summary::bin(d) == expected);
    }
    CHECK(rtt_summary::bin(duration{0}) == 0);
    CHECK(rtt_summary::bin(std::chrono::hours(1)) == 63);
}

// The project's own recordings (data/captures): the emulator's configured delay, loss and
// reordering are the ground truth.
namespace {
struct recording_result {
    std::vector<tcp_tracker> flows;
};
recording_result track(const std::string& name) {
    auto f = capture_file::open(std::string(PKTDYN_SOURCE_DIR) + "/data/captures/" + name);
    REQUIRE(f);
    decoder dec;
    flow_table<tcp_tracker> table{flow_options{.seed = 3}};
    recording_result out;
    const auto on_end = [&](flow_table<tcp_tracker>::entry& e) {
        if (e.record.key.protocol == ip_protocol::tcp) out.flows.push_back(e.state);
    };
    decoded_packet d;
    while (auto p = f->next()) {
        dec.decode(*p, d);
        (void)table.update(p->time, d, on_end);
    }
    table.flush(on_end);
    return out;
}
std::uint64_t total(const recording_result& r, std::uint32_t tcp_direction_metrics::*field) {
    std::uint64_t n = 0;
    for (const auto& t : r.flows)
        for (const auto& m : t.metrics) n += m.*field;
    return n;
}
}  // namespace

TEST_CASE("recorded RTT matches the configured path delay within 5 % or 1 ms", "[flow][tcp_tracker][netem]") {
    // rtt20-mixed: 10 ms each way; rtt40-loss3: 20 ms each way (sidecar JSON files).
    for (const auto& [name, rtt_ms] : {std::pair{"rtt20-mixed.pcapng", 20.0}, std::pair{"rtt40-loss3.pcapng", 40.0}}) {
        const auto r = track(name);
        REQUIRE(r.flows.size() >= 3);
        const double tolerance = std::max(1.0, 0.05 * rtt_ms);
        for (const auto& t : r.flows) {
            INFO(name << ": SYN → SYN-ACK " << to_seconds(t.syn_to_syn_ack()) * 1000 << " ms");
            if (t.syn_ack_time == timestamp{}) continue;
            // Captured at the client: SYN → SYN-ACK is the whole round trip.
            CHECK(std::abs(to_seconds(t.syn_to_syn_ack()) * 1000 - rtt_ms) <= tolerance);
            // All through the connection: the client's smallest data → ACK sample (delayed ACKs only
            // add). The server's samples measure only the client's side of the capture point.
            const auto& client = t.metrics[0];
            if (client.rtt.count) CHECK(std::abs(to_seconds(client.rtt.min) * 1000 - rtt_ms) <= tolerance);
            if (client.ts_rtt.count) CHECK(std::abs(to_seconds(client.ts_rtt.min) * 1000 - rtt_ms) <= tolerance);
        }
    }
}

TEST_CASE("retransmissions appear where loss was configured, reordering where it was", "[flow][tcp_tracker][netem]") {
    const auto clean = track("rtt20-mixed.pcapng");
    const auto lossy = track("rtt40-loss3.pcapng");          // 3 % loss: the emulator dropped 3 frames
    const auto reordered = track("rtt30-jitter4-reorder5.pcapng");  // ±4 ms jitter, 5 % sent early
    CHECK(total(clean, &tcp_direction_metrics::retransmissions) == 0);
    CHECK(total(clean, &tcp_direction_metrics::out_of_order) == 0);
    CHECK(total(lossy, &tcp_direction_metrics::retransmissions) > 0);
    CHECK(total(reordered, &tcp_direction_metrics::out_of_order) > 0);
}

TEST_CASE("a RST's window of 0 is not a window observation", "[flow][tcp_tracker]") {
    connection c;
    c.seg(true, 0, 100, 0, SYN, 0, 2000);
    c.seg(false, 1000, 500, 101, SYN | ACK, 0, 3000);
    c.seg(true, 2000, 101, 501, ACK, 0, 2000);
    c.seg(true, 3000, 101, 501, RST | ACK, 0, 0);  // window 0 by convention (as tshark's zero-window analysis)
    CHECK(c.t.metrics[0].window_min == 2000);
    CHECK(c.t.metrics[0].window_samples == 2);
    CHECK(c.t.metrics[0].zero_windows == 0);
}

TEST_CASE("times going backwards give no negative durations", "[flow][tcp_tracker]") {
    connection c;
    c.seg(true, 10'000, 100, 0, SYN);
    c.seg(false, 20'000, 500, 101, SYN | ACK);
    c.seg(true, 5'000, 101, 501, ACK);          // earlier than the SYN
    c.seg(false, 30'000, 501, 101, ACK, 0, 0);  // a zero window...
    c.seg(false, 1'000, 501, 101, ACK, 0, 50);  // ... that "ends" before it began
    CHECK(c.t.initial_rtt == 20ms);  // from the first ACK after the SYN in time, not the one stamped before it
    CHECK(c.t.metrics[1].zero_window_time == 0s);
    c.t.finish(from_ns(0));
    CHECK(c.t.metrics[1].zero_window_time == 0s);
}
