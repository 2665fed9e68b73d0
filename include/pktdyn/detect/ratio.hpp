// pktdyn — a producer/consumer ratio shift: a host of our networks that usually takes in more than
// it sends (a workstation) turning into a producer for an hour — the shape of data leaving it, even
// to peers it knows and in volumes its byte bands allow.
//
// The producer/consumer ratio (PCR; Bullard and Gerth, "Producer-Consumer Ratio", FloCon 2014) of a
// host over an hour is (sent − received) / (sent + received), in [−1, +1]: −1 a pure consumer
// (downloads), +1 a pure producer (uploads, a server). A host's bytes count in both its roles (as
// originator and as responder of a flow), in the hour of the flow's last packet, packet time. An
// hour with at least `min_hour_bytes` (10 kB: a few requests) of traffic is active: its PCR, in hundredths, joins the
// host's last `history` (24) active hours; quiet hours say nothing about a host's character and are
// skipped. An active hour is judged against the hours before it once `warm_up` (12) are known: a
// shift when its PCR is above the median by at least `min_shift` (0.5) and above the median plus
// `k` (3.5) scaled MADs (models/mad_detector.hpp's rule), and the host sent at least `min_sent`
// (10 MB) in it. Only the producer side is told: a host turning consumer is a download, no threat.
//
// Fixed memory: `capacity` hosts (96 B each, allocated at the first flow) in buckets of 8; a new host
// at a full bucket takes the place of the host seen least recently (an eviction, counted). State
// saves and restores exactly (a malformed text is an error naming its line).
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/baseline/sketch_hash.hpp"
#include "pktdyn/core/result.hpp"
#include "pktdyn/detect/alert.hpp"
#include "pktdyn/detect/context.hpp"
#include "pktdyn/detect/flow_facts.hpp"
#include "pktdyn/detect/volume.hpp"
#include "pktdyn/models/mad_detector.hpp"
#include "pktdyn/models/state_text.hpp"

namespace pktdyn {

struct ratio_config {
    std::size_t capacity = 1 << 16;  ///< hosts tracked (rounded up to a power of two times 8)
    std::size_t warm_up = 12;        ///< active hours known before an hour is judged (at most 24)
    double min_hour_bytes = 10e3;    ///< traffic that makes an hour active
    double min_sent = 10e6;          ///< bytes sent in the hour before a shift is told
    double min_shift = 0.5;          ///< PCR above the host's median by at least this
    double k = 3.5;                  ///< and above the median + k · 1.4826 · MAD
};

class detector_set;

class ratio_detector {
    friend class detector_set;  // saves and restores the long-lived state

public:
    static constexpr std::size_t history = 24;  ///< active hours kept per host
    static constexpr std::size_t ways = 8;

    explicit ratio_detector(ratio_config c = {}) : c_(c) {
        std::size_t buckets = 1;
        while (buckets * ways < c_.capacity) buckets *= 2;
        mask_ = buckets - 1;
    }

    void observe(const flow_facts& f, const detect_context& ctx, std::vector<alert>& out) {
        const std::int64_t hour = to_ns(f.last) / 3'600'000'000'000;
        if (ctx.is_internal(f.originator)) add(f.originator, hour, f.orig_bytes, f.resp_bytes, f.responder, ctx, out);
        if (ctx.is_internal(f.responder)) add(f.responder, hour, f.resp_bytes, f.orig_bytes, f.originator, ctx, out);
    }

    [[nodiscard]] std::uint64_t evictions() const noexcept { return evictions_; }
    [[nodiscard]] std::size_t tracked() const noexcept {
        return static_cast<std::size_t>(std::count_if(slots_.begin(), slots_.end(), [](const slot& s) { return s.count_or_used != 0; }));
    }

    // ---- State: "pktdyn.ratio_table 1", "slots N", "entries K", then K lines of numbers: slot,
    // version, the address as two words, open hour, sent, received, the hour's top peer (version,
    // two words) and its bytes, history count and next position, the history as three words.
    [[nodiscard]] std::string save() const {
        std::size_t used = 0;
        for (const slot& s : slots_) used += s.count_or_used != 0;
        std::string text = fmt::format("pktdyn.ratio_table 1\nslots {}\nentries {}\n", (mask_ + 1) * ways, used);
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            const slot& s = slots_[i];
            if (s.count_or_used == 0) continue;
            const auto a = words(s.host), p = words(s.top_peer);
            std::array<std::uint64_t, 3> h{};
            std::memcpy(h.data(), s.pcr.data(), sizeof h);
            text += fmt::format("{} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}\n", i, s.host.version, a[0], a[1], s.hour, s.sent,
                                s.received, s.top_peer.version, p[0], p[1], s.top_bytes, s.count_or_used - 1, s.next, h[0], h[1], h[2]);
        }
        return text;
    }

