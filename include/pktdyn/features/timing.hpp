// pktdyn — timing shape of a flow: jitter per direction, and bursts separated by idle periods.
//
// jitter: RFC 3550 section 6.4.1's estimator, J += (|D| - J) / 16, per direction. RFC 3550's
//   D = (R_i - R_(i-1)) - (S_i - S_(i-1)) needs the sender's clock, which a passive meter does not
//   see; here D_i = (R_i - R_(i-1)) - (R_(i-1) - R_(i-2)), the change between consecutive
//   inter-arrival gaps (the previous gap stands in for the sender's spacing). For a sender with
//   constant spacing and independent path delays this is the difference of two RFC D values, so it
//   grows with the path's jitter as RFC 3550's J does (tests check it against configured netem
//   jitter). J starts at 0 with the third packet; NaN with fewer than 3.
// activity: a burst is a maximal run of the flow's packets whose gaps stay below `IdleMs`
//   milliseconds (default 1 s); a gap of at least that is an idle period. Counts, sizes and
//   durations of both, and the active time (sum of burst durations) and idle time (sum of idle gaps).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>

#include "pktdyn/features/accumulator.hpp"
#include "pktdyn/features/moments.hpp"

namespace pktdyn {

class jitter {
public:
    static constexpr std::array<feature_info, 2> features{{
        {"orig", "jitter", "s", "RFC 3550 jitter estimate over the originator's packets, D = change in its inter-arrival gap"},
        {"resp", "jitter", "s", "RFC 3550 jitter estimate over the responder's packets, D = change in its inter-arrival gap"},
    }};

    void update(const flow_packet& p) noexcept { sides_[static_cast<std::size_t>(p.direction)].add(p.time); }

    /// Exact up to rounding: the estimate is linear in its start, so the later part's estimate (which
    /// started at 0) adds to ours decayed by its number of samples, after the two packets at the seam.
    void merge(const jitter& later) noexcept {
        for (std::size_t i = 0; i < 2; ++i) {
            side& e = sides_[i];
            const side& l = later.sides_[i];
            if (l.packets == 0) continue;
            e.add(l.first);
            if (l.packets >= 2) e.add(l.second);
            if (l.packets >= 3) {
                e.j = e.j * std::pow(15.0 / 16.0, static_cast<double>(l.samples)) + l.j;
                e.samples += l.samples;
                e.packets += l.packets - 2;
                e.last = l.last;
                e.last_gap = l.last_gap;
            }
        }
    }
    void write(std::span<double> out) const noexcept {
        for (std::size_t i = 0; i < 2; ++i)
            out[i] = sides_[i].packets >= 3 ? sides_[i].j : std::numeric_limits<double>::quiet_NaN();
    }

private:
    struct side {
        std::uint64_t packets = 0, samples = 0;
        timestamp first{}, second{}, last{};
        duration last_gap{};
        double j = 0;
        void add(timestamp t) noexcept {
            if (packets == 0) first = t;
            if (packets == 1) second = t;
            if (packets >= 1) {
                const duration gap = t - last;
                if (packets >= 2) {
                    j += (std::abs(to_seconds(gap - last_gap)) - j) / 16.0;
                    ++samples;
                }
                last_gap = gap;
            }
            last = t;
            ++packets;
        }
    };
    std::array<side, 2> sides_{};
};

template <int IdleMs = 1000>
class activity {
    static_assert(IdleMs > 0);

public:
    static constexpr duration threshold = std::chrono::milliseconds(IdleMs);
    static constexpr std::array<feature_info, 12> features{{
        {"", "burst_count", "bursts", "bursts: maximal runs of packets with gaps below the idle threshold (1 s unless configured)"},
        {"", "burst_packets_mean", "packets", "mean packets per burst"},
        {"", "burst_packets_max", "packets", "most packets in a burst"},
        {"", "burst_bytes_mean", "bytes", "mean IP bytes per burst"},
        {"", "burst_bytes_max", "bytes", "most IP bytes in a burst"},
        {"", "burst_duration_mean", "s", "mean burst duration, first to last packet"},
        {"", "burst_duration_max", "s", "longest burst duration"},
        {"", "idle_count", "periods", "gaps of at least the idle threshold"},
        {"", "idle_mean", "s", "mean idle gap (NaN without one)"},
        {"", "idle_max", "s", "longest idle gap (NaN without one)"},
        {"", "active_time", "s", "sum of burst durations"},
        {"", "idle_time", "s", "sum of idle gaps"},
    }};

