// pktdyn — Teredo (RFC 4380): IPv6 in UDP, port 3544, optionally preceded by an authentication
// indicator (0x0001, client-id length(8), auth length(8), id, auth, nonce(8), confirmation(8)) and/or
// an origin indication (0x0000, port(16), address(32)). A datagram is Teredo only if an IPv6 header
// follows the indicators.
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn {

struct teredo_header {
    static constexpr std::uint16_t port = 3544;
    bool authentication = false;
    bool origin = false;

    /// Skips the indicators; fails `c` when no IPv6 header follows them.
    [[nodiscard]] static teredo_header parse(cursor& c) noexcept {
        teredo_header h;
        if (c.peek_u8(0) == 0x00 && c.peek_u8(1) == 0x01) {
            h.authentication = true;
            c.skip(2);
            const std::size_t id = c.u8(), auth = c.u8();
            c.skip(id + auth + 9);
        }
        if (c.peek_u8(0) == 0x00 && c.peek_u8(1) == 0x00) {
            h.origin = true;
            c.skip(8);
        }
        if ((c.peek_u8(0) >> 4) != 6 || !c.has(40)) c.fail();
        return h;
    }
};

}  // namespace pktdyn
