// pktdyn — feature sets of other tools under their own column names, so models and notebooks built
// on their CSVs read pktdyn's output unchanged:
//
//   cicflowmeter_preset  the 76 numeric flow features of CICFlowMeter 4 (CIC-IDS2017/2018 CSVs),
//                        "Flow Duration" to "Idle Min"
//   nfstream_preset      NFStream's volume and statistical features (statistical_analysis=True)
//                        and its first-N SPLT arrays (splt_analysis=N) as N columns each
//
// Values follow each tool's conventions where they are conventions: units (CICFlowMeter counts
// microseconds, NFStream milliseconds, both on an integer clock truncated from the capture's
// timestamps), sample standard deviations, 0 where the tool writes 0 for an empty series, -1 as
// NFStream's SPLT padding. Where a tool is known to be wrong pktdyn computes the value its name
// promises, and docs/features.md says what differs:
//   - flows are pktdyn's (one TCP connection is one flow until FIN both ways or RST, plus linger;
//     CICFlowMeter 4 ends a flow at the first FIN, so the teardown's packets become a second flow
//     with its directions swapped), forward is pktdyn's originator (the first SYN's sender), not
//     the first packet seen;
//   - "Bwd PSH Flags" and "Bwd URG Flags" are counted (CICFlowMeter never increments them);
//   - "Down/Up Ratio" is a real ratio (CICFlowMeter divides integers);
//   - bulks: a run of at least 4 data packets from one side with no data packet from the other in
//     between and gaps of at most 1 s (CICFlowMeter breaks a run only on the other side's bulks);
//   - subflows: a flow has 1 + (gaps over 1 s) subflows and "Subflow Fwd Packets" is the mean per
//     subflow (CICFlowMeter counts only the gaps, so a flow without one reports 0);
//   - "Flow Bytes/s" and the packet rates are NaN for a flow of zero duration (CICFlowMeter writes
//     Infinity or NaN depending on the version).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

#include "pktdyn/features/accumulator.hpp"
#include "pktdyn/features/moments.hpp"
#include "pktdyn/proto/tcp.hpp"

namespace pktdyn {

namespace detail {

/// Sample statistics as Apache Commons Math's SummaryStatistics and NFStream report them: 0 for
/// an empty series, standard deviation with n - 1 (0 for one value).
struct sample_stats {
    moments m;
    void add(double x) noexcept { m.add(x); }
    /// Folds in a later part's gaps, with the gap across the seam between the parts.
    void merge_gaps(const sample_stats& later, double seam_gap) noexcept {
        m.merge(later.m);
        add(seam_gap);
    }
    [[nodiscard]] double min() const noexcept { return m.count ? m.min : 0.0; }
    [[nodiscard]] double max() const noexcept { return m.count ? m.max : 0.0; }
    [[nodiscard]] double mean() const noexcept { return m.count ? m.mean : 0.0; }
    [[nodiscard]] double sum() const noexcept { return m.count ? m.mean * static_cast<double>(m.count) : 0.0; }
    [[nodiscard]] double variance() const noexcept {
        return m.count > 1 ? std::max(0.0, m.m2 / static_cast<double>(m.count - 1)) : 0.0;
    }
    [[nodiscard]] double std() const noexcept { return std::sqrt(variance()); }
};

/// Whole units of a clock truncated from the timestamp, as the tools' integer clocks count.
template <std::int64_t NsPerUnit>
[[nodiscard]] inline std::int64_t clock_units(timestamp t) noexcept {
    const std::int64_t ns = t.time_since_epoch().count();
    return ns >= 0 ? ns / NsPerUnit : -((-ns + NsPerUnit - 1) / NsPerUnit);
}

/// The transport header as CICFlowMeter counts it: the TCP header (options included), 8 for UDP.
[[nodiscard]] inline double transport_header_bytes(const flow_packet& p) noexcept {
    if (p.decoded == nullptr || !p.decoded->has_transport) return 0;
    if (p.tcp) return p.decoded->tcp.header_length;
    return p.decoded->transport == ip_protocol::udp ? 8 : 0;
}

}  // namespace detail

/// CICFlowMeter 4's 76 numeric features (times in microseconds, lengths are transport payload bytes).
class cicflowmeter_features {
public:
    static constexpr std::int64_t bulk_gap_us = 1'000'000;      // CICFlowMeter's 1 s
    static constexpr std::int64_t subflow_gap_us = 1'000'000;   // CICFlowMeter's 1 s
    static constexpr std::int64_t activity_gap_us = 5'000'000;  // CICFlowMeter's activity timeout, 5 s

