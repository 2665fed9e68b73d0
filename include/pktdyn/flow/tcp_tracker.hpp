// pktdyn — TCP dynamics of one flow: handshake timing, RTT all through the connection,
// retransmissions, reordering, duplicate ACKs, zero windows, windows and bytes in flight.
//
// Segment classification follows Wireshark's TCP sequence analysis (tcp.analysis.*, as tshark 4.0
// applies it), so the counts can be checked against tshark packet by packet; docs/flows.md writes
// the rules out. RTT is pktdyn's own: a data segment's send time to the first ACK covering it,
// never from a retransmitted segment (Karn's rule), plus TCP timestamp echoes; it is compared with
// a configured network delay on the project's own recordings.
//
// State is fixed-size (no allocation): a small ring of unacknowledged segments per direction feeds
// the RTT samples; when it is full the oldest is forgotten (fewer samples, never a wrong one).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

#include "pktdyn/core/time.hpp"
#include "pktdyn/proto/decoded_packet.hpp"

namespace pktdyn {

/// A streaming summary of RTT samples: count, min, mean, max, last, and p95 from a log-scaled
/// histogram: bins 2^(1/4) wide from 16 µs to ~1 s, so p95 is within ±9 % of a true sample value
/// (clamped to [min, max]; values beyond the range fall in the end bins).
struct rtt_summary {
    static constexpr double base_us = 16.0;
    static constexpr double bins_per_octave = 4.0;
    std::uint32_t count = 0;
    duration min{}, max{}, last{};
    double sum_ns = 0;
    static constexpr int bin_count = 64;
    std::array<std::uint16_t, bin_count> bins{};

    void add(duration d) noexcept {
        if (d.count() <= 0) return;
        if (count == 0 || d < min) min = d;
        if (count == 0 || d > max) max = d;
        last = d;
        sum_ns += static_cast<double>(d.count());
        ++count;
        const std::size_t k = bin(d);
        if (bins[k] == 0xFFFF)  // full: halve every bin, keeping the shape
            for (auto& b : bins) b = static_cast<std::uint16_t>(b / 2);
        ++bins[k];
    }
    /// floor(log2(d / 16 µs) × 4), clamped to the bins, without a logarithm: the octave from the
    /// double's exponent, the quarter by comparing its mantissa with 2^(1/4), 2^(2/4), 2^(3/4).
    static std::size_t bin(duration d) noexcept {
        const double x = static_cast<double>(d.count()) / (base_us * 1000.0);
        if (!(x > 1.0)) return 0;
        const auto bits = std::bit_cast<std::uint64_t>(x);
        const int octave = static_cast<int>(bits >> 52) - 1023;
        const double mantissa = std::bit_cast<double>((bits & 0x000F'FFFF'FFFF'FFFFull) | 0x3FF0'0000'0000'0000ull);
        const int quarter = (mantissa >= 1.1892071150027210667) + (mantissa >= 1.4142135623730950488) +
                            (mantissa >= 1.6817928305074290861);
        return static_cast<std::size_t>(std::min(octave * 4 + quarter, bin_count - 1));
    }
    [[nodiscard]] duration mean() const noexcept {
        return count ? duration{static_cast<std::int64_t>(sum_ns / count)} : duration{};
    }
    /// The 95th percentile, as the geometric middle of its bin, clamped to [min, max].
    [[nodiscard]] duration p95() const noexcept {
        if (count == 0) return {};
        std::uint64_t total = 0;
        for (auto b : bins) total += b;
        const auto rank = static_cast<std::uint64_t>(std::ceil(0.95 * static_cast<double>(total)));
        std::uint64_t seen = 0;
        for (std::size_t k = 0; k < bins.size(); ++k) {
            seen += bins[k];
            if (seen >= rank) {
                const double us = base_us * std::exp2((static_cast<double>(k) + 0.5) / bins_per_octave);
                return std::clamp(duration{static_cast<std::int64_t>(us * 1000.0)}, min, max);
            }
        }
        return max;
    }
};

/// What the tracker counts for each sender (direction), as Wireshark names it.
struct tcp_direction_metrics {
    std::uint32_t retransmissions = 0;          ///< tcp.analysis.retransmission (includes fast and spurious)
    std::uint64_t retransmitted_bytes = 0;      ///< payload bytes of those segments
    std::uint32_t fast_retransmissions = 0;     ///< tcp.analysis.fast_retransmission
    std::uint32_t spurious_retransmissions = 0; ///< tcp.analysis.spurious_retransmission
    std::uint32_t out_of_order = 0;             ///< tcp.analysis.out_of_order
    std::uint32_t duplicate_acks = 0;           ///< tcp.analysis.duplicate_ack
    std::uint32_t zero_windows = 0;             ///< tcp.analysis.zero_window: segments advertising window 0
    std::uint32_t zero_window_probes = 0;       ///< tcp.analysis.zero_window_probe
    std::uint32_t keep_alives = 0;              ///< tcp.analysis.keep_alive
    std::uint32_t window_full = 0;              ///< tcp.analysis.window_full
    std::uint32_t lost_segments = 0;            ///< tcp.analysis.lost_segment: a gap before this segment
    std::uint32_t acked_unseen = 0;             ///< tcp.analysis.ack_lost_segment: ACKs of data never seen
    std::uint64_t bytes_missed = 0;             ///< sequence space skipped by gaps (capture loss)
    duration zero_window_time{};                ///< time this side advertised a zero window
    std::uint32_t window_min = 0, window_max = 0;  ///< scaled advertised window (bytes)
    double window_sum = 0;
    std::uint32_t window_samples = 0;
    std::uint32_t max_in_flight = 0;            ///< largest unacknowledged bytes this side had out
    rtt_summary rtt;                            ///< this side's data → the other side's covering ACK
    rtt_summary ts_rtt;                         ///< this side's TSval → the other side's TSecr echo (p95 too)

