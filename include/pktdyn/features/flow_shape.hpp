// pktdyn — a flow's shape as a behavioural classifier sees it, after CESNET's design (Luxemburk &
// Čejka, "Fine-grained TLS services classification with reject option", Computer Networks 2023;
// the CESNET-TLS22/QUIC22 datasets): the first 30 packets' direction, payload size, gap and TCP
// flags, and per direction the packet and byte counts, size and gap statistics and two 8-bin
// histograms. Nothing here names an address, a port or a server.
//
// The summary is a pure function of the packets fed to it, in order, so it can be computed again
// from the sequence columns alone for the first n packets (`summarize`): a model scores a flow
// "as it was after n packets" from its end-of-flow row, and the values equal those a flow_shape
// fed only those n packets would write (tested). Gaps are kept in whole microseconds and sizes
// in bytes up to 65,535 so that the sequence columns carry every input of the summary exactly.
//
// Columns:
//   shape_dir_i, shape_bytes_i, shape_gap_s_i, shape_flags_i   i = 1..30: the flow's i-th packet
//       (direction 0 originator / 1 responder, transport payload bytes, seconds since the flow's
//       previous packet, TCP flags); NaN past the flow's last packet
//   orig_shape_*, resp_shape_*   per direction: packets, data_packets, bytes, size_mean, size_std,
//       size_max, gap_mean_s, gap_std_s (gaps between that direction's consecutive packets),
//       size_bin_1..8 (payload bytes in [0,15], [16,31], [32,63], ..., [512,1023], [1024, ∞)),
//       gap_bin_1..8 (gaps in ms in the same bins)
//   shape_packets, shape_duration_s, shape_protocol (the IP protocol number)
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>

#include "pktdyn/features/accumulator.hpp"

namespace pktdyn {

class flow_shape {
public:
    static constexpr std::size_t length = 30;  ///< packets kept in the sequence
    static constexpr std::size_t bins = 8;

    /// One packet as the shape keeps it.
    struct packet {
        std::uint32_t gap_us = 0;  ///< since the flow's previous packet (0 for the first), saturating
        std::uint16_t bytes = 0;   ///< transport payload, saturating at 65,535
        std::uint8_t direction = 0;
        std::uint8_t flags = 0;    ///< TCP flags' low byte (FIN..CWR)
    };

    /// The statistics of a run of packets, fed one at a time.
    class summary {
    public:
        static constexpr std::size_t per_direction = 8 + 2 * bins;
        static constexpr std::size_t width = 2 * per_direction + 3;

        void add(const packet& p) noexcept {
            elapsed_us_ += p.gap_us;
            side& s = sides_[p.direction & 1];
            ++s.packets;
            s.data_packets += p.bytes != 0;
            s.bytes += p.bytes;
            s.size.add(p.bytes);
            ++s.size_bins[bin(p.bytes)];
            if (s.packets > 1) {
                const std::uint64_t gap = elapsed_us_ - s.last_us;
                s.gap.add(static_cast<double>(gap) * 1e-6);
                ++s.gap_bins[bin(gap / 1000)];
            }
            s.last_us = elapsed_us_;
        }
        void set_protocol(std::uint8_t protocol) noexcept { protocol_ = protocol; }
        /// Folds in the same flow's later part (its first gap is `seam_us`). The gaps across the seam
        /// stay out of the per-direction gap statistics.
        void merge(const summary& later, std::uint64_t seam_us) noexcept {
            for (std::size_t d = 0; d < 2; ++d) sides_[d].merge(later.sides_[d]);
            elapsed_us_ += seam_us + later.elapsed_us_;
            if (protocol_ == 0) protocol_ = later.protocol_;
        }
        void write(std::span<double> out) const noexcept {
            for (std::size_t d = 0; d < 2; ++d) sides_[d].write(out.subspan(d * per_direction, per_direction));
            out[2 * per_direction] = static_cast<double>(sides_[0].packets + sides_[1].packets);
            out[2 * per_direction + 1] = static_cast<double>(elapsed_us_) * 1e-6;
            out[2 * per_direction + 2] = protocol_;
        }

