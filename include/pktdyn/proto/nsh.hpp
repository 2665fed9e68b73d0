// pktdyn — Network Service Header (RFC 8300), EtherType 0x894F or VXLAN-GPE next protocol 4, and
// VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe), UDP port 4790.
//
// NSH:       version(2) O(1) U(1) TTL(6) length(6, in 4-byte words, whole header) | reserved(4)
//            MD type(4) | next protocol(8) | service path id(24) service index(8) | context ...
// VXLAN-GPE: flags(8: I, P, O) reserved(16) next protocol(8) | VNI(24) reserved(8)
// Next protocol: 1 IPv4, 2 IPv6, 3 Ethernet, 4 NSH, 5 MPLS.
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn {

struct nsh_header {
    std::uint8_t next_protocol = 0;

    [[nodiscard]] static nsh_header parse(cursor& c) noexcept {
        nsh_header h;
        const std::uint16_t first = c.u16be();
        const std::size_t length = (first & 0x3Fu) * 4u;
        c.skip(1);
        h.next_protocol = c.u8();
        if (length < 8) c.fail();
        c.skip(length - 4);
        return h;
    }
};

struct vxlan_gpe_header {
    static constexpr std::uint16_t port = 4790;
    std::uint8_t next_protocol = 0;
    std::uint32_t vni = 0;

    [[nodiscard]] static vxlan_gpe_header parse(cursor& c) noexcept {
        vxlan_gpe_header h;
        c.skip(3);
        h.next_protocol = c.u8();
        h.vni = c.u32be() >> 8;
        return h;
    }
};

}  // namespace pktdyn
