// pktdyn — AYIYA ("Anything In Anything", SixXS), over UDP port 5072:
//   identity length(4, as a power of 2) identity type(4) | signature length(4, in 4-byte words)
//   hash method(4) | authentication method(4) operation(4) | next header(8) | epoch time(32)
//   identity | signature, then the packet named by next header (41 IPv6, 4 IPv4).
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn {

struct ayiya_header {
    static constexpr std::uint16_t port = 5072;
    std::uint8_t operation = 0;
    std::uint8_t next_header = 0;

    [[nodiscard]] bool forwards() const noexcept { return operation == 1; }

    [[nodiscard]] static ayiya_header parse(cursor& c) noexcept {
        ayiya_header h;
        const std::uint8_t id = c.u8(), sig = c.u8(), op = c.u8();
        h.operation = op & 0x0F;
        h.next_header = c.u8();
        c.skip(4);
        c.skip((std::size_t{1} << (id >> 4)) + (sig >> 4) * 4u);
        return h;
    }
};

}  // namespace pktdyn
