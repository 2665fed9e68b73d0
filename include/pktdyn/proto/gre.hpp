// pktdyn — GRE (RFC 2784, keys and sequence numbers RFC 2890; PPTP's enhanced GRE, RFC 2637) and
// ERSPAN (types I, II, III) carried in it.
//
//   C R K S s recur(3) | A flags(4) version(3) | protocol type(16)
//   [checksum(16) offset(16)]   if C or R
//   [key(32)]                   if K      (version 1: payload length(16) call id(16))
//   [sequence number(32)]       if S
//   [acknowledgment(32)]        if A      (version 1 only)
//
// ERSPAN II (protocol 0x88BE, with S set): version(4)=1 VLAN(12) COS(3) En(2) T(1) session(10)
// reserved(12) index(20) — 8 bytes; without S it is ERSPAN I with no header. ERSPAN III (0x22EB):
// 12 bytes, plus an 8-byte platform sub-header when its O bit is set. Ethernet follows both.
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"
#include "pktdyn/proto/ethernet.hpp"

namespace pktdyn {

struct gre_header {
    std::uint16_t flags_version = 0;
    std::uint16_t protocol = 0;  ///< an EtherType
    std::uint32_t key = 0;       ///< key (version 0), or call id (version 1)
    std::uint32_t sequence = 0;
    bool has_key = false;
    bool has_sequence = false;
    bool unsupported = false;    ///< source routing (R) or a version other than 0 and 1

    [[nodiscard]] std::uint8_t version() const noexcept { return flags_version & 0x7; }

    [[nodiscard]] static gre_header parse(cursor& c) noexcept {
        gre_header h;
        h.flags_version = c.u16be();
        h.protocol = c.u16be();
        const bool checksum = h.flags_version & 0x8000, routing = h.flags_version & 0x4000;
        h.has_key = h.flags_version & 0x2000;
        h.has_sequence = h.flags_version & 0x1000;
        const bool acknowledgment = h.flags_version & 0x0080;
        if (routing || h.version() > 1) {
            h.unsupported = true;
            return h;
        }
        if (checksum) c.skip(4);
        if (h.has_key) h.key = h.version() == 1 ? c.u32be() & 0xFFFF : c.u32be();
        if (h.has_sequence) h.sequence = c.u32be();
        if (acknowledgment && h.version() == 1) c.skip(4);
        return h;
    }
};

struct erspan_header {
    std::uint8_t type = 1;       ///< 1, 2 or 3
    std::uint16_t session = 0;
    std::uint16_t vlan = 0;

    /// Reads the ERSPAN header that GRE protocol `protocol` announces (none for type I).
    [[nodiscard]] static erspan_header parse(cursor& c, std::uint16_t protocol, bool gre_sequence) noexcept {
        erspan_header h;
        if (protocol == ether_type::erspan_2 && !gre_sequence) return h;  // type I: Ethernet at once
        const std::uint16_t version_vlan = c.u16be();
        const std::uint16_t cos_session = c.u16be();
        h.vlan = version_vlan & 0x0FFF;
        h.session = cos_session & 0x03FF;
        if (protocol == ether_type::erspan_2) {
            h.type = 2;
            c.skip(4);
        } else {
            h.type = 3;
            c.skip(6);  // timestamp, SGT
            const std::uint16_t last = c.u16be();
            if (last & 0x0001) c.skip(8);  // O: platform-specific sub-header
        }
        return h;
    }
};

}  // namespace pktdyn