    [[nodiscard]] double window_mean() const noexcept { return window_samples ? window_sum / window_samples : 0.0; }
};

/// The first sequence number of each side of a TCP flow, as Wireshark keys tcp.stream: a SYN
/// without ACK carrying another initial sequence number starts a new connection on the same tuple.
/// Kept by tcp_tracker, and alone where only that decision is needed (a pipeline's reader).
struct tcp_initial_sequence {
    std::array<std::uint32_t, 2> base{};
    std::array<bool, 2> known{};

    /// Notes the first sequence numbers a segment reveals (its own, and the peer's from its ACK).
    void observe(const decoded_packet& d, bool from_originator) noexcept {
        if (!d.has_transport || d.transport != ip_protocol::tcp || d.tcp.bad_offset) return;
        const int f = from_originator ? 0 : 1;
        const bool syn = d.tcp.flags & tcp_flag::syn;
        if (!known[f]) {
            base[f] = syn ? d.tcp.seq : d.tcp.seq - 1;
            known[f] = true;
        }
        if (!known[1 - f] && (d.tcp.flags & tcp_flag::ack)) {
            base[1 - f] = d.tcp.ack - 1;
            known[1 - f] = true;
        }
    }
    /// True for a SYN without ACK whose sequence number differs from its side's first.
    [[nodiscard]] bool starts_new_flow(const decoded_packet& d, bool from_originator) const noexcept {
        if (!d.has_transport || d.transport != ip_protocol::tcp) return false;
        const int f = from_originator ? 0 : 1;
        return (d.tcp.flags & (tcp_flag::syn | tcp_flag::ack)) == tcp_flag::syn && known[f] && d.tcp.seq != base[f];
    }
    /// True for a SYN without ACK repeating its side's first sequence number.
    [[nodiscard]] bool repeats_first(int side, std::uint32_t seq) const noexcept { return known[side] && seq == base[side]; }
};

class tcp_tracker {
public:
    std::array<tcp_direction_metrics, 2> metrics{};  ///< [0] originator as sender, [1] responder
    // Handshake and first exchange; zero when not seen.
    timestamp syn_time{}, syn_ack_time{}, handshake_ack_time{};
    std::array<timestamp, 2> first_data{};           ///< first payload byte from each side
    timestamp request_end{};                         ///< last originator data before the first response
    duration initial_rtt{};                          ///< as tcp.analysis.initial_rtt: last SYN → first ACK

