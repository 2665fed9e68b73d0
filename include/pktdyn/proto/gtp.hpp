// pktdyn — GTP-U version 1 (3GPP TS 29.281), over UDP port 2152.
//
//   version(3)=1 PT(1)=1 reserved(1) E(1) S(1) PN(1) | message type(8) | length(16)
//   TEID(32)
//   [sequence(16) N-PDU(8) next extension type(8)]            if E, S or PN
//   extension headers: length(8, in 4-byte words) content ... next type(8), until type 0
// Message type 255 (G-PDU) carries a user packet (IPv4 or IPv6); others are signalling.
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn {

struct gtp_u_header {
    static constexpr std::uint16_t port = 2152;
    static constexpr std::uint8_t g_pdu = 255;
    std::uint8_t flags = 0;
    std::uint8_t message_type = 0;
    std::uint16_t length = 0;   ///< bytes after the mandatory 8-byte header
    std::uint32_t teid = 0;
    bool bad = false;           ///< not version 1 with PT set, or extension headers that do not fit

    [[nodiscard]] static gtp_u_header parse(cursor& c) noexcept {
        gtp_u_header h;
        h.flags = c.u8();
        h.message_type = c.u8();
        h.length = c.u16be();
        h.teid = c.u32be();
        if ((h.flags >> 5) != 1 || !(h.flags & 0x10)) {
            h.bad = true;
            return h;
        }
        if (h.flags & 0x07) {
            c.skip(3);
            std::uint8_t next = c.u8();
            for (int n = 0; next != 0 && c.ok(); ++n) {
                const std::size_t words = c.u8();
                if (words == 0 || n == 16 || !c.has(words * 4 - 1)) {
                    h.bad = true;
                    c.fail();
                    break;
                }
                c.skip(words * 4 - 2);
                next = c.u8();
            }
        }
        return h;
    }
};

}  // namespace pktdyn
