// pktdyn — beaconing: RITA's beacon score (detect/beacon.hpp) over each (originator, responder)
// pair's connections in a dataset window (RITA's: one day of packet time).
//
// Each pair keeps its connections' start times (whole seconds) and sizes (bytes both ways, RITA's
// total bytes). When packet time passes the window's end, and when the input ends, every pair with
// at least 4 connections over at least `min_span` (1 hour, decided: RITA judges a day, and a burst of
// retries a minute long is not a beacon) is scored; a total of at least `threshold` (0.8, decided: RITA's "high"
// band starts there in its UI) is an alert. Severity: 30 at the threshold to 50 at 1.0 (a beacon alone is
// a lead: update checks, keep-alives and pollers beacon too), 10 less for a
// responder in our own networks. Memory: up to `max_pairs` pairs and `max_connections` per pair.
// Pairs are RITA's by default: an internal originator and an external responder (RITA v5 imports no
// internal-to-internal or external-to-external connection, and filter_external_to_internal is on in
// its default config); `outbound_only = false` scores every pair.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/baseline/flat_map.hpp"
#include "pktdyn/baseline/sketch_hash.hpp"
#include "pktdyn/detect/alert.hpp"
#include "pktdyn/detect/beacon.hpp"
#include "pktdyn/detect/context.hpp"
#include "pktdyn/detect/flow_facts.hpp"

namespace pktdyn {

struct beacon_detector_config {
    double threshold = 0.8;
    duration window = std::chrono::hours(24);
    std::size_t min_connections = 4;
    duration min_span = std::chrono::hours(1);  ///< first to last connection: shorter is a burst, not a beacon
    std::size_t max_pairs = 1 << 16;
    std::size_t max_connections = 86400;
    bool outbound_only = true;  ///< only internal originator → external responder, as RITA
    beacon::config score{};
};

class beacon_detector {
public:
    explicit beacon_detector(beacon_detector_config c = {}) : c_(std::move(c)) {}

    void observe(const flow_facts& f, const detect_context& ctx, std::vector<alert>& out) {
        if (window_start_ == timestamp{}) window_start_ = f.first;
        if (f.first - window_start_ >= c_.window) {
            finish(ctx, out);
            window_start_ = f.first;
        }
        if (f.icmp()) return;
        if (c_.outbound_only && (!ctx.is_internal(f.originator) || ctx.is_internal(f.responder))) return;
        const std::uint64_t key = sketch_hash(address_bytes(f.originator), sketch_hash(address_bytes(f.responder)));  // the ordered pair
        pair* found = pairs_.find(key);
        if (!found) {
            if (pairs_.size() >= c_.max_pairs) {
                ++dropped_;
                return;
            }
            found = pairs_.try_emplace(key).first;
            *found = pair{f.originator, f.responder, f.responder_port, {}, {}};
        }
        pair& p = *found;
        if (p.connections.size() >= c_.max_connections) return;
        p.connections.push_back({static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(f.first.time_since_epoch()).count()),
                                 static_cast<double>(f.orig_bytes + f.resp_bytes)});
        p.flows.add(f);
        last_ = std::max(last_, f.last);
    }

    /// Scores every pair of the window and starts a new one.
    void finish(const detect_context& ctx, std::vector<alert>& out) {
        const auto secs = [](timestamp t) { return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count(); };
        const std::int64_t from = secs(window_start_), to = std::max(secs(last_), from + 1);
        std::vector<std::uint32_t> times;
        std::vector<double> sizes;
        pairs_.for_each([&](std::uint64_t, pair& p) {
            if (p.connections.size() < c_.min_connections) return;
            std::sort(p.connections.begin(), p.connections.end());  // RITA sorts the timestamps
            times.clear();
            sizes.clear();
            for (const auto& c : p.connections) {
                times.push_back(c.first);
                sizes.push_back(c.second);
            }
            if (std::chrono::seconds(times.back() - times.front()) < c_.min_span) return;
            const auto s = beacon::analyze(times, sizes, from, to, c_.score);
            if (!s || s->total < c_.threshold) return;
            alert a;
            a.start = timestamp{std::chrono::seconds(times.front())};
            a.end = timestamp{std::chrono::seconds(times.back())};
            a.detector = "beacon";
            a.entity = p.originator.to_string();
            a.peer = p.responder.to_string();
            a.technique = "T1071";
            const bool internal_peer = ctx.is_internal(p.responder);
            a.severity = static_cast<int>(30 + 20 * std::clamp((s->total - c_.threshold) / (1 - c_.threshold), 0.0, 1.0)) -
                         (internal_peer ? 10 : 0);
            p.flows.add_to(a);
            a.add_evidence("score", fmt::format("{:.3f}", s->total));
            a.add_evidence("timestamp_score", fmt::format("{:.3f}", s->timestamp));
            a.add_evidence("data_size_score", fmt::format("{:.3f}", s->data_size));
            a.add_evidence("histogram_score", fmt::format("{:.3f}", s->histogram));
            a.add_evidence("duration_score", fmt::format("{:.3f}", s->duration));
            a.add_evidence("connections", std::to_string(times.size()));
            const double mean_gap = static_cast<double>(times.back() - times.front()) / static_cast<double>(times.size() - 1);
            a.sentence = fmt::format("{} connected to {} (port {}) {} times, every {:.0f} s on average: RITA beacon score {:.3f} "
                                     "(timing {:.3f}, sizes {:.3f}, histogram {:.3f}, duration {:.3f}; alert at {:.2f})",
                                     a.entity, a.peer, p.port, times.size(), mean_gap, s->total, s->timestamp, s->data_size,
                                     s->histogram, s->duration, c_.threshold);
            out.push_back(std::move(a));
        });
        pairs_.clear();
    }

    [[nodiscard]] std::size_t tracked() const noexcept { return pairs_.size(); }
    [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }

private:
    struct pair {
        ip_address originator, responder;
        std::uint16_t port = 0;
        std::vector<std::pair<std::uint32_t, double>> connections;  // start (s since the epoch), bytes both ways
        flow_list flows;
    };
    beacon_detector_config c_;
    flat_map<std::uint64_t, pair> pairs_;  // by a hash of (originator, responder)
    timestamp window_start_{}, last_{};
    std::uint64_t dropped_ = 0;
};

}  // namespace pktdyn