    static constexpr std::array<feature_info, 76> features{{
        {"", "Flow Duration", "us", "last packet's time minus first packet's, microseconds"},
        {"", "Total Fwd Packet", "packets", "packets from the originator (forward)"},
        {"", "Total Bwd packets", "packets", "packets from the responder (backward)"},
        {"", "Total Length of Fwd Packet", "bytes", "sum of forward packets' transport payload lengths"},
        {"", "Total Length of Bwd Packet", "bytes", "sum of backward packets' transport payload lengths"},
        {"", "Fwd Packet Length Max", "bytes", "largest forward payload length (0 without forward packets)"},
        {"", "Fwd Packet Length Min", "bytes", "smallest forward payload length (0 without forward packets)"},
        {"", "Fwd Packet Length Mean", "bytes", "mean forward payload length (0 without forward packets)"},
        {"", "Fwd Packet Length Std", "bytes", "sample standard deviation (n - 1) of forward payload lengths; 0 below 2 packets"},
        {"", "Bwd Packet Length Max", "bytes", "largest backward payload length (0 without backward packets)"},
        {"", "Bwd Packet Length Min", "bytes", "smallest backward payload length (0 without backward packets)"},
        {"", "Bwd Packet Length Mean", "bytes", "mean backward payload length (0 without backward packets)"},
        {"", "Bwd Packet Length Std", "bytes", "sample standard deviation of backward payload lengths; 0 below 2 packets"},
        {"", "Flow Bytes/s", "bytes/s", "payload bytes both ways / Flow Duration in seconds; NaN for zero duration"},
        {"", "Flow Packets/s", "packets/s", "packets both ways / Flow Duration in seconds; NaN for zero duration"},
        {"", "Flow IAT Mean", "us", "mean gap between consecutive packets of the flow (0 below 2 packets)"},
        {"", "Flow IAT Std", "us", "sample standard deviation of the flow's gaps; 0 below 3 packets"},
        {"", "Flow IAT Max", "us", "largest gap between consecutive packets (0 below 2 packets)"},
        {"", "Flow IAT Min", "us", "smallest gap between consecutive packets (0 below 2 packets)"},
        {"", "Fwd IAT Total", "us", "sum of gaps between consecutive forward packets"},
        {"", "Fwd IAT Mean", "us", "mean gap between consecutive forward packets (0 below 2)"},
        {"", "Fwd IAT Std", "us", "sample standard deviation of forward gaps; 0 below 3 forward packets"},
        {"", "Fwd IAT Max", "us", "largest gap between consecutive forward packets (0 below 2)"},
        {"", "Fwd IAT Min", "us", "smallest gap between consecutive forward packets (0 below 2)"},
        {"", "Bwd IAT Total", "us", "sum of gaps between consecutive backward packets"},
        {"", "Bwd IAT Mean", "us", "mean gap between consecutive backward packets (0 below 2)"},
        {"", "Bwd IAT Std", "us", "sample standard deviation of backward gaps; 0 below 3 backward packets"},
        {"", "Bwd IAT Max", "us", "largest gap between consecutive backward packets (0 below 2)"},
        {"", "Bwd IAT Min", "us", "smallest gap between consecutive backward packets (0 below 2)"},
        {"", "Fwd PSH Flags", "packets", "forward packets with PSH set"},
        {"", "Bwd PSH Flags", "packets", "backward packets with PSH set (CICFlowMeter always writes 0)"},
        {"", "Fwd URG Flags", "packets", "forward packets with URG set"},
        {"", "Bwd URG Flags", "packets", "backward packets with URG set (CICFlowMeter always writes 0)"},
        {"", "Fwd Header Length", "bytes", "sum of forward transport headers: TCP header with options, 8 per UDP datagram"},
        {"", "Bwd Header Length", "bytes", "sum of backward transport headers: TCP header with options, 8 per UDP datagram"},
        {"", "Fwd Packets/s", "packets/s", "forward packets / Flow Duration in seconds; NaN for zero duration"},
        {"", "Bwd Packets/s", "packets/s", "backward packets / Flow Duration in seconds; NaN for zero duration"},
        {"", "Packet Length Min", "bytes", "smallest payload length, both directions"},
        {"", "Packet Length Max", "bytes", "largest payload length, both directions"},
        {"", "Packet Length Mean", "bytes", "mean payload length, both directions"},
        {"", "Packet Length Std", "bytes", "sample standard deviation of payload lengths, both directions; 0 below 2"},
        {"", "Packet Length Variance", "bytes^2", "sample variance of payload lengths, both directions; 0 below 2"},
        {"", "FIN Flag Count", "packets", "packets with FIN set, both directions"},
        {"", "SYN Flag Count", "packets", "packets with SYN set, both directions"},
        {"", "RST Flag Count", "packets", "packets with RST set, both directions"},
        {"", "PSH Flag Count", "packets", "packets with PSH set, both directions"},
        {"", "ACK Flag Count", "packets", "packets with ACK set, both directions"},
        {"", "URG Flag Count", "packets", "packets with URG set, both directions"},
        {"", "CWR Flag Count", "packets", "packets with CWR set, both directions"},
        {"", "ECE Flag Count", "packets", "packets with ECE set, both directions"},
        {"", "Down/Up Ratio", "ratio", "backward packets / forward packets (0 without forward packets)"},
        {"", "Average Packet Size", "bytes", "payload bytes both ways / packets both ways"},
        {"", "Fwd Segment Size Avg", "bytes", "mean forward payload length (as Fwd Packet Length Mean)"},
        {"", "Bwd Segment Size Avg", "bytes", "mean backward payload length (as Bwd Packet Length Mean)"},
        {"", "Fwd Bytes/Bulk Avg", "bytes", "forward bulk payload bytes / forward bulks (0 without a bulk); a bulk: >= 4 "
                                            "data packets from one side, no data packet from the other in between, gaps <= 1 s"},
        {"", "Fwd Packet/Bulk Avg", "packets", "forward bulk packets / forward bulks (0 without a bulk)"},
        {"", "Fwd Bulk Rate Avg", "bytes/s", "forward bulk payload bytes / summed forward bulk durations in seconds (0 "
                                             "when that is 0)"},
        {"", "Bwd Bytes/Bulk Avg", "bytes", "backward bulk payload bytes / backward bulks (0 without a bulk)"},
        {"", "Bwd Packet/Bulk Avg", "packets", "backward bulk packets / backward bulks (0 without a bulk)"},
        {"", "Bwd Bulk Rate Avg", "bytes/s", "backward bulk payload bytes / summed backward bulk durations in seconds"},
        {"", "Subflow Fwd Packets", "packets", "forward packets / subflows; subflows = 1 + gaps of more than 1 s"},
        {"", "Subflow Fwd Bytes", "bytes", "forward payload bytes / subflows"},
        {"", "Subflow Bwd Packets", "packets", "backward packets / subflows"},
        {"", "Subflow Bwd Bytes", "bytes", "backward payload bytes / subflows"},
        {"", "FWD Init Win Bytes", "bytes", "TCP window field (unscaled) of the first forward packet; NaN if none or not TCP"},
        {"", "Bwd Init Win Bytes", "bytes", "TCP window field (unscaled) of the first backward packet; NaN if none or not TCP"},
        {"", "Fwd Act Data Pkts", "packets", "forward packets with at least 1 payload byte"},
        {"", "Fwd Seg Size Min", "bytes", "smallest forward transport header (CICFlowMeter's definition despite the name)"},
        {"", "Active Mean", "us", "mean duration of active periods: runs of packets with gaps <= 5 s, of positive duration"},
        {"", "Active Std", "us", "sample standard deviation of active period durations"},
        {"", "Active Max", "us", "longest active period"},
        {"", "Active Min", "us", "shortest active period"},
        {"", "Idle Mean", "us", "mean idle period: a gap of more than 5 s between packets"},
        {"", "Idle Std", "us", "sample standard deviation of idle periods"},
        {"", "Idle Max", "us", "longest idle period"},
        {"", "Idle Min", "us", "shortest idle period"},
    }};

