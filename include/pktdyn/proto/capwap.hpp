// pktdyn — CAPWAP data channel (RFC 5415), over UDP port 5247:
//   preamble(8: version 0, type 0) | HLEN(5, in 4-byte words) RID(5) WBID(5) T(1) F(1) L(1) W(1)
//   M(1) K(1) flags(3) | fragment id(16) offset(13) reserved(3) | optional fields up to HLEN*4
// T set and WBID 1 (IEEE 802.11): a native 802.11 frame follows; T clear: an 802.3 frame.
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn {

struct capwap_data_header {
    static constexpr std::uint16_t port = 5247;
    std::uint8_t header_length = 0;  ///< bytes
    bool native_wifi = false;        ///< T with WBID 1: an 802.11 frame follows
    bool fragment = false;           ///< F: a fragment of a larger frame
    bool bad = false;                ///< not version 0, or a header length below 8

    [[nodiscard]] static capwap_data_header parse(cursor& c) noexcept {
        capwap_data_header h;
        const std::uint32_t word = c.u32be();
        h.header_length = static_cast<std::uint8_t>(((word >> 19) & 0x1F) * 4);
        const unsigned wbid = (word >> 9) & 0x1F;
        h.native_wifi = ((word >> 8) & 1u) && wbid == 1;
        h.fragment = (word >> 7) & 1u;
        h.bad = (word >> 24) != 0 || h.header_length < 8;
        if (!h.bad) c.skip(h.header_length - 4u);
        return h;
    }
};

}  // namespace pktdyn
