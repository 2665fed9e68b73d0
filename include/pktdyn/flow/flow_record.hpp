// pktdyn — what a flow table keeps per flow: counts per direction, timing, TCP flags and handshake
// options, how the flow ended, and Zeek's conn_state and history, updated once per packet.
//
// Directions are the originator's (the client: the sender of the first SYN, else the receiver of
// the first SYN-ACK, else the endpoint with the higher port, else the first packet's sender) and
// the responder's. Definitions: docs/flows.md.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

#include "pktdyn/core/time.hpp"
#include "pktdyn/flow/flow_key.hpp"
#include "pktdyn/proto/decoded_packet.hpp"

namespace pktdyn {

enum class end_reason : std::uint8_t {
    active,        ///< not ended yet
    fin,           ///< both sides closed with FIN (after a short linger for the last ACKs)
    rst,           ///< a RST ended it (after the linger)
    idle,          ///< no packet for the idle timeout
    active_timeout,///< longer than the active timeout: the rest continues as a new flow
    evicted,       ///< the table was full and this was the least recently active flow
    end_of_input,  ///< still open when the input ended
    reused,        ///< a new SYN reused the tuple of a closed flow
};

[[nodiscard]] constexpr std::string_view to_string(end_reason r) noexcept {
    switch (r) {
        case end_reason::active: return "active";
        case end_reason::fin: return "fin";
        case end_reason::rst: return "rst";
        case end_reason::idle: return "idle";
        case end_reason::active_timeout: return "active_timeout";
        case end_reason::evicted: return "evicted";
        case end_reason::end_of_input: return "end_of_input";
        case end_reason::reused: return "reused";
    }
    return "?";
}

/// Counts of TCP flags seen in one direction.
struct tcp_flag_counts {
    std::uint32_t psh = 0, ack = 0;
    std::uint16_t syn = 0, fin = 0, rst = 0, urg = 0, ece = 0, cwr = 0;  ///< saturate at 65535
};

struct direction_stats {
    std::uint64_t packets = 0;
    std::uint64_t ip_bytes = 0;        ///< IP total lengths (the packet as the network carried it)
    std::uint64_t payload_bytes = 0;   ///< transport payload by the length fields
    timestamp first{}, last{};         ///< earliest and latest time of this side's packets
    tcp_flag_counts flags;
    std::uint8_t ttl_min = 255, ttl_max = 0;
    // From this side's SYN (or SYN-ACK), when seen.
    bool syn_seen = false;
    bool sack_permitted = false;
    bool timestamps = false;
    bool window_scale_seen = false;
    std::uint8_t window_scale = 0;
    std::uint16_t mss = 0;
    std::uint16_t initial_window = 0;  ///< the window field of the first packet (before scaling)
};

struct flow_record {
    flow_key key;
    bool originator_is_a = true;       ///< the key's `a` endpoint is the originator
    std::array<direction_stats, 2> dir{};  ///< [0] originator → responder, [1] responder → originator
    timestamp first{}, last{};         ///< earliest and latest time of the flow's packets
    end_reason ended = end_reason::active;
    std::uint8_t history_length = 0;
    std::array<char, 12> history{};    ///< Zeek's history letters: 6 letters, once per side (docs/flows.md)
    /// Zeek's per-endpoint TCP state, [0] originator, [1] responder (conn_state derives from it).
    enum class endpoint : std::uint8_t { inactive, syn_sent, syn_ack_sent, partial, established, closed, reset };
    std::array<endpoint, 2> state{endpoint::inactive, endpoint::inactive};
    std::array<std::uint8_t, 2> letters_seen{};  ///< history letters each side already logged (bit per letter)