    void update(const flow_packet& p) noexcept {
        const auto d = static_cast<std::size_t>(p.direction);
        const std::int64_t t = detail::clock_units<1000>(p.time);
        const double payload = p.payload_length, header = detail::transport_header_bytes(p);
        side& s = side_[d];
        if (packets_ == 0) {
            first_ = active_start_ = t;
        } else {
            flow_gaps_.add(static_cast<double>(t - last_));
            if (t - last_ > subflow_gap_us) ++subflow_gaps_;
            if (t - last_ > activity_gap_us) {  // an idle period ends the active one
                if (active_end_ > active_start_) active_.add(static_cast<double>(active_end_ - active_start_));
                idle_.add(static_cast<double>(t - active_end_));
                active_start_ = t;
            }
        }
        active_end_ = t;
        last_ = t;
        ++packets_;

        if (s.packets != 0) s.gaps.add(static_cast<double>(t - s.last));
        else s.first = t;
        s.last = t;
        ++s.packets;
        s.lengths.add(payload);
        all_lengths_.add(payload);
        s.header_bytes += header;
        s.header_min = s.packets == 1 ? header : std::min(s.header_min, header);
        if (p.tcp) {
            if (s.packets == 1 && p.decoded != nullptr) {
                s.initial_window = p.decoded->tcp.window;
                s.has_window = true;
            }
            if (p.tcp_flags & tcp_flag::psh) ++s.psh;
            if (p.tcp_flags & tcp_flag::urg) ++s.urg;
            for (std::size_t f = 0; f < flag_order.size(); ++f)
                if (p.tcp_flags & flag_order[f]) ++flag_counts_[f];
        }
        if (payload > 0) {
            ++s.data_packets;
            bulk_update(d, t, payload);
        }
    }

