// pktdyn — TCP header (RFC 9293) with its options.
//
//   source port(16) | destination port(16)
//   sequence number(32)
//   acknowledgment number(32)
//   data offset(4) reserved(3) flags(9: NS CWR ECE URG ACK PSH RST SYN FIN) | window(16)
//   checksum(16) | urgent pointer(16)
//   options (data offset*4 - 20 bytes): kind(8) [length(8) value]
//     0 end, 1 no-op, 2 MSS(4), 3 window scale(3), 4 SACK permitted(2), 5 SACK(2+8n), 8 timestamps(10)
//     others kept raw (the option bytes stay reachable through `options`).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn {

namespace tcp_flag {
inline constexpr std::uint16_t fin = 0x001;
inline constexpr std::uint16_t syn = 0x002;
inline constexpr std::uint16_t rst = 0x004;
inline constexpr std::uint16_t psh = 0x008;
inline constexpr std::uint16_t ack = 0x010;
inline constexpr std::uint16_t urg = 0x020;
inline constexpr std::uint16_t ece = 0x040;
inline constexpr std::uint16_t cwr = 0x080;
inline constexpr std::uint16_t ns = 0x100;
}  // namespace tcp_flag

struct sack_block {
    std::uint32_t left = 0, right = 0;
};

struct tcp_options {
    std::uint16_t mss = 0;             ///< 0 when absent
    std::uint8_t window_scale = 0;     ///< shift count (RFC 7323 caps it at 14)
    bool has_window_scale = false;
    bool sack_permitted = false;
    bool has_timestamps = false;
    std::uint32_t ts_value = 0, ts_echo = 0;
    std::uint8_t sack_count = 0;
    std::array<sack_block, 4> sacks{};
    bool malformed = false;            ///< an option ran past the header; parsing stopped there
};

struct tcp_header {
    std::uint16_t source_port = 0, destination_port = 0;
    std::uint32_t seq = 0, ack = 0;
    std::uint16_t flags = 0;           ///< tcp_flag bits (and the 3 reserved bits above them)
    std::uint16_t window = 0;          ///< as on the wire, before window scaling
    std::uint16_t urgent = 0;
    std::uint8_t header_length = 0;    ///< data offset * 4
    std::span<const std::byte> options{};
    /// The header's length is wrong: a data offset below 5 (parse() fails the cursor), or, as the
    /// decoder sets it, a header running past the IP payload. Only the ports are trusted: the flow
    /// table counts the segment in its connection; flags, options and TCP analysis ignore it.
    bool bad_offset = false;

    [[nodiscard]] bool has(std::uint16_t flag) const noexcept { return (flags & flag) != 0; }

    /// Reads the fixed header and keeps the option bytes as a view; fails `c` when the header or its
    /// options do not fit, or the data offset is below 5.
    /// `partial_options`: the header may end before its options do (a first IP fragment cut inside
    /// them); the options view then holds what there is.
    [[nodiscard]] static tcp_header parse(cursor& c, bool partial_options = false) noexcept {
        tcp_header h;
        parse(c, h, partial_options);
        return h;
    }
    /// The same, into an existing header (no temporary to copy).
    static void parse(cursor& c, tcp_header& h, bool partial_options = false) noexcept {
        h.source_port = c.u16be();
        h.destination_port = c.u16be();
        h.seq = c.u32be();
        h.ack = c.u32be();
        const std::uint16_t offset_flags = c.u16be();
        h.header_length = static_cast<std::uint8_t>((offset_flags >> 12) * 4);
        h.flags = offset_flags & 0x0FFF;  // the 9 flags and the 3 reserved bits, as tshark shows them
        h.window = c.u16be();
        c.skip(2);  // checksum
        h.urgent = c.u16be();
        h.bad_offset = false;
        if (c.ok() && h.header_length < 20) {
            h.bad_offset = true;
            c.fail();
        }
        const std::size_t option_bytes = h.header_length > 20 ? h.header_length - 20u : 0u;
        h.options = c.take(partial_options && c.ok() ? std::min(option_bytes, c.remaining()) : option_bytes);
    }

    struct timestamp_option {
        bool present = false;
        std::uint32_t value = 0, echo = 0;
    };
    /// The timestamps option alone (as parse_options() finds it), with a fast path for the layout
    /// nearly every segment of a connection using timestamps carries: NOP, NOP, TS (RFC 7323 App. A).
    [[nodiscard]] timestamp_option timestamps() const noexcept {
        if (options.size() == 12 && options[0] == std::byte{1} && options[1] == std::byte{1} &&
            options[2] == std::byte{8} && options[3] == std::byte{10}) {
            cursor c{options.subspan(4)};
            const std::uint32_t value = c.u32be();
            return {true, value, c.u32be()};
        }
        if (options.empty()) return {};
        const tcp_options o = parse_options();
        return {o.has_timestamps, o.ts_value, o.ts_echo};
    }

    /// Decodes the options. Cheap, but only callers that need them pay for it.
    [[nodiscard]] tcp_options parse_options() const noexcept {
        tcp_options o;
        cursor c{options};
        while (c.remaining() > 0) {
            const std::uint8_t kind = c.u8();
            if (kind == 0) break;
            if (kind == 1) continue;
            const std::uint8_t length = c.u8();
            if (!c.ok() || length < 2 || !c.has(length - 2u)) {
                o.malformed = true;
                break;
            }
            cursor v = c.sub(length - 2u);
            switch (kind) {
                case 2: if (length == 4) o.mss = v.u16be(); break;
                case 3:
                    if (length == 3) {
                        o.window_scale = v.u8();
                        o.has_window_scale = true;
                    }
                    break;
                case 4: o.sack_permitted = length == 2; break;
                case 5:
                    while (v.remaining() >= 8 && o.sack_count < o.sacks.size()) {
                        o.sacks[o.sack_count].left = v.u32be();
                        o.sacks[o.sack_count++].right = v.u32be();
                    }
                    break;
                case 8:
                    if (length == 10) {
                        o.has_timestamps = true;
                        o.ts_value = v.u32be();
                        o.ts_echo = v.u32be();
                    }
                    break;
                default: break;  // kept raw in `options`
            }
        }
        return o;
    }
};

}  // namespace pktdyn
