// pktdyn — PIM (RFC 7761), IP protocol 103. A Register message (type 1) carries a multicast data
// packet from a source's router to the rendezvous point: version(4)=2 type(4) reserved(8)
// checksum(16) | B(1) N(1) reserved(30), then the encapsulated IP packet. It is followed as a tunnel.
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn {

struct pim_header {
    static constexpr std::uint8_t protocol = 103;
    std::uint8_t version = 0, type = 0;

    [[nodiscard]] bool is_register() const noexcept { return version == 2 && type == 1; }

    /// Reads the common header, and a Register's 4-byte flags so the cursor stands at its packet.
    [[nodiscard]] static pim_header parse(cursor& c) noexcept {
        pim_header h;
        const std::uint8_t first = c.u8();
        h.version = first >> 4;
        h.type = first & 0x0F;
        c.skip(3);
        if (h.is_register()) c.skip(4);
        return h;
    }
};

}  // namespace pktdyn