    /// Counts, sums, statistics and subflows merge exactly; a bulk or an active period that spans
    /// the seam counts as two.
    void merge(const cicflowmeter_features& later) {
        if (later.packets_ == 0) return;
        if (packets_ == 0) {
            *this = later;
            return;
        }
        flow_gaps_.merge_gaps(later.flow_gaps_, static_cast<double>(later.first_ - last_));
        subflow_gaps_ += later.subflow_gaps_ + (later.first_ - last_ > subflow_gap_us ? 1 : 0);
        // This part's open active period closes at the seam (one that spans it counts as two).
        if (active_end_ > active_start_) active_.add(static_cast<double>(active_end_ - active_start_));
        if (later.first_ - last_ > activity_gap_us) idle_.add(static_cast<double>(later.first_ - last_));
        active_.m.merge(later.active_.m);
        idle_.m.merge(later.idle_.m);
        for (std::size_t d = 0; d < 2; ++d) {
            side& s = side_[d];
            const side& l = later.side_[d];
            if (l.packets == 0) continue;
            if (s.packets == 0) {
                s = l;
                continue;
            }
            s.gaps.merge_gaps(l.gaps, static_cast<double>(l.first - s.last));
            s.lengths.m.merge(l.lengths.m);
            s.header_bytes += l.header_bytes;
            s.header_min = std::min(s.header_min, l.header_min);
            s.packets += l.packets;
            s.data_packets += l.data_packets;
            s.psh += l.psh;
            s.urg += l.urg;
            s.last = l.last;
            s.bulks += l.bulks, s.bulk_packets += l.bulk_packets, s.bulk_bytes += l.bulk_bytes;
            s.bulk_us += l.bulk_us;
            s.run_start = l.run_start, s.run_last = l.run_last, s.run_packets = l.run_packets, s.run_bytes = l.run_bytes;
        }
        all_lengths_.m.merge(later.all_lengths_.m);
        for (std::size_t f = 0; f < flag_counts_.size(); ++f) flag_counts_[f] += later.flag_counts_[f];
        packets_ += later.packets_;
        last_ = later.last_;
        active_end_ = later.active_end_;
        active_start_ = later.active_start_;
    }