    [[nodiscard]] duration syn_to_syn_ack() const noexcept { return gap(syn_time, syn_ack_time); }
    [[nodiscard]] duration syn_ack_to_ack() const noexcept { return gap(syn_ack_time, handshake_ack_time); }
    /// From the end of the originator's first request to the first byte of the response.
    [[nodiscard]] duration response_time() const noexcept { return gap(request_end, first_data[1]); }

    /// Analyses one packet of this flow (anything but a TCP segment is ignored). `from_originator`
    /// tells its sender.
    void update(const decoded_packet& d, timestamp now, bool from_originator) noexcept {
        // A header whose data offset is below 5 has no trustworthy fields past the ports (tshark
        // stops there too): it counts in its flow, not in the analysis.
        if (!d.has_transport || d.transport != ip_protocol::tcp || d.tcp.bad_offset) return;
        now = clamp_time(now);  // differences of two capture times then cannot overflow
        const tcp_header& tcp = d.tcp;
        const int f = from_originator ? 0 : 1;
        side& fwd = sides_[f];
        side& rev = sides_[1 - f];
        tcp_direction_metrics& m = metrics[f];
        const std::uint16_t flags = tcp.flags;
        const bool syn = flags & tcp_flag::syn, fin = flags & tcp_flag::fin, rst = flags & tcp_flag::rst;
        const bool ack_flag = flags & tcp_flag::ack;
        const bool sfr = syn || fin || rst;
        const std::uint32_t seq = tcp.seq, ack = tcp.ack, seglen = d.payload_length;
        const std::uint32_t window = tcp.window;

        // A SYN repeating the first sequence number restores what a RST may have advanced.
        if (syn && !ack_flag && initial_.repeats_first(f, seq)) fwd.nextseq = fwd.maxseqtobeacked;
        initial_.observe(d, from_originator);

        std::uint8_t marks = 0;  // this segment's keep-alive / zero-window-probe marks
        bool lost = false, keep_alive = false;
        // Wireshark's checks, in its order (see docs/flows.md).
        if (seglen == 1 && seq == fwd.nextseq && rev.window == 0) {
            marks |= zero_window_probe_mark;
            ++m.zero_window_probes;
        } else {
            if (window == 0 && !sfr) ++m.zero_windows;
            if (fwd.nextseq != 0 && seq_gt(seq, fwd.nextseq) && !rst) {
                lost = true;
                ++m.lost_segments;
                m.bytes_missed += seq - fwd.nextseq;
            }
            if (seglen <= 1 && seq == fwd.nextseq - 1 && !sfr) {
                keep_alive = true;
                marks |= keep_alive_mark;
                ++m.keep_alives;
            }
            const bool same_place = seglen == 0 && seq == fwd.nextseq && ack == fwd.lastack && !sfr;
            const int s = rev.is_first_ack || rev.win_scale == -2 ? 0 : rev.win_scale;
            if (seglen > 0 && rev.win_scale != -1 && !sfr &&
                static_cast<std::uint32_t>(seq + seglen) == static_cast<std::uint32_t>(rev.lastack + (rev.window << s)))
                ++m.window_full;
            const bool keep_alive_ack = same_place && window != 0 && window == fwd.window &&
                                        (rev.last_marks & keep_alive_mark);
            const bool probe_ack = same_place && window == 0 && fwd.window == 0 &&
                                   (rev.last_marks & zero_window_probe_mark);
            if (!keep_alive_ack && !probe_ack && same_place && window != 0 && window == fwd.window) {
                fwd.dupacknum = fwd.dupacknum == 0xFFFFFFFFu ? 1 : fwd.dupacknum + 1;
                ++m.duplicate_acks;
            }
        }
        if (ack != fwd.lastack) fwd.dupacknum = 0;
        if (rev.maxseqtobeacked != 0 && seq_gt(ack, rev.maxseqtobeacked) && ack_flag) {
            if (rev.maxseqtobeacked < rev.nextseq) {
                rev.maxseqtobeacked = rev.nextseq;
                ++m.acked_unseen;
            } else {
                if (rev.dupacknum == 0) ++m.acked_unseen;
                rev.dupacknum = 0xFFFFFFFFu;
            }
        }
        bool retransmitted = false;
        if ((seglen > 0 || syn || fin) && !keep_alive) {
            bool nadv = fwd.nextseq != 0 && seq_lt(seq, fwd.nextseq);
            if (seglen > 1 && fwd.nextseq - 1 == seq) nadv = false;
            if (seglen > 0 && rev.lastack != 0 && seq_le(seq + seglen, rev.lastack)) {
                ++m.spurious_retransmissions;
                retransmitted = true;
            } else if (nadv && rev.dupacknum >= 2 && rev.lastack == seq && now >= rev.lastacktime &&
                       now - rev.lastacktime < std::chrono::milliseconds(20)) {
                ++m.fast_retransmissions;
                retransmitted = true;
            } else if (nadv && now - fwd.nextseqtime < (initial_rtt.count() ? initial_rtt : std::chrono::milliseconds(3)) &&
                       now - fwd.nextseqtime >= duration{0} &&
                       fwd.nextseq != seq + seglen + ((syn || fin) ? 1u : 0u)) {
                ++m.out_of_order;
            } else if (nadv) {
                retransmitted = true;
            }
            if (retransmitted) {
                ++m.retransmissions;
                m.retransmitted_bytes += seglen;
            }
        }
        // Bookkeeping, as Wireshark's.
        std::uint32_t n = seq + seglen;
        if (seglen || syn || fin) {
            n += (syn || fin) ? 1 : 0;
            remember(fwd, seq, n, now, retransmitted);
        }
        if ((seq_gt(n, fwd.nextseq) || fwd.nextseq == 0) && !(marks & zero_window_probe_mark)) {
            fwd.nextseq = n;
            fwd.nextseqtime = now;
        }
        if ((seq == fwd.maxseqtobeacked || fwd.maxseqtobeacked == 0) && !(marks & zero_window_probe_mark))
            fwd.maxseqtobeacked = fwd.nextseq;
        // Zero-window time: from the first zero advertisement to the next non-zero one.
        if (window == 0 && !sfr && fwd.zero_since == timestamp{}) fwd.zero_since = now;
        if (window != 0 && fwd.zero_since != timestamp{}) {
            add_interval(m.zero_window_time, fwd.zero_since, now);
            fwd.zero_since = {};
        }
        fwd.window = window;
        fwd.lastack = ack;
        fwd.lastacktime = now;
        fwd.last_marks = marks;
        if (ack_flag) acknowledge(rev, metrics[1 - f], ack, now);
        timing(now, f, syn, ack_flag, seglen);  // after the analysis, as Wireshark sets initial_rtt
        timestamps(d, now, f);
        options(d, fwd, rev, syn, ack_flag);
        if (!rst) window_stats(fwd, m, window, syn);  // a RST's window is 0 by convention, not an advertisement
        in_flight(fwd, m, lost);
    }