    [[nodiscard]] duration length() const noexcept { return last - first; }
    [[nodiscard]] const ip_address& originator() const noexcept { return originator_is_a ? key.a : key.b; }
    [[nodiscard]] const ip_address& responder() const noexcept { return originator_is_a ? key.b : key.a; }
    [[nodiscard]] std::uint16_t originator_port() const noexcept { return originator_is_a ? key.port_a : key.port_b; }
    [[nodiscard]] std::uint16_t responder_port() const noexcept { return originator_is_a ? key.port_b : key.port_a; }
    [[nodiscard]] std::string_view history_string() const noexcept { return {history.data(), history_length}; }

    /// Counts one packet, `from_originator` telling its direction.
    void update(const decoded_packet& d, timestamp t, bool from_originator) noexcept {
        direction_stats& s = dir[from_originator ? 0 : 1];
        // first and last are the earliest and latest times: where time goes backwards (merged
        // captures, clock steps) a later packet may carry an earlier time.
        if (s.packets == 0) s.first = s.last = t;
        s.first = std::min(s.first, t);
        s.last = std::max(s.last, t);
        ++s.packets;
        if (dir[0].packets + dir[1].packets == 1) first = last = t;
        first = std::min(first, t);
        last = std::max(last, t);
        const ip_header& ip = d.inner_ip();
        s.ip_bytes += ip_length(d, ip);
        s.payload_bytes += d.payload_length;
        s.ttl_min = std::min(s.ttl_min, ip.ttl);
        s.ttl_max = std::max(s.ttl_max, ip.ttl);
        // A TCP header with a bad data offset: counted, but its flags are not trusted.
        if (d.transport != ip_protocol::tcp || !d.has_transport || d.tcp.bad_offset) return;
        const std::uint16_t f = d.tcp.flags;
        tcp_flag_counts& c = s.flags;
        const auto bump = [](std::uint16_t& n, bool set) { n = static_cast<std::uint16_t>(n + (set && n != 0xFFFF)); };
        bump(c.syn, f & tcp_flag::syn);
        bump(c.fin, f & tcp_flag::fin);
        bump(c.rst, f & tcp_flag::rst);
        bump(c.urg, f & tcp_flag::urg);
        bump(c.ece, f & tcp_flag::ece);
        bump(c.cwr, f & tcp_flag::cwr);
        c.psh += (f & tcp_flag::psh) != 0;
        c.ack += (f & tcp_flag::ack) != 0;
        if (s.packets == 1) s.initial_window = d.tcp.window;
        if ((f & tcp_flag::syn) && !s.syn_seen) {
            s.syn_seen = true;
            const tcp_options o = d.tcp.parse_options();
            s.mss = o.mss;
            s.sack_permitted = o.sack_permitted;
            s.timestamps = o.has_timestamps;
            s.window_scale_seen = o.has_window_scale;
            s.window_scale = o.window_scale;
        }
        advance_state(f, from_originator ? 0 : 1);
        add_history(d, from_originator);
    }

    /// Zeek's conn_state (scripts/base/protocols/conn/main.zeek), from the endpoint states:
    /// S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH (meanings in docs/flows.md).
    /// The IP datagram's length: its length field, or where that is 0 (segmentation offload,
    /// jumbograms) the headers and payload running to the frame's end, as tshark counts them.
    [[nodiscard]] static std::uint32_t ip_length(const decoded_packet& d, const ip_header& ip) noexcept {
        if (ip.total_length != 0 || !d.has_transport) return ip.total_length;
        const std::uint32_t transport_header = d.transport == ip_protocol::tcp   ? d.tcp.header_length
                                               : d.transport == ip_protocol::udp ? 8u
                                                                                 : 0u;
        return ip.header_length + transport_header + d.payload_length;
    }