    void write(std::span<double> out) const noexcept {
        constexpr double nan = std::numeric_limits<double>::quiet_NaN();
        const side &f = side_[0], &b = side_[1];
        const double duration_us = packets_ ? static_cast<double>(last_ - first_) : 0.0;
        const double seconds = duration_us / 1e6;
        const auto rate = [&](double x) { return seconds > 0 ? x / seconds : nan; };
        const double payload_bytes = f.lengths.sum() + b.lengths.sum();
        const double subflows = 1.0 + static_cast<double>(subflow_gaps_);
        // The active period still open at the end counts, as CICFlowMeter closes it at flow end.
        detail::sample_stats active = active_;
        if (packets_ && active_end_ > active_start_) active.add(static_cast<double>(active_end_ - active_start_));
        std::size_t i = 0;
        const auto put = [&](double v) { out[i++] = v; };
        put(duration_us);
        put(static_cast<double>(f.packets));
        put(static_cast<double>(b.packets));
        put(f.lengths.sum());
        put(b.lengths.sum());
        for (const side* s : {&f, &b}) {
            put(s->lengths.max());
            put(s->lengths.min());
            put(s->lengths.mean());
            put(s->lengths.std());
        }
        put(rate(payload_bytes));
        put(rate(static_cast<double>(packets_)));
        put(flow_gaps_.mean());
        put(flow_gaps_.std());
        put(flow_gaps_.max());
        put(flow_gaps_.min());
        for (const side* s : {&f, &b}) {
            put(s->gaps.sum());
            put(s->gaps.mean());
            put(s->gaps.std());
            put(s->gaps.max());
            put(s->gaps.min());
        }
        put(static_cast<double>(f.psh));
        put(static_cast<double>(b.psh));
        put(static_cast<double>(f.urg));
        put(static_cast<double>(b.urg));
        put(f.header_bytes);
        put(b.header_bytes);
        put(rate(static_cast<double>(f.packets)));
        put(rate(static_cast<double>(b.packets)));
        put(all_lengths_.min());
        put(all_lengths_.max());
        put(all_lengths_.mean());
        put(all_lengths_.std());
        put(all_lengths_.variance());
        for (std::uint32_t c : flag_counts_) put(c);
        put(f.packets ? static_cast<double>(b.packets) / static_cast<double>(f.packets) : 0.0);
        put(packets_ ? payload_bytes / static_cast<double>(packets_) : 0.0);
        put(f.lengths.mean());
        put(b.lengths.mean());
        for (const side* s : {&f, &b}) {
            put(s->bulks ? s->bulk_bytes / static_cast<double>(s->bulks) : 0.0);
            put(s->bulks ? static_cast<double>(s->bulk_packets) / static_cast<double>(s->bulks) : 0.0);
            put(s->bulk_us > 0 ? s->bulk_bytes / (static_cast<double>(s->bulk_us) / 1e6) : 0.0);
        }
        put(static_cast<double>(f.packets) / subflows);
        put(f.lengths.sum() / subflows);
        put(static_cast<double>(b.packets) / subflows);
        put(b.lengths.sum() / subflows);
        put(f.has_window ? f.initial_window : nan);
        put(b.has_window ? b.initial_window : nan);
        put(static_cast<double>(f.data_packets));
        put(f.packets ? f.header_min : 0.0);
        put(active.mean());
        put(active.std());
        put(active.max());
        put(active.min());
        put(idle_.mean());
        put(idle_.std());
        put(idle_.max());
        put(idle_.min());
    }

private:
    static constexpr std::array<std::uint16_t, 8> flag_order{tcp_flag::fin, tcp_flag::syn, tcp_flag::rst, tcp_flag::psh,
                                                             tcp_flag::ack, tcp_flag::urg, tcp_flag::cwr, tcp_flag::ece};
    struct side {
        std::uint64_t packets = 0, data_packets = 0, psh = 0, urg = 0;
        std::int64_t first = 0, last = 0;
        detail::sample_stats lengths, gaps;
        double header_bytes = 0, header_min = 0, initial_window = 0;
        bool has_window = false;
        // The run of data packets being watched, and the bulks it made.
        std::int64_t run_start = 0, run_last = 0;
        std::uint32_t run_packets = 0;
        double run_bytes = 0;
        std::uint64_t bulks = 0, bulk_packets = 0;
        double bulk_bytes = 0;
        std::int64_t bulk_us = 0;
    };