    private:
        // Bin k holds [16·2^(k-1), 16·2^k) for k ≥ 1, bin 0 holds [0, 16), the last everything above.
        static std::size_t bin(std::uint64_t v) noexcept {
            return std::min<std::size_t>(static_cast<std::size_t>(std::bit_width(v >> 4)), bins - 1);
        }
        struct running {  // Welford's mean and squared deviations, and the largest value
            std::uint32_t n = 0;
            double mean = 0, m2 = 0, max = 0;
            void add(double x) noexcept {
                ++n;
                const double delta = x - mean;
                mean += delta / n;
                m2 += delta * (x - mean);
                max = n == 1 ? x : std::max(max, x);
            }
            void merge(const running& b) noexcept {
                if (b.n == 0) return;
                if (n == 0) {
                    *this = b;
                    return;
                }
                const double na = n, nb = b.n, d = b.mean - mean;
                mean += d * nb / (na + nb);
                m2 += b.m2 + d * d * na * nb / (na + nb);
                max = std::max(max, b.max);
                n += b.n;
            }
            [[nodiscard]] double std() const noexcept { return n ? std::sqrt(std::max(0.0, m2 / n)) : 0.0; }
        };
        struct side {
            std::uint32_t packets = 0, data_packets = 0;
            std::uint64_t bytes = 0, last_us = 0;
            running size, gap;
            std::array<std::uint16_t, bins> size_bins{}, gap_bins{};
            void merge(const side& b) noexcept {
                packets += b.packets;
                data_packets += b.data_packets;
                bytes += b.bytes;
                size.merge(b.size);
                gap.merge(b.gap);
                for (std::size_t k = 0; k < bins; ++k) {
                    size_bins[k] = static_cast<std::uint16_t>(std::min(0xffff, size_bins[k] + b.size_bins[k]));
                    gap_bins[k] = static_cast<std::uint16_t>(std::min(0xffff, gap_bins[k] + b.gap_bins[k]));
                }
            }
            void write(std::span<double> out) const noexcept {
                out[0] = packets;
                out[1] = data_packets;
                out[2] = static_cast<double>(bytes);
                out[3] = size.mean;
                out[4] = size.std();
                out[5] = size.max;
                out[6] = gap.n ? gap.mean : std::numeric_limits<double>::quiet_NaN();
                out[7] = gap.n ? gap.std() : std::numeric_limits<double>::quiet_NaN();
                for (std::size_t k = 0; k < bins; ++k) {
                    out[8 + k] = size_bins[k];
                    out[8 + bins + k] = gap_bins[k];
                }
            }
        };
        std::array<side, 2> sides_{};
        std::uint64_t elapsed_us_ = 0;
        std::uint8_t protocol_ = 0;
    };

private:
    static constexpr std::array<detail::numbered_names<length>, 4> sequence_names_{
        detail::numbered_names<length>{"shape_dir_", 1}, detail::numbered_names<length>{"shape_bytes_", 1},
        detail::numbered_names<length>{"shape_gap_s_", 1}, detail::numbered_names<length>{"shape_flags_", 1}};
    static constexpr std::array<std::string_view, 4> sequence_units_{"0 orig / 1 resp", "bytes", "s", "bits"};
    static constexpr std::array<std::string_view, 4> sequence_definitions_{
        "direction of the flow's i-th packet: 0 sent by the originator, 1 by the responder",
        "transport payload bytes of the flow's i-th packet (65,535 at most)",
        "whole microseconds from the flow's previous packet to its i-th, in seconds (0 for the first)",
        "TCP flags of the flow's i-th packet (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32, ECE 64, CWR 128; 0 if not TCP)"};
    static constexpr detail::numbered_names<bins> size_bin_names_{"shape_size_bin_", 1};
    static constexpr detail::numbered_names<bins> gap_bin_names_{"shape_gap_bin_", 1};

public:
    static constexpr std::size_t sequence_width = 4 * length;
    static constexpr std::array<feature_info, sequence_width + summary::width> features = [] {
        std::array<feature_info, sequence_width + summary::width> f{};
        for (std::size_t j = 0; j < sequence_width; ++j)
            f[j] = {"", sequence_names_[j / length][j % length], sequence_units_[j / length], sequence_definitions_[j / length]};
        std::size_t at = sequence_width;
        for (std::size_t d = 1; d <= 2; ++d) {
            const std::string_view scope = flow_scopes[d];
            f[at++] = {scope, "shape_packets", "packets", "packets sent by this side"};
            f[at++] = {scope, "shape_data_packets", "packets", "packets with a transport payload sent by this side"};
            f[at++] = {scope, "shape_bytes", "bytes", "transport payload bytes sent by this side (each packet's at most 65,535)"};
            f[at++] = {scope, "shape_size_mean", "bytes", "mean transport payload of this side's packets (0 when none)"};
            f[at++] = {scope, "shape_size_std", "bytes", "population standard deviation of this side's payload sizes"};
            f[at++] = {scope, "shape_size_max", "bytes", "largest payload this side sent (0 when none)"};
            f[at++] = {scope, "shape_gap_mean_s", "s", "mean gap between this side's consecutive packets (NaN below two)"};
            f[at++] = {scope, "shape_gap_std_s", "s", "population standard deviation of those gaps (NaN below two)"};
            for (std::size_t k = 0; k < bins; ++k)
                f[at++] = {scope, size_bin_names_[k], "packets",
                           "this side's packets with payload bytes in bin k: [0,15], [16,31], [32,63], [64,127], [128,255], "
                           "[256,511], [512,1023], [1024,∞)"};
            for (std::size_t k = 0; k < bins; ++k)
                f[at++] = {scope, gap_bin_names_[k], "gaps",
                           "gaps between this side's consecutive packets in bin k, in whole ms: [0,15], [16,31], ..., [512,1023], "
                           "[1024,∞)"};
        }
        f[at++] = {"", "shape_packets", "packets", "packets of the flow, both directions"};
        f[at++] = {"", "shape_duration_s", "s", "sum of the packets' whole-microsecond gaps: first packet to last"};
        f[at++] = {"", "shape_protocol", "number", "IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...)"};
        return f;
    }();