    [[nodiscard]] std::string_view conn_state() const noexcept {
        if (key.protocol == ip_protocol::udp) {
            if (dir[0].packets) return dir[1].packets ? "SF" : "S0";
            return dir[1].packets ? "SHR" : "OTH";
        }
        if (key.protocol != ip_protocol::tcp) return "OTH";
        const endpoint o = state[0], r = state[1];
        const bool o_inactive = o == endpoint::inactive || o == endpoint::partial;
        const bool r_inactive = r == endpoint::inactive || r == endpoint::partial;
        if (r == endpoint::reset) {
            if (o == endpoint::syn_sent || o == endpoint::syn_ack_sent ||
                (o == endpoint::reset && dir[0].payload_bytes == 0 && dir[1].payload_bytes == 0))
                return "REJ";
            return o_inactive ? "RSTRH" : "RSTR";
        }
        if (o == endpoint::reset) {
            if (r_inactive) return starts_with_syn_then_reset() ? "RSTOS0" : "OTH";
            return "RSTO";
        }
        if (o == endpoint::closed && r == endpoint::closed) return "SF";
        if (o == endpoint::closed) return r_inactive ? "SH" : "S2";
        if (r == endpoint::closed) return o_inactive ? "SHR" : "S3";
        if (o == endpoint::syn_sent && r == endpoint::inactive) return "S0";
        if (o == endpoint::established && r == endpoint::established) return "S1";
        return "OTH";
    }

private:
    void advance_state(std::uint16_t f, int side) noexcept {
        endpoint& me = state[side];
        endpoint& peer = state[1 - side];
        const bool syn = f & tcp_flag::syn, ack = f & tcp_flag::ack;
        if (f & tcp_flag::rst) {
            me = endpoint::reset;
        } else if (f & tcp_flag::fin) {
            if (me != endpoint::reset) me = endpoint::closed;
        } else if (syn && ack) {
            // After its own RST too: a new handshake answering a retried SYN (the same connection,
            // as its sequence numbers say) reopens it, so the early RST neither rejects nor ends it.
            if (me == endpoint::inactive || me == endpoint::syn_sent || me == endpoint::reset) me = endpoint::syn_ack_sent;
        } else if (syn) {
            if (me == endpoint::inactive || me == endpoint::reset) me = endpoint::syn_sent;
        } else if (me == endpoint::inactive) {
            me = endpoint::partial;
        } else if (me == endpoint::syn_sent && peer == endpoint::syn_ack_sent) {
            // The handshake's third packet: both sides are established.
            me = endpoint::established;
            peer = endpoint::established;
        } else if (me == endpoint::syn_ack_sent && peer == endpoint::established) {
            me = endpoint::established;
        }
    }

    // History matching Zeek's ^?S[^HAFGIQ]*R.*: a SYN, then a RST with nothing else in between.
    [[nodiscard]] bool starts_with_syn_then_reset() const noexcept {
        const std::string_view h = history_string();
        if (h.empty() || h[0] != 'S') return false;
        for (char c : h.substr(1)) {
            if (c == 'R') return true;
            if (std::string_view{"HAFGIQ"}.find(c) != std::string_view::npos) return false;
        }
        return false;
    }

    // Zeek's history letters: upper case for the originator, lower case for the responder; each
    // letter is logged the first time it happens in that direction.
    void add_history(const decoded_packet& d, bool from_originator) noexcept {
        const std::uint16_t f = d.tcp.flags;
        const auto log = [&](char letter, int bit) {
            std::uint8_t& seen = letters_seen[from_originator ? 0 : 1];
            if (seen & (1u << bit) || history_length == history.size()) return;
            seen = static_cast<std::uint8_t>(seen | (1u << bit));
            history[history_length++] = from_originator ? letter : static_cast<char>(letter + ('a' - 'A'));
        };
        const bool syn = f & tcp_flag::syn, ack = f & tcp_flag::ack, fin = f & tcp_flag::fin, rst = f & tcp_flag::rst;
        if (syn && ack) log('H', 0);
        else if (syn) log('S', 1);
        if (fin) log('F', 2);
        if (rst) log('R', 3);
        if (d.payload_length > 0) log('D', 4);
        else if (ack && !syn && !fin && !rst) log('A', 5);
    }
};

}  // namespace pktdyn
