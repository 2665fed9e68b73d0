// pktdyn — volume balance of a flow: how the two directions compare, and how much is headers.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>

#include "pktdyn/features/accumulator.hpp"

namespace pktdyn {

class volume {
public:
    static constexpr std::array<feature_info, 5> features{{
        {"", "down_up_packet_ratio", "1 (dimensionless)", "packets the responder sent / packets the originator sent (NaN if the originator sent none)"},
        {"", "down_up_byte_ratio", "1 (dimensionless)", "IP bytes the responder sent / IP bytes the originator sent (NaN if none)"},
        {"", "payload_ratio", "1 (dimensionless)", "transport payload bytes / IP bytes, whole flow (NaN if no IP bytes)"},
        {"orig", "header_bytes", "bytes", "IP bytes minus payload bytes the originator sent: its IP and transport headers"},
        {"resp", "header_bytes", "bytes", "the same for the responder"},
    }};

    void update(const flow_packet& p) noexcept {
        side& s = sides_[static_cast<std::size_t>(p.direction)];
        ++s.packets;
        s.ip_bytes += p.ip_length;
        s.payload_bytes += p.payload_length;
    }
    void merge(const volume& later) noexcept {
        for (std::size_t i = 0; i < 2; ++i) {
            sides_[i].packets += later.sides_[i].packets;
            sides_[i].ip_bytes += later.sides_[i].ip_bytes;
            sides_[i].payload_bytes += later.sides_[i].payload_bytes;
        }
    }
    void write(std::span<double> out) const noexcept {
        constexpr double nan = std::numeric_limits<double>::quiet_NaN();
        const side &o = sides_[0], &r = sides_[1];
        const auto ratio = [&](double a, double b) { return b > 0 ? a / b : nan; };
        out[0] = ratio(static_cast<double>(r.packets), static_cast<double>(o.packets));
        out[1] = ratio(static_cast<double>(r.ip_bytes), static_cast<double>(o.ip_bytes));
        out[2] = ratio(static_cast<double>(o.payload_bytes + r.payload_bytes), static_cast<double>(o.ip_bytes + r.ip_bytes));
        // A payload longer than its IP length (malformed lengths) leaves no header bytes, never negative.
        out[3] = static_cast<double>(o.ip_bytes > o.payload_bytes ? o.ip_bytes - o.payload_bytes : 0);
        out[4] = static_cast<double>(r.ip_bytes > r.payload_bytes ? r.ip_bytes - r.payload_bytes : 0);
    }

private:
    struct side {
        std::uint64_t packets = 0, ip_bytes = 0, payload_bytes = 0;
    };
    std::array<side, 2> sides_{};
};

static_assert(flow_accumulator<volume>);

}  // namespace pktdyn