    /// True for a SYN that starts a new connection on this flow's tuple: a SYN without ACK whose
    /// sequence number differs from the first one seen from that side (Wireshark starts a new
    /// tcp.stream there too).
    [[nodiscard]] bool starts_new_flow(const decoded_packet& d, bool from_originator) const noexcept {
        return initial_.starts_new_flow(d, from_originator);
    }

    /// Closes open intervals at the end of the flow (a zero window still advertised).
    void finish(timestamp last) noexcept {
        for (int f = 0; f < 2; ++f)
            if (sides_[f].zero_since != timestamp{}) {
                add_interval(metrics[f].zero_window_time, sides_[f].zero_since, last);
                sides_[f].zero_since = {};
            }
    }

private:
    static constexpr std::uint8_t keep_alive_mark = 1, zero_window_probe_mark = 2;
    static constexpr std::size_t ring = 8;

    struct segment {
        std::uint32_t seq = 0, end = 0;  // [seq, end) in sequence space, SYN/FIN counted
        timestamp sent{};
        bool retransmitted = false;
    };
    struct side {
        std::uint32_t nextseq = 0, maxseqtobeacked = 0, lastack = 0, window = 0xFFFFFFFFu, dupacknum = 0;
        timestamp nextseqtime{}, lastacktime{}, zero_since{};
        std::int8_t win_scale = -1;  // -1 unknown, -2 not used, 0..14 shift
        bool is_first_ack = false;
        std::uint8_t last_marks = 0;
        std::array<segment, ring> unacked{};
        std::uint8_t head = 0, size = 0;
        struct sent_tsval {
            std::uint32_t value = 0;
            bool echoed = false;   // its one RTT sample was taken
            timestamp sent{};      // when it first left (zero: unused)
        };
        std::array<sent_tsval, 4> tsvals{};  // recent distinct TSvals this side sent
        std::uint8_t ts_next = 0;
        std::uint32_t last_echo = 0;         // the TSecr of this side's previous segment
        std::uint32_t acked_edge = 0;   // highest ACK received for this side's data
        bool acked_edge_set = false;
    };

