// pktdyn — VXLAN (RFC 7348), over UDP port 4789.
//
//   flags(8: I = 0x08) reserved(24) | VNI(24) reserved(8)     then an Ethernet frame
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn {

struct vxlan_header {
    static constexpr std::size_t size = 8;
    static constexpr std::uint16_t port = 4789;
    std::uint8_t flags = 0;
    std::uint32_t vni = 0;

    [[nodiscard]] bool vni_valid() const noexcept { return flags & 0x08; }

    [[nodiscard]] static vxlan_header parse(cursor& c) noexcept {
        vxlan_header h;
        h.flags = c.u8();
        c.skip(3);
        h.vni = c.u32be() >> 8;
        return h;
    }
};

}  // namespace pktdyn