    void update(const flow_packet& p) noexcept {
        packet k;
        if (count_ > 0) {
            const auto us = std::chrono::duration_cast<std::chrono::microseconds>(p.time - last_).count();
            k.gap_us = static_cast<std::uint32_t>(std::clamp<std::int64_t>(us, 0, std::numeric_limits<std::uint32_t>::max()));
        } else if (p.decoded != nullptr && p.decoded->has_transport) {
            totals_.set_protocol(static_cast<std::uint8_t>(p.decoded->transport));
        }
        k.bytes = static_cast<std::uint16_t>(std::min<std::uint32_t>(p.payload_length, 0xffff));
        k.direction = static_cast<std::uint8_t>(p.direction & 1);
        k.flags = static_cast<std::uint8_t>(p.tcp_flags & 0xff);
        if (count_ < length) packets_[count_] = k;
        if (count_ == 0) first_ = p.time;
        ++count_;
        last_ = p.time;
        totals_.add(k);
    }

    /// Appends the same flow's later part: its first packets where room is left, its totals.
    void merge(const flow_shape& later) noexcept {
        if (later.count_ == 0) return;
        if (count_ == 0) {
            *this = later;
            return;
        }
        const auto seam = std::chrono::duration_cast<std::chrono::microseconds>(later.first_ - last_).count();
        const std::uint32_t seam_us = static_cast<std::uint32_t>(std::clamp<std::int64_t>(seam, 0, std::numeric_limits<std::uint32_t>::max()));
        for (std::uint64_t i = 0; i < std::min<std::uint64_t>(later.count_, length) && count_ + i < length; ++i) {
            packets_[count_ + i] = later.packets_[i];
            if (i == 0) packets_[count_].gap_us = seam_us;
        }
        totals_.merge(later.totals_, seam_us);
        count_ += later.count_;
        last_ = later.last_;
    }

    void write(std::span<double> out) const noexcept {
        write_sequence(out.first(sequence_width));
        totals_.write(out.subspan(sequence_width, summary::width));
    }

    /// The summary columns of the flow as it was after its first n packets (n ≤ 30), from the
    /// sequence columns a flow_shape wrote (`sequence`: shape_dir_1 .. shape_flags_30) and its
    /// protocol: equal to what a flow_shape fed only those packets writes.
    static void summarize(std::span<const double> sequence, std::size_t n, double protocol, std::span<double> out) noexcept {
        summary s;
        s.set_protocol(static_cast<std::uint8_t>(protocol >= 0 && protocol < 256 ? protocol : 0));
        for (std::size_t i = 0; i < std::min(n, length); ++i) {
            if (std::isnan(sequence[i])) break;  // the flow had fewer packets
            packet k;
            k.direction = static_cast<std::uint8_t>(sequence[i] != 0);
            k.bytes = static_cast<std::uint16_t>(sequence[length + i]);
            k.gap_us = static_cast<std::uint32_t>(std::llround(sequence[2 * length + i] * 1e6));
            k.flags = static_cast<std::uint8_t>(sequence[3 * length + i]);
            s.add(k);
        }
        s.write(out);
    }

private:
    void write_sequence(std::span<double> out) const noexcept {
        constexpr double nan = std::numeric_limits<double>::quiet_NaN();
        for (std::size_t i = 0; i < length; ++i) {
            const bool seen = i < count_;
            const packet& k = packets_[i];
            out[i] = seen ? k.direction : nan;
            out[length + i] = seen ? k.bytes : nan;
            out[2 * length + i] = seen ? static_cast<double>(k.gap_us) * 1e-6 : nan;
            out[3 * length + i] = seen ? k.flags : nan;
        }
    }

    std::array<packet, length> packets_{};
    std::uint64_t count_ = 0;
    timestamp first_{}, last_{};
    summary totals_;
};

static_assert(flow_accumulator<flow_shape>);

}  // namespace pktdyn