    [[nodiscard]] static result<ratio_detector> restore(std::string_view text, ratio_config c = {}) {
        state_lines r(text, "ratio");
        if (r.line() != "pktdyn.ratio_table 1") return r.fail("expected 'pktdyn.ratio_table 1'");
        std::size_t slots = 0, entries = 0;
        ratio_detector d(c);
        if (!r.field("slots", slots) || slots != (d.mask_ + 1) * ways) return r.fail(fmt::format("expected 'slots {}' (this build's capacity)", (d.mask_ + 1) * ways));
        if (!r.field("entries", entries) || entries > slots) return r.fail("expected 'entries N', N <= slots");
        if (entries > 0) d.slots_.resize(slots);
        std::size_t previous = 0;
        for (std::size_t k = 0; k < entries; ++k) {
            std::size_t index = 0;
            unsigned version = 0, top_version = 0, count = 0, next = 0;
            std::array<std::uint64_t, 2> a{}, p{};
            std::array<std::uint64_t, 3> h{};
            slot s;
            if (!state_lines::numbers(r.line(), index, version, a[0], a[1], s.hour, s.sent, s.received, top_version, p[0], p[1], s.top_bytes,
                                      count, next, h[0], h[1], h[2]))
                return r.fail("expected 16 numbers: SLOT VERSION W W HOUR SENT RECEIVED VERSION W W BYTES COUNT NEXT H H H");
            if (index >= slots || (k > 0 && index <= previous)) return r.fail("slots must increase and lie below 'slots'");
            if ((version != 4 && version != 6) || (top_version != 0 && top_version != 4 && top_version != 6) || count > history ||
                next >= history || !(s.sent >= 0) || !(s.received >= 0))
                return r.fail("a version other than 4 or 6, a history longer than 24, or negative bytes");
            s.host = address(static_cast<std::uint8_t>(version), a);
            s.top_peer = address(static_cast<std::uint8_t>(top_version), p);
            if (d.bucket_of(s.host) != index / ways) return r.fail("a host that does not belong in its slot");
            std::memcpy(s.pcr.data(), h.data(), sizeof h);
            if (std::any_of(s.pcr.begin(), s.pcr.end(), [](std::int8_t v) { return v < -100 || v > 100; }))
                return r.fail("a ratio outside -100 to 100");
            s.count_or_used = static_cast<std::uint8_t>(count + 1);
            s.next = static_cast<std::uint8_t>(next);
            d.slots_[index] = s;
            previous = index;
        }
        if (!r.at_end()) return r.fail_trailing("the last entry");
        return d;
    }

private:
    struct slot {
        ip_address host, top_peer;    // the host; the peer it sent the most to in the open hour
        std::uint8_t count_or_used = 0;  // 0: free; else 1 + the active hours in the history
        std::uint8_t next = 0;           // where the next active hour goes
        std::array<std::int8_t, history> pcr{};  // hundredths
        std::int64_t hour = 0;           // the open hour
        double sent = 0, received = 0, top_bytes = 0;
    };

    static std::array<std::uint64_t, 2> words(const ip_address& a) noexcept {
        std::array<std::uint64_t, 2> w{};
        std::memcpy(w.data(), a.bytes.data(), 16);
        return w;
    }
    static ip_address address(std::uint8_t version, const std::array<std::uint64_t, 2>& w) noexcept {
        ip_address a;
        std::memcpy(a.bytes.data(), w.data(), 16);
        a.version = version;
        return a;
    }
    [[nodiscard]] std::size_t bucket_of(const ip_address& a) const noexcept {
        return sketch_hash(address_bytes(a), a.version) & mask_;
    }