    void update(const flow_packet& p) noexcept {
        if (packets_++ == 0) {
            first_ = {1, p.ip_length, p.time, p.time};
        } else if (p.time - last_ >= threshold) {
            idle_.add(to_seconds(p.time - last_));
            close_open_burst();
            current_ = {1, p.ip_length, p.time, p.time};
        } else {
            open_burst().extend(p.ip_length, p.time);
        }
        last_ = p.time;
    }

    /// Exact: the later part's first burst joins our open one when the gap between the parts is
    /// below the threshold, else the gap is one more idle period.
    void merge(const activity& later) noexcept {
        if (later.packets_ == 0) return;
        if (packets_ == 0) {
            *this = later;
            return;
        }
        const duration gap = later.first_.start - last_;
        if (gap < threshold) {
            burst& open = open_burst();
            open.packets += later.first_.packets;
            open.bytes += later.first_.bytes;
            open.end = later.first_.end;
            if (later.first_closed_) {
                close_open_burst();
                closed_.merge(later.closed_);
                current_ = later.current_;
            }
        } else {
            idle_.add(to_seconds(gap));
            close_open_burst();
            if (later.first_closed_) {
                closed_.add(later.first_);
                closed_.merge(later.closed_);
                current_ = later.current_;
            } else {
                current_ = later.first_;
            }
        }
        idle_.merge(later.idle_);
        packets_ += later.packets_;
        last_ = later.last_;
    }

    void write(std::span<double> out) const noexcept {
        burst_stats all = closed_;
        if (packets_ != 0) all.add(first_);
        if (first_closed_) all.add(current_);
        out[0] = static_cast<double>(all.packets.count);
        out[1] = all.packets.average();
        out[2] = all.packets.maximum();
        out[3] = all.bytes.average();
        out[4] = all.bytes.maximum();
        out[5] = all.duration.average();
        out[6] = all.duration.maximum();
        out[7] = static_cast<double>(idle_.count);
        out[8] = idle_.average();
        out[9] = idle_.maximum();
        out[10] = all.duration.mean * static_cast<double>(all.duration.count);
        out[11] = idle_.mean * static_cast<double>(idle_.count);
    }

private:
    struct burst {
        std::uint64_t packets = 0, bytes = 0;
        timestamp start{}, end{};
        void extend(std::uint32_t ip_length, timestamp t) noexcept {
            ++packets;
            bytes += ip_length;
            end = t;
        }
    };
    struct burst_stats {
        moments packets, bytes, duration;
        void add(const burst& b) noexcept {
            packets.add(static_cast<double>(b.packets));
            bytes.add(static_cast<double>(b.bytes));
            duration.add(to_seconds(b.end - b.start));
        }
        void merge(const burst_stats& o) noexcept {
            packets.merge(o.packets);
            bytes.merge(o.bytes);
            duration.merge(o.duration);
        }
    };

    // The first burst is kept apart from the others so a merge can join it to the earlier part.
    burst& open_burst() noexcept { return first_closed_ ? current_ : first_; }
    void close_open_burst() noexcept {
        if (first_closed_) closed_.add(current_);
        first_closed_ = true;
    }

    std::uint64_t packets_ = 0;
    burst first_, current_;      // the flow's first burst; the open burst once the first has closed
    bool first_closed_ = false;
    burst_stats closed_;         // bursts other than the first and the open one
    moments idle_;
    timestamp last_{};
};

static_assert(flow_accumulator<jitter>);
static_assert(flow_accumulator<activity<>>);

}  // namespace pktdyn
