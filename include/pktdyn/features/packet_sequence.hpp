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

namespace detail {
/// Column names "splt_<kind>_<i>", built at compile time so `features` can point into them.
template <std::size_t N>
struct sequence_names {
    static constexpr std::array<std::string_view, 5> kinds{"dir", "ip_bytes", "payload_bytes", "iat", "flags"};
    std::array<std::array<char, 32>, 5 * N> text{};
    std::array<std::size_t, 5 * N> length{};

    constexpr sequence_names() {
        for (std::size_t k = 0; k < kinds.size(); ++k)
            for (std::size_t i = 0; i < N; ++i) {
                auto& t = text[k * N + i];
                std::size_t n = 0;
                for (char c : std::string_view("splt_")) t[n++] = c;
                for (char c : kinds[k]) t[n++] = c;
                t[n++] = '_';
                const std::size_t number = i + 1;
                if (number >= 100) t[n++] = static_cast<char>('0' + number / 100);
                if (number >= 10) t[n++] = static_cast<char>('0' + number / 10 % 10);
                t[n++] = static_cast<char>('0' + number % 10);
                length[k * N + i] = n;
            }
    }
    [[nodiscard]] constexpr std::string_view operator[](std::size_t j) const { return {text[j].data(), length[j]}; }
};
}  // namespace detail

template <std::size_t N = 10>
class packet_sequence {
    static_assert(N >= 1 && N <= 255, "packet_sequence: N is 1 to 255");
    static constexpr detail::sequence_names<N> names_{};
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
        for (std::size_t j = 0; j < 5 * N; ++j) f[j] = {"", names_[j], units[j / N], definitions[j / N]};
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
