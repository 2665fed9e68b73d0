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
// Cisco HDLC: address(1: 0x0F unicast, 0x8F broadcast) control(1) protocol(2, an EtherType).
// Frame Relay: Q.922 address(2-4), then either Cisco's EtherType(2) or RFC 2427's control 0x03 and an
//   NLPID (0xCC IPv4, 0x8E IPv6, 0x80 SNAP: OUI(3) EtherType(2)).
// FDDI: frame control(1) destination(6) source(6), then 802.2 LLC/SNAP as in 802.3.
// NFLOG: family(1) version(1) resource id(2), then TLVs: length(2) type(2) in host order, padded to
//   4 bytes; TLV 9 holds the packet, an IP datagram of the header's family.
// Solaris ipnet: version(1) family(1: 2 IPv4, 26 IPv6) hardware type(2) length(4) 4 x 4 bytes ids.
// PPI: version(1) flags(1) header length(2, little-endian) DLT(4, little-endian) fields..., then a
//   packet of that DLT.
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
        if (c.peek_u8(0) == 0xFF) c.skip(2);  // 0xFF is the HDLC address, never a protocol byte
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

/// Cisco HDLC, also found on LINKTYPE_PPP links whose first byte is 0x0F or 0x8F.
struct cisco_hdlc_header {
    static constexpr std::size_t size = 4;
    std::uint16_t protocol = 0;

    [[nodiscard]] static bool starts(const cursor& c) noexcept {
        return (c.peek_u8(0) == 0x0F || c.peek_u8(0) == 0x8F) && c.peek_u8(1) == 0x00;
    }
    [[nodiscard]] static cisco_hdlc_header parse(cursor& c) noexcept {
        cisco_hdlc_header h;
        c.skip(2);
        h.protocol = c.u16be();
        return h;
    }
};

struct frame_relay_header {
    std::uint16_t ether_type = 0;  ///< of the payload, or ether_type::none

    [[nodiscard]] static frame_relay_header parse(cursor& c) noexcept {
        frame_relay_header h;
        // Q.922 address: 2 to 4 bytes, the last with its low (EA) bit set.
        for (int n = 1; n <= 4 && c.ok(); ++n)
            if ((c.u8() & 1u) && n >= 2) break;
        if (c.peek_u8(0) != 0x03) {  // Cisco encapsulation: an EtherType
            h.ether_type = c.u16be();
            return h;
        }
        c.skip(1);
        if (c.peek_u8(0) == 0x00) c.skip(1);  // optional pad before the NLPID
        switch (c.u8()) {
            case 0xCC: h.ether_type = ether_type::ipv4; break;
            case 0x8E: h.ether_type = ether_type::ipv6; break;
            case 0x80:  // SNAP
                c.skip(3);
                h.ether_type = c.u16be();
                break;
            default: h.ether_type = ether_type::none;
        }
        return h;
    }
};

struct fddi_header {
    /// Frame control, addresses and LLC/SNAP; the payload's EtherType (none without SNAP).
    [[nodiscard]] static std::uint16_t parse(cursor& c) noexcept {
        c.skip(13);
        const std::uint8_t dsap = c.u8(), ssap = c.u8(), control = c.u8();
        if (dsap != 0xAA || ssap != 0xAA || control != 0x03) return ether_type::none;
        c.skip(3);
        return c.u16be();
    }
};

struct nflog_header {
    std::uint8_t family = 0;

    /// Reads the header and walks the TLVs to the packet TLV; `c` is left at the packet and limited
    /// to it. Fails `c` when there is no packet TLV.
    [[nodiscard]] static nflog_header parse(cursor& c) noexcept {
        nflog_header h;
        h.family = c.u8();
        c.skip(3);
        while (c.ok() && c.remaining() >= 4) {
            const std::uint16_t length = c.u16le();
            const std::uint16_t type = c.u16le();
            if (length < 4) break;
            if (type == 9) {
                c = c.sub(length - 4u);
                return h;
            }
            c.skip(((length + 3u) & ~3u) - 4u);
        }
        c.fail();
        return h;
    }
};

struct ipnet_header {
    static constexpr std::size_t size = 24;
    std::uint8_t family = 0;

    [[nodiscard]] static ipnet_header parse(cursor& c) noexcept {
        ipnet_header h;
        c.skip(1);
        h.family = c.u8();
        c.skip(22);
        return h;
    }
};

struct ppi_header {
    std::uint16_t length = 0;
    std::uint32_t dlt = 0;

    [[nodiscard]] static ppi_header parse(cursor& c) noexcept {
        ppi_header h;
        c.skip(2);
        h.length = c.u16le();
        h.dlt = c.u32le();
        if (h.length < 8) c.fail();
        c.skip(h.length - 8u);
        return h;
    }
};

}  // namespace pktdyn
