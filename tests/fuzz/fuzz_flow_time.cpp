// libFuzzer target: the flow path (decoder, fragments, flow table) with the TCP tracker, the
// standard features and the handshake metadata as per-flow state, driven by arbitrary timestamps.
// Every duration computed from capture times must be defined for any 64-bit time (core/time.hpp):
// times that jump by decades, go backwards, sit at INT64_MIN / INT64_MAX.
//
// Input: 12-byte records, one packet each:
//   [0..7]  time: little-endian int64; when its top byte is 0x00 or 0xff it is instead a signed
//           step (in µs, low 32 bits) from the previous packet's time, so nearby times are common
//   [8]     bit 0 direction, bits 1..5 SYN FIN RST PSH ACK, bit 6 UDP, bit 7 payload from a prefix
//   [9]     low 3 bits the client port (8 tuples), the rest moves the sequence number back (resends)
//   [10,11] payload length, little-endian, modulo 1200
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "pktdyn/features/handshakes.hpp"
#include "pktdyn/features/schema.hpp"
#include "pktdyn/flow/flow_path.hpp"
#include "pktdyn/flow/tcp_tracker.hpp"

namespace {

struct state {
    pktdyn::tcp_tracker tcp;
    pktdyn::handshake_metadata handshakes;
    pktdyn::standard_features features;
    void update(const pktdyn::decoded_packet& d, pktdyn::timestamp now, bool from_originator) noexcept {
        tcp.update(d, now, from_originator);
        handshakes.update(pktdyn::flow_packet::from(d, now, from_originator));
        features.update(d, now, from_originator);
    }
    [[nodiscard]] bool starts_new_flow(const pktdyn::decoded_packet& d, bool from_originator) const noexcept {
        return tcp.starts_new_flow(d, from_originator);
    }
    void finish(pktdyn::timestamp last) noexcept { tcp.finish(last); }
};

void put16(std::vector<std::byte>& b, std::size_t at, std::uint16_t v) {
    b[at] = std::byte(v >> 8);
    b[at + 1] = std::byte(v);
}
void put32(std::vector<std::byte>& b, std::size_t at, std::uint32_t v) {
    put16(b, at, static_cast<std::uint16_t>(v >> 16));
    put16(b, at + 2, static_cast<std::uint16_t>(v));
}

// Ethernet + IPv4 + TCP or UDP between 10.0.0.1:port and 10.0.0.2:443.
std::vector<std::byte> frame(bool from_client, bool udp, std::uint16_t client_port, std::uint16_t flags,
                             std::uint32_t seq, std::uint32_t ack, std::size_t payload, int prefix) {
    const std::size_t l4 = udp ? 8 : 20;
    std::vector<std::byte> b(14 + 20 + l4 + payload);
    put16(b, 12, 0x0800);
    b[14] = std::byte{0x45};
    put16(b, 16, static_cast<std::uint16_t>(20 + l4 + payload));
    b[22] = std::byte{64};
    b[23] = std::byte(udp ? 17 : 6);
    const std::uint32_t client = 0x0A000001, server = 0x0A000002;
    put32(b, 26, from_client ? client : server);
    put32(b, 30, from_client ? server : client);
    put16(b, 34, from_client ? client_port : 443);
    put16(b, 36, from_client ? 443 : client_port);
    if (udp) {
        put16(b, 38, static_cast<std::uint16_t>(8 + payload));
    } else {
        put32(b, 38, seq);
        put32(b, 42, ack);
        put16(b, 46, static_cast<std::uint16_t>(0x5000 | flags));
        put16(b, 48, 1024);
    }
    // Payloads that start a handshake parser, so its timing runs on these times too.
    static constexpr std::array<std::string_view, 4> prefixes{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
                                                              "SSH-2.0-fuzz\r\n", "\xc3\x00\x00\x00\x01\x08",
                                                              "\x12\x34\x01\x00\x00\x01\x00\x00"};
    const std::string_view p = prefixes[static_cast<std::size_t>(prefix) % prefixes.size()];
    if (prefix >= 0) std::memcpy(b.data() + 14 + 20 + l4, p.data(), std::min(p.size(), payload));
    return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    pktdyn::flow_path<state> flows{pktdyn::flow_options{.capacity = 8,
                                                        .idle = std::chrono::seconds(1),
                                                        .active = std::chrono::seconds(10),
                                                        .linger = std::chrono::milliseconds(100),
                                                        .seed = 1}};
    std::vector<double> values(pktdyn::standard_features::width + pktdyn::handshake_metadata::features.size());
    std::vector<std::string> text(pktdyn::handshake_metadata::text_features.size());
    double sink = 0;
    const auto on_end = [&](auto& e) {
        const pktdyn::flow_record& r = e.record;
        sink += pktdyn::to_seconds(r.length());
        e.state.features.write(std::span(values).first(pktdyn::standard_features::width));
        e.state.handshakes.write(std::span(values).subspan(pktdyn::standard_features::width));
        e.state.handshakes.write_text(text);
        for (const auto& m : e.state.tcp.metrics) sink += pktdyn::to_seconds(m.zero_window_time + m.rtt.p95() + m.ts_rtt.mean());
        sink += pktdyn::to_seconds(e.state.tcp.syn_to_syn_ack() + e.state.tcp.response_time());
        for (double v : values) sink += v == v ? v * 0 : 0;
    };
    std::array<std::uint32_t, 2> seq{1000, 900000};
    std::uint64_t previous = 1'500'000'000'000'000'000;
    for (std::size_t at = 0; at + 12 <= size; at += 12) {
        std::uint64_t raw;
        std::memcpy(&raw, data + at, 8);
        const auto top = static_cast<std::uint8_t>(raw >> 56);
        const std::uint64_t time = top == 0x00 || top == 0xff
            ? previous + static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(raw)) * 1000)
            : raw;  // unsigned: wraps, never overflows
        previous = time;
        const std::uint8_t what = data[at + 8], ports = data[at + 9];
        const bool from_client = what & 1, udp = what & 0x40;
        static constexpr std::uint16_t flag_bits[] = {0x002, 0x001, 0x004, 0x008, 0x010};
        std::uint16_t flags = 0;
        for (int i = 0; i < 5; ++i)
            if (what & (2 << i)) flags |= flag_bits[i];
        const std::size_t payload = (data[at + 10] | std::size_t{data[at + 11]} << 8) % 1200;
        std::uint32_t& mine = seq[from_client ? 0 : 1];
        mine -= static_cast<std::uint32_t>(ports >> 3) * 100;  // sometimes a resend of earlier bytes
        const auto bytes = frame(from_client, udp, static_cast<std::uint16_t>(40000 + (ports & 7)), flags, mine,
                                 seq[from_client ? 1 : 0], payload, what & 0x80 ? ports % 4 : -1);
        mine += static_cast<std::uint32_t>(payload) + ((flags & 0x003) ? 1u : 0u);
        const pktdyn::packet_view p{pktdyn::from_ns(static_cast<std::int64_t>(time)), bytes,
                                    static_cast<std::uint32_t>(bytes.size()), pktdyn::link_type::ethernet, 0};
        (void)flows.push(p, on_end);
    }
    flows.flush(on_end);
    return sink == 12345.678 ? 1 : 0;
}
