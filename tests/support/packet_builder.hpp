// Test support: builds packets inside out, each function wrapping a payload in one header with its
// length fields filled in, following the RFC layouts (not pktdyn's parsers).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include "support/capture_builder.hpp"

namespace pktdyn::test::pkt {

inline bytes cat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline bytes text(std::string_view s) {
    byte_writer w{true};
    w.text(s);
    return w.data();
}

inline bytes ethernet(std::uint16_t type, const bytes& payload) {
    byte_writer w{true};
    w.u32(0x02000000).u16(0x0001).u32(0x02000000).u16(0x0002).u16(type);
    return cat({w.data(), payload});
}

inline bytes vlan(std::uint16_t vid, std::uint16_t type, const bytes& payload) {
    byte_writer w{true};
    w.u16(vid).u16(type);
    return cat({w.data(), payload});
}

inline bytes mpls(std::uint32_t label, bool bottom, const bytes& payload) {
    byte_writer w{true};
    w.u32(label << 12 | (bottom ? 0x100u : 0u) | 64u);
    return cat({w.data(), payload});
}

using v4addr = std::array<std::uint8_t, 4>;

struct ipv4_opts {
    std::uint16_t id = 1;
    std::uint16_t fragment_offset = 0;  // bytes, multiple of 8
    bool more_fragments = false;
    std::uint8_t ttl = 64;
    std::size_t option_bytes = 0;       // multiple of 4
    int total_length_delta = 0;         // to make the length field lie
};

inline bytes ipv4(std::uint8_t protocol, v4addr src, v4addr dst, const bytes& payload, ipv4_opts o = {}) {
    byte_writer w{true};
    const std::size_t header = 20 + o.option_bytes;
    w.u8(static_cast<std::uint8_t>(0x40 | header / 4)).u8(0);
    w.u16(static_cast<std::uint16_t>(static_cast<int>(header + payload.size()) + o.total_length_delta));
    w.u16(o.id).u16(static_cast<std::uint16_t>((o.more_fragments ? 0x2000 : 0) | o.fragment_offset / 8));
    w.u8(o.ttl).u8(protocol).u16(0);
    for (auto b : src) w.u8(b);
    for (auto b : dst) w.u8(b);
    for (std::size_t i = 0; i < o.option_bytes; ++i) w.u8(1);  // NOPs
    return cat({w.data(), payload});
}

using v6addr = std::array<std::uint8_t, 16>;
inline v6addr v6(std::uint8_t last) {
    v6addr a{0x20, 0x01, 0x0d, 0xb8};
    a[15] = last;
    return a;
}

/// IPv6 with optional extension headers given as (type, body) pairs; bodies padded by the caller.
inline bytes ipv6(std::uint8_t next, v6addr src, v6addr dst, const bytes& payload) {
    byte_writer w{true};
    w.u32(0x60000000).u16(static_cast<std::uint16_t>(payload.size())).u8(next).u8(64);
    for (auto b : src) w.u8(b);
    for (auto b : dst) w.u8(b);
    return cat({w.data(), payload});
}

/// An 8-byte IPv6 extension header (hop-by-hop / destination options: PadN filling).
inline bytes ipv6_ext8(std::uint8_t next, const bytes& payload) {
    byte_writer w{true};
    w.u8(next).u8(0).u8(1).u8(4).u32(0);
    return cat({w.data(), payload});
}

inline bytes ipv6_fragment(std::uint8_t next, std::uint16_t offset, bool more, std::uint32_t id, const bytes& payload) {
    byte_writer w{true};
    w.u8(next).u8(0).u16(static_cast<std::uint16_t>(offset | (more ? 1 : 0))).u32(id);
    return cat({w.data(), payload});
}

struct tcp_opts {
    std::uint32_t seq = 1000, ack = 0;
    std::uint16_t flags = 0x002;
    std::uint16_t window = 65535;
    bytes options{};                   // multiple of 4
    int data_offset_words = -1;        // override
};

inline bytes tcp(std::uint16_t sport, std::uint16_t dport, const bytes& payload, tcp_opts o = {}) {
    byte_writer w{true};
    const int words = o.data_offset_words >= 0 ? o.data_offset_words : static_cast<int>(5 + o.options.size() / 4);
    w.u16(sport).u16(dport).u32(o.seq).u32(o.ack);
    w.u16(static_cast<std::uint16_t>(words << 12 | o.flags)).u16(o.window).u16(0).u16(0).raw(o.options);
    return cat({w.data(), payload});
}

inline bytes udp(std::uint16_t sport, std::uint16_t dport, const bytes& payload, int length_delta = 0) {
    byte_writer w{true};
    w.u16(sport).u16(dport).u16(static_cast<std::uint16_t>(static_cast<int>(8 + payload.size()) + length_delta)).u16(0);
    return cat({w.data(), payload});
}

inline bytes icmp(std::uint8_t type, std::uint8_t code, const bytes& payload) {
    byte_writer w{true};
    w.u8(type).u8(code).u16(0).u32(0);
    return cat({w.data(), payload});
}

inline bytes vxlan(std::uint32_t vni, const bytes& payload) {
    byte_writer w{true};
    w.u32(0x08000000).u32(vni << 8);
    return cat({w.data(), payload});
}

inline bytes geneve(std::uint32_t vni, std::uint16_t protocol, const bytes& payload, std::size_t option_words = 0) {
    byte_writer w{true};
    w.u8(static_cast<std::uint8_t>(option_words)).u8(0).u16(protocol).u32(vni << 8);
    if (option_words) {  // one option filling the area: class, type, length
        w.u16(0x0102).u8(0x03).u8(static_cast<std::uint8_t>(option_words - 1));
        for (std::size_t i = 1; i < option_words; ++i) w.u32(0);
    }
    return cat({w.data(), payload});
}

inline bytes gre(std::uint16_t protocol, const bytes& payload, std::optional<std::uint32_t> key = {},
                 std::optional<std::uint32_t> seq = {}) {
    byte_writer w{true};
    w.u16(static_cast<std::uint16_t>((key ? 0x2000 : 0) | (seq ? 0x1000 : 0))).u16(protocol);
    if (key) w.u32(*key);
    if (seq) w.u32(*seq);
    return cat({w.data(), payload});
}

inline bytes gtp_u(std::uint32_t teid, const bytes& payload) {
    byte_writer w{true};
    w.u8(0x30).u8(255).u16(static_cast<std::uint16_t>(payload.size())).u32(teid);
    return cat({w.data(), payload});
}

}  // namespace pktdyn::test::pkt