    static bool seq_lt(std::uint32_t a, std::uint32_t b) noexcept { return static_cast<std::int32_t>(a - b) < 0; }
    static bool seq_gt(std::uint32_t a, std::uint32_t b) noexcept { return static_cast<std::int32_t>(b - a) < 0; }
    static bool seq_le(std::uint32_t a, std::uint32_t b) noexcept { return static_cast<std::int32_t>(a - b) <= 0; }
    // Adds [from, to) to a total; nothing when time went backwards, and the total saturates.
    static void add_interval(duration& total, timestamp from, timestamp to) noexcept {
        if (to > from) total = saturating_add(total, saturating_elapsed(from, to));
    }
    static duration gap(timestamp a, timestamp b) noexcept {
        return a != timestamp{} && b != timestamp{} && b >= a ? b - a : duration{};
    }

    void timing(timestamp now, int f, bool syn, bool ack, std::uint32_t seglen) noexcept {
        if (syn && !ack) last_syn_ = now;        // the last SYN: a retransmitted SYN restarts the clock
        if (syn && !ack && f == 0) syn_time = now;
        if (syn && ack && f == 1 && syn_ack_time == timestamp{}) syn_ack_time = now;
        if (!syn && ack && f == 0 && syn_ack_time != timestamp{} && handshake_ack_time == timestamp{})
            handshake_ack_time = now;
        if (!syn && ack && last_syn_ != timestamp{} && initial_rtt.count() == 0 && now > last_syn_)
            initial_rtt = now - last_syn_;
        if (seglen > 0 && first_data[f] == timestamp{}) first_data[f] = now;
        if (seglen > 0 && f == 0 && first_data[1] == timestamp{}) request_end = now;
    }

    static void remember(side& s, std::uint32_t seq, std::uint32_t end, timestamp now, bool retransmitted) noexcept {
        // A retransmission marks any remembered segment it overlaps: no RTT sample from it.
        for (std::uint8_t i = 0; i < s.size; ++i) {
            segment& u = s.unacked[(s.head + i) % ring];
            if (seq_lt(seq, u.end) && seq_lt(u.seq, end)) u.retransmitted = true;
        }
        if (retransmitted) return;
        if (s.size == ring) {  // full: forget the oldest
            s.head = static_cast<std::uint8_t>((s.head + 1) % ring);
            --s.size;
        }
        s.unacked[(s.head + s.size) % ring] = {seq, end, now, false};
        ++s.size;
    }

