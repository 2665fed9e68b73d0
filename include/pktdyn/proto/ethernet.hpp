// pktdyn — Ethernet II and IEEE 802.3 with LLC/SNAP.
//
//   0                   6                  12          14
//   +-------------------+-------------------+-----------+------------------
//   | destination MAC   | source MAC        | type/len  | payload ...
//   +-------------------+-------------------+-----------+------------------
//
// A type/length value >= 0x0600 is an EtherType (Ethernet II). A smaller value is an 802.3 length,
// followed by an 802.2 LLC header (DSAP, SSAP, control); with DSAP = SSAP = 0xAA and control 0x03 a
// SNAP header (3-byte OUI, 2-byte EtherType) follows, and that EtherType names the payload.
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn {

namespace ether_type {
inline constexpr std::uint16_t ipv4 = 0x0800;
inline constexpr std::uint16_t arp = 0x0806;
inline constexpr std::uint16_t vlan = 0x8100;        ///< IEEE 802.1Q C-tag
inline constexpr std::uint16_t qinq = 0x88A8;        ///< IEEE 802.1ad S-tag
inline constexpr std::uint16_t qinq_old = 0x9100;    ///< pre-standard QinQ
inline constexpr std::uint16_t ipv6 = 0x86DD;
inline constexpr std::uint16_t mpls = 0x8847;
inline constexpr std::uint16_t mpls_multicast = 0x8848;
inline constexpr std::uint16_t pppoe_discovery = 0x8863;
inline constexpr std::uint16_t pppoe_session = 0x8864;
inline constexpr std::uint16_t transparent_bridging = 0x6558;  ///< Ethernet inside GRE
inline constexpr std::uint16_t erspan_2 = 0x88BE;
inline constexpr std::uint16_t erspan_3 = 0x22EB;
inline constexpr std::uint16_t ppp = 0x880B;                   ///< PPP inside GRE (PPTP)
inline constexpr std::uint16_t cisco_metadata = 0x8909;        ///< Cisco MetaData: 6 bytes (SGT), EtherType
inline constexpr std::uint16_t fabricpath = 0x8903;            ///< Cisco FabricPath: FTag/TTL(2), inner frame
inline constexpr std::uint16_t pbb = 0x88E7;                   ///< 802.1ah I-TAG(4), inner frame
inline constexpr std::uint16_t vntag = 0x8926;                 ///< Cisco VN-Tag: 4 bytes, EtherType
inline constexpr std::uint16_t wccp = 0x883E;                  ///< WCCP redirect inside GRE
inline constexpr std::uint16_t aruba_wifi = 0x8200;            ///< Aruba: 802.11 frames inside GRE
inline constexpr std::uint16_t nsh = 0x894F;                   ///< Network Service Header (RFC 8300)
inline constexpr std::uint16_t none = 0;                       ///< 802.3 frame without SNAP
}  // namespace ether_type

struct ethernet_header {
    static constexpr std::size_t size = 14;
    std::uint16_t type_or_length = 0;
    std::uint16_t ether_type = 0;  ///< the payload's EtherType (from SNAP for 802.3), or ether_type::none
    std::uint8_t header_length = 14;

    /// Reads the header (and LLC/SNAP for 802.3 frames); fails `c` when it does not fit.
    [[nodiscard]] static ethernet_header parse(cursor& c) noexcept {
        ethernet_header h;
        c.skip(12);
        h.type_or_length = c.u16be();
        h.ether_type = h.type_or_length;
        if (h.type_or_length < 0x0600 && c.ok()) {  // IEEE 802.3 length: LLC follows
            const std::uint8_t dsap = c.u8(), ssap = c.u8(), control = c.u8();
            h.header_length = 17;
            h.ether_type = ether_type::none;
            if (dsap == 0xAA && ssap == 0xAA && control == 0x03) {
                c.skip(3);  // OUI
                h.ether_type = c.u16be();
                h.header_length = 22;
            }
        }
        return h;
    }
};

/// IEEE 802.1Q / 802.1ad tag: PCP(3) DEI(1) VID(12), then the next EtherType.
struct vlan_tag {
    static constexpr std::size_t size = 4;
    std::uint16_t tci = 0;
    std::uint16_t ether_type = 0;

    [[nodiscard]] std::uint16_t vid() const noexcept { return tci & 0x0FFF; }
    [[nodiscard]] std::uint8_t priority() const noexcept { return static_cast<std::uint8_t>(tci >> 13); }

    [[nodiscard]] static vlan_tag parse(cursor& c) noexcept {
        vlan_tag t;
        t.tci = c.u16be();
        t.ether_type = c.u16be();
        return t;
    }
};

/// One MPLS label stack entry: label(20) TC(3) S(1) TTL(8).
struct mpls_entry {
    static constexpr std::size_t size = 4;
    std::uint32_t value = 0;

    [[nodiscard]] std::uint32_t label() const noexcept { return value >> 12; }
    [[nodiscard]] bool bottom_of_stack() const noexcept { return (value >> 8) & 1u; }
    [[nodiscard]] std::uint8_t ttl() const noexcept { return static_cast<std::uint8_t>(value); }

    [[nodiscard]] static mpls_entry parse(cursor& c) noexcept { return {c.u32be()}; }
};

}  // namespace pktdyn