    slot& slot_of(const ip_address& host, std::int64_t hour) {
        if (slots_.empty()) slots_.resize((mask_ + 1) * ways);
        slot* bucket = &slots_[bucket_of(host) * ways];
        slot* oldest = bucket;
        for (std::size_t i = 0; i < ways; ++i) {
            slot& s = bucket[i];
            if (s.count_or_used != 0 && s.host == host) return s;
            if (s.count_or_used == 0) {
                oldest = &s;
                break;
            }
            if (s.hour < oldest->hour) oldest = &s;
        }
        if (oldest->count_or_used != 0) ++evictions_;
        *oldest = slot{};
        oldest->host = host;
        oldest->hour = hour;
        oldest->count_or_used = 1;
        return *oldest;
    }

    void add(const ip_address& host, std::int64_t hour, std::uint64_t sent, std::uint64_t received, const ip_address& peer,
             const detect_context& ctx, std::vector<alert>& out) {
        slot& s = slot_of(host, hour);
        if (hour > s.hour) close(s, hour, ctx, out);
        if (hour < s.hour) return;  // a flow ending in an hour already closed is left out, as in profile.hpp
        s.sent += static_cast<double>(sent);
        s.received += static_cast<double>(received);
        if (static_cast<double>(sent) > s.top_bytes) {
            s.top_bytes = static_cast<double>(sent);
            s.top_peer = peer;
        }
    }

    void close(slot& s, std::int64_t to_hour, const detect_context& ctx, std::vector<alert>& out) {
        const double total = s.sent + s.received;
        if (total >= c_.min_hour_bytes) {
            const double pcr = (s.sent - s.received) / total;
            const std::size_t known = s.count_or_used - 1u;
            if (known >= std::min(c_.warm_up, history) && !ctx.learning(timestamp{std::chrono::hours(s.hour)})) judge(s, pcr, known, out);
            s.pcr[s.next] = static_cast<std::int8_t>(std::lround(pcr * 100));
            s.next = static_cast<std::uint8_t>((s.next + 1) % history);
            if (known < history) ++s.count_or_used;
        }
        s.hour = to_hour;
        s.sent = s.received = s.top_bytes = 0;
        s.top_peer = ip_address{};
    }

    void judge(const slot& s, double pcr, std::size_t known, std::vector<alert>& out) const {
        std::array<double, history> past{};
        for (std::size_t i = 0; i < known; ++i) past[i] = s.pcr[i] / 100.0;
        const double median = median_of(past.data(), known);
        for (std::size_t i = 0; i < known; ++i) past[i] = std::abs(past[i] - median);
        const double upper = median + c_.k * mad_detector::normal_scale * median_of(past.data(), known);
        if (s.sent < c_.min_sent || pcr < median + c_.min_shift || pcr <= upper) return;
        alert a;
        a.start = timestamp{std::chrono::hours(s.hour)};
        a.end = timestamp{std::chrono::hours(s.hour + 1)};
        a.detector = "ratio.shift";
        a.entity = s.host.to_string();
        a.peer = s.top_peer.version ? s.top_peer.to_string() : "";
        a.technique = "T1048";
        a.severity = severity_above(40, pcr - median, c_.min_shift, 60);
        a.add_evidence("pcr", fmt::format("{:.2f}", pcr));
        a.add_evidence("median_pcr", fmt::format("{:.2f}", median));
        a.add_evidence("band_upper", fmt::format("{:.2f}", upper));
        a.add_evidence("active_hours", std::to_string(known));
        a.add_evidence("bytes_sent", fmt::format("{:.0f}", s.sent));
        a.add_evidence("bytes_received", fmt::format("{:.0f}", s.received));
        a.sentence = fmt::format("{} was a producer between {:02}:00 and {:02}:00 UTC (PCR {:+.2f}: sent {}, received {}{}); its "
                                 "median PCR over its last {} active hours is {:+.2f} ({}; band up to {:+.2f})",
                                 a.entity, s.hour % 24, (s.hour + 1) % 24, pcr, human_bytes(s.sent), human_bytes(s.received),
                                 a.peer.empty() ? "" : fmt::format("; most to {}, {}", a.peer, human_bytes(s.top_bytes)), known, median,
                                 median < -0.2 ? "a consumer" : median > 0.2 ? "a producer" : "balanced", upper);
        out.push_back(std::move(a));
    }

    static double median_of(double* v, std::size_t n) {
        std::sort(v, v + n);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    ratio_config c_;
    std::size_t mask_ = 0;
    std::vector<slot> slots_;  // allocated at the first flow
    std::uint64_t evictions_ = 0;
};

}  // namespace pktdyn