    // An ACK from the other side for `data`'s segments: one RTT sample from the newest segment it
    // covers entirely, unless that segment was retransmitted (Karn); covered segments are dropped.
    static void acknowledge(side& data, tcp_direction_metrics& m, std::uint32_t ack, timestamp now) noexcept {
        if (data.acked_edge_set && !seq_gt(ack, data.acked_edge)) return;  // nothing new acknowledged
        data.acked_edge = ack;
        data.acked_edge_set = true;
        const segment* newest = nullptr;
        while (data.size != 0) {
            const segment& u = data.unacked[data.head];
            if (!seq_le(u.end, ack)) break;
            newest = &u;
            data.head = static_cast<std::uint8_t>((data.head + 1) % ring);
            --data.size;
        }
        if (newest && !newest->retransmitted) m.rtt.add(now - newest->sent);
    }

    // TCP timestamps: when a TSecr echoes a TSval the other side sent, the time since that TSval
    // first left is a sample; one per TSval (a TSval repeated in later segments keeps its first
    // time, an echo repeated in later segments gives nothing new). Most segments repeat the
    // previous TSval and TSecr, so those two cases are checked first.
    void timestamps(const decoded_packet& d, timestamp now, int f) noexcept {
        const tcp_header::timestamp_option o = d.tcp.timestamps();
        if (!o.present) return;
        side& me = sides_[f];
        side& peer = sides_[1 - f];
        const auto& newest = me.tsvals[(me.ts_next + me.tsvals.size() - 1) % me.tsvals.size()];
        if (newest.sent == timestamp{} || newest.value != o.value) {
            bool known = false;
            for (const auto& t : me.tsvals) known |= t.sent != timestamp{} && t.value == o.value;
            if (!known) {
                me.tsvals[me.ts_next] = {o.value, false, now};
                me.ts_next = static_cast<std::uint8_t>((me.ts_next + 1) % me.tsvals.size());
            }
        }
        if (o.echo == 0 || o.echo == me.last_echo) return;
        me.last_echo = o.echo;
        for (auto& t : peer.tsvals)
            if (t.sent != timestamp{} && !t.echoed && t.value == o.echo) {
                metrics[1 - f].ts_rtt.add(now - t.sent);
                t.echoed = true;
            }
    }

    static void options(const decoded_packet& d, side& fwd, side& rev, bool syn, bool ack) noexcept {
        if (!syn) {
            if (ack) fwd.is_first_ack = false;
            return;
        }
        const tcp_options o = d.tcp.parse_options();
        if (o.has_window_scale) fwd.win_scale = static_cast<std::int8_t>(std::min<int>(o.window_scale, 14));
        if (fwd.win_scale == -1) {
            fwd.win_scale = rev.win_scale = -2;
        } else if (ack && rev.win_scale == -2) {
            fwd.win_scale = -2;
        }
        fwd.is_first_ack = true;
    }

    static void window_stats(const side& fwd, tcp_direction_metrics& m, std::uint32_t window, bool syn) noexcept {
        const std::uint64_t scaled = syn || fwd.win_scale < 0 ? window : std::uint64_t{window} << fwd.win_scale;
        const auto w = static_cast<std::uint32_t>(std::min<std::uint64_t>(scaled, 0xFFFFFFFFu));
        if (m.window_samples == 0 || w < m.window_min) m.window_min = w;
        m.window_max = std::max(m.window_max, w);
        m.window_sum += w;
        ++m.window_samples;
    }

    // Bytes in flight for the sender: its highest sequence sent minus the highest ACK received.
    void in_flight(const side& fwd, tcp_direction_metrics& m, bool lost) const noexcept {
        if (lost || !fwd.acked_edge_set) return;
        const std::uint32_t out = fwd.nextseq - fwd.acked_edge;
        if (static_cast<std::int32_t>(out) > 0 && out < 2'000'000'000u) m.max_in_flight = std::max(m.max_in_flight, out);
    }

    std::array<side, 2> sides_{};
    tcp_initial_sequence initial_;
    timestamp last_syn_{};
};

}  // namespace pktdyn
