// pktdyn — ICMP (RFC 792) and ICMPv6 (RFC 4443): type(8) code(8) checksum(16) rest-of-header(32).
// Error messages quote the offending packet's IP header and at least 8 bytes of what followed it,
// which is how an error is tied to the flow that caused it.
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn {

struct icmp_header {
    static constexpr std::size_t size = 8;
    std::uint8_t type = 0, code = 0;
    std::uint32_t rest = 0;  ///< identifier + sequence for echo; unused/MTU/pointer for errors

    [[nodiscard]] static icmp_header parse(cursor& c) noexcept {
        icmp_header h;
        h.type = c.u8();
        h.code = c.u8();
        c.skip(2);
        h.rest = c.u32be();
        return h;
    }

    /// ICMPv4 errors that quote a packet: destination unreachable, source quench, redirect, time
    /// exceeded, parameter problem.
    [[nodiscard]] bool v4_error() const noexcept {
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    }
    /// ICMPv6 errors: types 1-4 (unreachable, packet too big, time exceeded, parameter problem).
    [[nodiscard]] bool v6_error() const noexcept { return type >= 1 && type <= 4; }
};

}  // namespace pktdyn
