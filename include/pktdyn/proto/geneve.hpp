// pktdyn — Geneve (RFC 8926), over UDP port 6081.
//
//   version(2) option length(6, in 4-byte words) | O(1) C(1) reserved(6) | protocol type(16)
//   VNI(24) reserved(8)
//   options: class(16) type(8) reserved(3) length(5, in 4-byte words) data ...
// The protocol type is an EtherType: 0x6558 (Ethernet), 0x0800, 0x86DD.
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn {

struct geneve_header {
    static constexpr std::uint16_t port = 6081;
    std::uint8_t version = 0;
    std::uint8_t option_count = 0;
    std::uint16_t options_length = 0;  ///< bytes
    std::uint16_t protocol = 0;
    std::uint32_t vni = 0;
    bool oam = false;
    bool bad_options = false;          ///< an option runs past the option area

    [[nodiscard]] static geneve_header parse(cursor& c) noexcept {
        geneve_header h;
        const std::uint8_t first = c.u8();
        h.version = first >> 6;
        h.options_length = static_cast<std::uint16_t>((first & 0x3F) * 4);
        h.oam = c.u8() & 0x80;
        h.protocol = c.u16be();
        h.vni = c.u32be() >> 8;
        cursor options = c.sub(h.options_length);
        while (options.ok() && options.remaining() >= 4) {
            options.skip(3);
            const std::size_t length = (options.u8() & 0x1Fu) * 4u;
            if (!options.has(length)) {
                h.bad_options = true;
                break;
            }
            options.skip(length);
            ++h.option_count;
        }
        if (options.remaining() != 0) h.bad_options = true;
        return h;
    }
};

}  // namespace pktdyn