    void bulk_update(std::size_t d, std::int64_t t, double payload) noexcept {
        side& s = side_[d];
        side_[1 - d].run_packets = 0;  // a data packet from this side ends the other side's run
        if (s.run_packets == 0 || t - s.run_last > bulk_gap_us) {
            s.run_start = t;
            s.run_packets = 1;
            s.run_bytes = payload;
        } else if (++s.run_packets, s.run_bytes += payload; s.run_packets == 4) {
            ++s.bulks;  // the run has become a bulk: its first four packets count
            s.bulk_packets += 4;
            s.bulk_bytes += s.run_bytes;
            s.bulk_us += t - s.run_start;
        } else if (s.run_packets > 4) {
            ++s.bulk_packets;
            s.bulk_bytes += payload;
            s.bulk_us += t - s.run_last;
        }
        s.run_last = t;
    }

    std::array<side, 2> side_{};
    detail::sample_stats flow_gaps_, all_lengths_, active_, idle_;
    std::array<std::uint32_t, 8> flag_counts_{};
    std::uint64_t packets_ = 0, subflow_gaps_ = 0;
    std::int64_t first_ = 0, last_ = 0, active_start_ = 0, active_end_ = 0;
};

/// NFStream's volume and statistical features and its SPLT arrays (first N packets). Packet sizes
/// are IP total lengths (NFStream's accounting_mode=1), times on a millisecond clock.
template <std::size_t N = 10>
class nfstream_features {
    static_assert(N <= 255, "NFStream's splt_analysis is at most 255");
    static constexpr std::array<std::string_view, 3> scopes{"bidirectional", "src2dst", "dst2src"};
    static constexpr std::array<std::uint16_t, 8> flag_bits{tcp_flag::syn, tcp_flag::cwr, tcp_flag::ece, tcp_flag::urg,
                                                            tcp_flag::ack, tcp_flag::psh, tcp_flag::rst, tcp_flag::fin};
    static constexpr std::array<std::string_view, 8> flag_column_names{
        "syn_packets", "cwr_packets", "ece_packets", "urg_packets", "ack_packets", "psh_packets", "rst_packets",
        "fin_packets"};
    static constexpr std::size_t per_scope = 3 + 4 + 4 + 8;
    static constexpr detail::numbered_names<N> direction_names{"splt_direction_", 1},
        ps_names{"splt_ps_", 1}, piat_names{"splt_piat_ms_", 1};

public:
    static constexpr std::array<feature_info, 3 * per_scope + 3 * N> features = [] {
        std::array<feature_info, 3 * per_scope + 3 * N> f{};
        std::size_t i = 0;
        for (std::size_t s = 0; s < 3; ++s) {
            const auto sc = scopes[s];
            f[i++] = {sc, "duration_ms", "ms", "last packet's millisecond time minus the first's (src2dst: originator's "
                                               "packets, dst2src: responder's)"};
            f[i++] = {sc, "packets", "packets", "packets in this scope"};
            f[i++] = {sc, "bytes", "bytes", "sum of IP total lengths in this scope"};
        }
        for (std::size_t s = 0; s < 3; ++s) {
            const auto sc = scopes[s];
            f[i++] = {sc, "min_ps", "bytes", "smallest IP total length (0 without packets)"};
            f[i++] = {sc, "mean_ps", "bytes", "mean IP total length (0 without packets)"};
            f[i++] = {sc, "stddev_ps", "bytes", "sample standard deviation (n - 1) of IP total lengths; 0 below 2 packets"};
            f[i++] = {sc, "max_ps", "bytes", "largest IP total length (0 without packets)"};
        }
        for (std::size_t s = 0; s < 3; ++s) {
            const auto sc = scopes[s];
            f[i++] = {sc, "min_piat_ms", "ms", "smallest gap between consecutive packets, millisecond clock (0 below 2)"};
            f[i++] = {sc, "mean_piat_ms", "ms", "mean gap between consecutive packets (0 below 2)"};
            f[i++] = {sc, "stddev_piat_ms", "ms", "sample standard deviation of the gaps; 0 below 3 packets"};
            f[i++] = {sc, "max_piat_ms", "ms", "largest gap between consecutive packets (0 below 2)"};
        }
        for (std::size_t s = 0; s < 3; ++s)
            for (std::size_t k = 0; k < 8; ++k) {
                f[i++] = {scopes[s], flag_column_names[k], "packets", "packets with this TCP flag set"};
            }
        for (std::size_t k = 0; k < N; ++k)
            f[i++] = {"", direction_names[k], "0/1", "direction of the flow's packet k: 0 src2dst, 1 dst2src; -1 past the end"};
        for (std::size_t k = 0; k < N; ++k)
            f[i++] = {"", ps_names[k], "bytes", "IP total length of packet k; -1 past the end"};
        for (std::size_t k = 0; k < N; ++k)
            f[i++] = {"", piat_names[k], "ms", "packet k's time minus packet k-1's, millisecond clock (0 for the first); "
                                               "-1 past the end"};
        return f;
    }();

