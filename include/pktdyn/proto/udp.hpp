// pktdyn — UDP header (RFC 768): source port(16) destination port(16) length(16) checksum(16).
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn {

struct udp_header {
    static constexpr std::size_t size = 8;
    std::uint16_t source_port = 0, destination_port = 0;
    std::uint16_t length = 0;  ///< header + data, as the header states it
    std::uint16_t checksum = 0;

    [[nodiscard]] static udp_header parse(cursor& c) noexcept {
        udp_header h;
        h.source_port = c.u16be();
        h.destination_port = c.u16be();
        h.length = c.u16be();
        h.checksum = c.u16be();
        return h;
    }
};

}  // namespace pktdyn
