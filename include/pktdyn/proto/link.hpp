// pktdyn — the pseudo link layers of captures: Linux cooked capture (SLL, SLL2), BSD loopback, PPP
// and PPPoE. Each yields the protocol of what follows, as an EtherType where one exists.
//
// SLL (16 bytes):  packet type(2) ARPHRD(2) address length(2) address(8) protocol(2)
// SLL2 (20 bytes): protocol(2) reserved(2) interface index(4) ARPHRD(2) packet type(1)
//                  address length(1) address(8)
// BSD null: a 4-byte address family in the capturing host's byte order (LINKTYPE_NULL) or in network
//           order (LINKTYPE_LOOP); IPv6 has several family numbers across BSDs.
// PPP: optional 0xFF 0x03 address/control, then a 1- or 2-byte protocol (0x0021 IPv4, 0x0057 IPv6).
// PPPoE session (RFC 2516): ver/type(1)=0x11 code(1)=0 session id(2) length(2), then PPP protocol(2).
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"
#include "pktdyn/proto/ethernet.hpp"

namespace pktdyn {

struct linux_sll_header {
    static constexpr std::size_t size = 16;
    std::uint16_t packet_type = 0;
    std::uint16_t arphrd = 0;
    std::uint16_t protocol = 0;

    [[nodiscard]] static linux_sll_header parse(cursor& c) noexcept {
        linux_sll_header h;
        h.packet_type = c.u16be();
        h.arphrd = c.u16be();
        c.skip(10);  // address length + 8 address bytes
        h.protocol = c.u16be();
        return h;
    }
};

struct linux_sll2_header {
    static constexpr std::size_t size = 20;
    std::uint16_t protocol = 0;
    std::uint32_t interface_index = 0;
    std::uint16_t arphrd = 0;
    std::uint8_t packet_type = 0;

    [[nodiscard]] static linux_sll2_header parse(cursor& c) noexcept {
        linux_sll2_header h;
        h.protocol = c.u16be();
        c.skip(2);
        h.interface_index = c.u32be();
        h.arphrd = c.u16be();
        h.packet_type = c.u8();
        c.skip(9);  // address length + 8 address bytes
        return h;
    }
};

/// The EtherType a BSD address family stands for (ether_type::none if not IP).
[[nodiscard]] constexpr std::uint16_t ether_type_of_bsd_family(std::uint32_t family) noexcept {
    switch (family) {
        case 2: return ether_type::ipv4;                         // AF_INET everywhere
        case 10: case 24: case 28: case 30: return ether_type::ipv6;  // Linux, NetBSD/OpenBSD, FreeBSD, Darwin
        default: return ether_type::none;
    }
}

struct bsd_loopback_header {
    static constexpr std::size_t size = 4;
    std::uint32_t family = 0;

    /// `host_order`: LINKTYPE_NULL stores the family in the capturing host's order, which a file
    /// does not record; families are small, so the order that gives a small number is the one.
    [[nodiscard]] static bsd_loopback_header parse(cursor& c, bool host_order) noexcept {
        bsd_loopback_header h;
        const std::uint32_t be = c.u32be();
        if (!host_order) {
            h.family = be;
        } else {
            const std::uint32_t le = detail::byteswap(be);
            h.family = (be & 0xFFFF0000u) != 0 ? le : be;
        }
        return h;
    }
};

namespace ppp_protocol {
inline constexpr std::uint16_t ipv4 = 0x0021;
inline constexpr std::uint16_t ipv6 = 0x0057;
inline constexpr std::uint16_t mpls = 0x0281;
}  // namespace ppp_protocol

[[nodiscard]] constexpr std::uint16_t ether_type_of_ppp(std::uint16_t protocol) noexcept {
    switch (protocol) {
        case ppp_protocol::ipv4: return ether_type::ipv4;
        case ppp_protocol::ipv6: return ether_type::ipv6;
        case ppp_protocol::mpls: return ether_type::mpls;
        default: return ether_type::none;
    }
}

struct ppp_header {
    std::uint16_t protocol = 0;

    /// Reads optional HDLC address/control (0xFF 0x03) and the protocol field, compressed to one
    /// byte when its low bit is set (RFC 1661 protocol-field compression).
    [[nodiscard]] static ppp_header parse(cursor& c) noexcept {
        ppp_header h;
        if (c.peek_u8(0) == 0xFF && c.peek_u8(1) == 0x03) c.skip(2);
        const std::uint8_t first = c.u8();
        h.protocol = (first & 1u) ? first : static_cast<std::uint16_t>(first << 8 | c.u8());
        return h;
    }
};

struct pppoe_session_header {
    static constexpr std::size_t size = 6;
    std::uint8_t version_type = 0;
    std::uint8_t code = 0;
    std::uint16_t session_id = 0;
    std::uint16_t length = 0;

    [[nodiscard]] static pppoe_session_header parse(cursor& c) noexcept {
        pppoe_session_header h;
        h.version_type = c.u8();
        h.code = c.u8();
        h.session_id = c.u16be();
        h.length = c.u16be();
        return h;
    }
};

}  // namespace pktdyn
