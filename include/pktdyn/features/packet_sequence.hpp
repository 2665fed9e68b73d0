// pktdyn — the first packets of a flow as sequences (SPLT: sequence of packet lengths and times):
// for each of the first N packets (N from 1 to 255), its direction, IP length, payload length, gap
// since the flow's previous packet and TCP flags. Columns are grouped by kind, each numbered from 1:
// splt_dir_1..N, splt_ip_bytes_1..N, splt_payload_bytes_1..N, splt_iat_1..N, splt_flags_1..N.
// Positions past the flow's last packet are NaN.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>

#include "pktdyn/features/accumulator.hpp"

namespace pktdyn {

template <std::size_t N = 10>
class packet_sequence {
    static_assert(N >= 1 && N <= 255, "packet_sequence: N is 1 to 255");
    // Column names "splt_<kind>_<i>", i from 1.
    static constexpr std::array<detail::numbered_names<N>, 5> names_{
        detail::numbered_names<N>{"splt_dir_", 1}, detail::numbered_names<N>{"splt_ip_bytes_", 1},
        detail::numbered_names<N>{"splt_payload_bytes_", 1}, detail::numbered_names<N>{"splt_iat_", 1},
        detail::numbered_names<N>{"splt_flags_", 1}};
    static constexpr std::array<std::string_view, 5> units{"0 orig / 1 resp", "bytes", "bytes", "s", "bits"};
    static constexpr std::array<std::string_view, 5> definitions{
        "direction of the flow's i-th packet: 0 sent by the originator, 1 by the responder",
        "IP length of the flow's i-th packet",
        "transport payload length of the flow's i-th packet",
        "gap from the flow's (i-1)-th packet to its i-th (0 for the first)",
        "TCP flags of the flow's i-th packet (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32, ECE 64, CWR 128; 0 if not TCP)",
    };

public:
    static constexpr std::size_t length = N;
    static constexpr std::array<feature_info, 5 * N> features = [] {
        std::array<feature_info, 5 * N> f{};
        for (std::size_t j = 0; j < 5 * N; ++j) f[j] = {"", names_[j / N][j % N], units[j / N], definitions[j / N]};
        return f;
    }();

    void update(const flow_packet& p) noexcept {
        if (count_ < N) {
            entry& e = entries_[count_];
            e.direction = static_cast<std::uint8_t>(p.direction);
            e.ip_length = p.ip_length;
            e.payload_length = p.payload_length;
            e.gap = count_ ? p.time - last_ : duration{};
            e.flags = static_cast<std::uint16_t>(p.tcp_flags);
        }
        if (count_ == 0) first_ = p.time;
        count_ += count_ <= N;  // past N, only "more than N" matters (for merge)
        last_ = p.time;
    }

    /// Appends the same flow's later packets where room is left.
    void merge(const packet_sequence& later) noexcept {
        if (later.count_ == 0) return;
        if (count_ == 0) {
            *this = later;
            return;
        }
        std::size_t from = 0;
        for (; from < std::min<std::size_t>(later.count_, N) && count_ < N; ++from) {
            entry e = later.entries_[from];
            if (from == 0) e.gap = later.first_ - last_;
            entries_[count_++] = e;
        }
        count_ = std::min<std::size_t>(count_ + (later.count_ - from), N + 1);
        last_ = later.last_;
    }

    void write(std::span<double> out) const noexcept {
        constexpr double nan = std::numeric_limits<double>::quiet_NaN();
        for (std::size_t i = 0; i < N; ++i) {
            const bool seen = i < count_;
            const entry& e = entries_[i];
            out[i] = seen ? e.direction : nan;
            out[N + i] = seen ? e.ip_length : nan;
            out[2 * N + i] = seen ? e.payload_length : nan;
            out[3 * N + i] = seen ? to_seconds(e.gap) : nan;
            out[4 * N + i] = seen ? e.flags : nan;
        }
    }

    /// Packets recorded (at most N).
    [[nodiscard]] std::size_t size() const noexcept { return std::min<std::size_t>(count_, N); }

private:
    struct entry {
        duration gap{};
        std::uint32_t ip_length = 0, payload_length = 0;
        std::uint16_t flags = 0;
        std::uint8_t direction = 0;
    };
    std::array<entry, N> entries_{};
    std::size_t count_ = 0;  // packets seen, saturating at N + 1
    timestamp first_{}, last_{};
};

static_assert(flow_accumulator<packet_sequence<>>);

}  // namespace pktdyn