    void update(const flow_packet& p) noexcept {
        const std::int64_t t = detail::clock_units<1'000'000>(p.time);
        const auto d = static_cast<std::size_t>(p.direction);
        if (scope_[0].packets < N) {
            const std::size_t k = scope_[0].packets;
            splt_direction_[k] = static_cast<std::int8_t>(d);
            splt_ps_[k] = p.ip_length;
            splt_piat_[k] = k == 0 ? 0 : t - scope_[0].last;
        }
        for (scope* s : {&scope_[0], &scope_[1 + d]}) {
            if (s->packets == 0) s->first = t;
            else s->gaps.add(static_cast<double>(t - s->last));
            s->last = t;
            ++s->packets;
            s->sizes.add(p.ip_length);
            for (std::size_t k = 0; k < 8; ++k)
                if (p.tcp_flags & flag_bits[k]) ++s->flags[k];
        }
    }

    /// Exact for everything but the SPLT arrays, which keep this part's first N packets topped up
    /// with the later part's.
    void merge(const nfstream_features& later) {
        for (std::size_t k = 0; scope_[0].packets + k < N && k < later.scope_[0].packets && k < N; ++k) {
            const std::size_t at = scope_[0].packets + k;
            splt_direction_[at] = later.splt_direction_[k];
            splt_ps_[at] = later.splt_ps_[k];
            splt_piat_[at] = k == 0 && scope_[0].packets ? later.scope_[0].first - scope_[0].last : later.splt_piat_[k];
        }
        for (std::size_t s = 0; s < 3; ++s) {
            scope& e = scope_[s];
            const scope& l = later.scope_[s];
            if (l.packets == 0) continue;
            if (e.packets == 0) {
                e = l;
                continue;
            }
            e.gaps.merge_gaps(l.gaps, static_cast<double>(l.first - e.last));
            e.sizes.m.merge(l.sizes.m);
            for (std::size_t k = 0; k < 8; ++k) e.flags[k] += l.flags[k];
            e.packets += l.packets;
            e.last = l.last;
        }
    }

    void write(std::span<double> out) const noexcept {
        std::size_t i = 0;
        const auto put = [&](double v) { out[i++] = v; };
        for (const scope& s : scope_) {
            put(s.packets ? static_cast<double>(s.last - s.first) : 0.0);
            put(static_cast<double>(s.packets));
            put(s.sizes.sum());
        }
        for (const scope& s : scope_) {
            put(s.sizes.min());
            put(s.sizes.mean());
            put(s.sizes.std());
            put(s.sizes.max());
        }
        for (const scope& s : scope_) {
            put(s.gaps.min());
            put(s.gaps.mean());
            put(s.gaps.std());
            put(s.gaps.max());
        }
        for (const scope& s : scope_)
            for (std::uint32_t c : s.flags) put(c);
        const std::size_t seen = std::min<std::uint64_t>(scope_[0].packets, N);
        for (std::size_t k = 0; k < N; ++k) put(k < seen ? splt_direction_[k] : -1);
        for (std::size_t k = 0; k < N; ++k) put(k < seen ? static_cast<double>(splt_ps_[k]) : -1);
        for (std::size_t k = 0; k < N; ++k) put(k < seen ? static_cast<double>(splt_piat_[k]) : -1);
    }

private:
    struct scope {
        std::uint64_t packets = 0;
        std::int64_t first = 0, last = 0;
        detail::sample_stats sizes, gaps;
        std::array<std::uint32_t, 8> flags{};
    };
    std::array<scope, 3> scope_{};
    std::array<std::int8_t, N> splt_direction_{};
    std::array<std::uint32_t, N> splt_ps_{};
    std::array<std::int64_t, N> splt_piat_{};
};

/// The presets as flow states for flow_table / flow_path / tracked_features.
using cicflowmeter_preset = feature_set<cicflowmeter_features>;
using nfstream_preset = feature_set<nfstream_features<>>;

}  // namespace pktdyn
