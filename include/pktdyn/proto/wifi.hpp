// pktdyn — IEEE 802.11 data frames and the radiotap header in front of them.
//
// 802.11 MAC header: frame control(2, little-endian: version(2) type(2) subtype(4) | ToDS FromDS
//   MoreFrag Retry PwrMgt MoreData Protected Order) duration(2) address 1-3 (18) sequence(2)
//   [address 4 (6) if ToDS and FromDS] [QoS control(2) if a QoS data subtype]
//   [HT control(4) if QoS and Order], then 802.2 LLC/SNAP and the payload's EtherType.
// Only data frames carry IP; management and control frames, null data and protected (encrypted)
// frames stop the walk. Of an A-MSDU aggregate the first subframe is read.
// Radiotap: version(1) pad(1) length(2, little-endian) present flags ..., then the 802.11 frame.
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"
#include "pktdyn/proto/ethernet.hpp"

namespace pktdyn {

struct wifi_header {
    enum class kind : std::uint8_t { data, not_data, no_body, protected_body, not_snap };
    kind what = kind::not_data;
    std::uint16_t frame_control = 0;
    std::uint16_t ether_type = 0;  ///< of the payload, when `what` is data
    bool aggregate = false;        ///< an A-MSDU: the payload is its first subframe

    /// `swapped`: the two frame-control bytes come in the other order, as Cisco access points send
    /// them inside CAPWAP (Wireshark's default there too).
    [[nodiscard]] static wifi_header parse(cursor& c, bool swapped = false) noexcept {
        wifi_header h;
        h.frame_control = swapped ? c.u16be() : c.u16le();
        const unsigned type = (h.frame_control >> 2) & 0x3, subtype = (h.frame_control >> 4) & 0xF;
        const unsigned flags = h.frame_control >> 8;
        if (type != 2) return h;  // management, control, extension
        c.skip(22);
        if ((flags & 0x03) == 0x03) c.skip(6);
        const bool qos = subtype & 0x8;
        std::uint16_t qos_control = 0;
        if (qos) qos_control = c.u16le();
        if (qos && (flags & 0x80)) c.skip(4);
        if (subtype & 0x4) {
            h.what = kind::no_body;
            return h;
        }
        if (flags & 0x40) {
            h.what = kind::protected_body;
            return h;
        }
        if (qos_control & 0x80) {  // A-MSDU: subframe destination, source, length, then LLC/SNAP
            h.aggregate = true;
            c.skip(14);
        }
        if (!c.has(8)) {  // too short for LLC/SNAP: cut by the capture
            c.fail();
            return h;
        }
        if (c.peek_u8(0) == 0xAA && c.peek_u8(1) == 0xAA && c.peek_u8(2) == 0x03) {
            c.skip(6);
            h.ether_type = c.u16be();
            h.what = kind::data;
        } else {
            h.what = kind::not_snap;
        }
        return h;
    }
};

struct radiotap_header {
    std::uint16_t length = 0;

    [[nodiscard]] static radiotap_header parse(cursor& c) noexcept {
        radiotap_header h;
        c.skip(2);
        h.length = c.u16le();
        if (h.length < 8) c.fail();
        c.skip(h.length - 4u);
        return h;
    }
};

}  // namespace pktdyn
