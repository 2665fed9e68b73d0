// pktdyn — every detector behind one call: `detector_set` takes each ended flow's facts in the
// order the flow table ended them and returns the alerts they raise, deduplicated and suppressed
// by the alert book; finish() tells what only the input's end decides (beacons).
//
// Host-level state must see all of a host's flows: in a sharded pipeline the detectors run where the
// rows meet again, on the one thread that hands them to the sinks in the table's end order, so the
// alerts are the same, in the same order, at any thread count (export/detection_sink.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/detect/alert.hpp"
#include "pktdyn/detect/beacon_detector.hpp"
#include "pktdyn/detect/brute_force.hpp"
#include "pktdyn/detect/context.hpp"
#include "pktdyn/detect/dns_tunnel.hpp"
#include "pktdyn/detect/flow_facts.hpp"
#include "pktdyn/detect/long_connection.hpp"
#include "pktdyn/detect/novelty.hpp"
#include "pktdyn/detect/scan.hpp"
#include "pktdyn/detect/volume.hpp"

namespace pktdyn {

struct detector_config {
    detect_context context;
    duration suppression = std::chrono::hours(1);
    scan_config scan;
    brute_force_config brute_force;
    beacon_detector_config beacon;
    volume_config volume;
    novelty_config novelty;
    dns_tunnel_config dns;
    std::vector<duration> long_connection_tiers{std::chrono::hours(1), std::chrono::hours(4), std::chrono::hours(8),
                                                std::chrono::hours(12)};
};

class detector_set {
public:
    explicit detector_set(detector_config c = {})
        : context_(std::move(c.context)), book_(c.suppression), scan_(c.scan), brute_(c.brute_force), beacon_(std::move(c.beacon)),
          volume_(c.volume), novelty_(std::move(c.novelty)), dns_(c.dns), long_(std::move(c.long_connection_tiers)) {}

    /// One ended flow; the alerts it raised (not suppressed) are appended to `out`.
    void observe(const flow_facts& f, std::vector<alert>& out) {
        if (flows_ == 0 && context_.learning_until == timestamp{}) context_.learning_until = f.first + context_.learning_period;
        if (f.last > context_.now) context_.now = f.last;
        raised_.clear();
        scan_.observe(f, context_, raised_);
        brute_.observe(f, context_, raised_);
        beacon_.observe(f, context_, raised_);
        volume_.observe(f, context_, raised_);
        novelty_.observe(f, context_, raised_);
        dns_.observe(f, context_, raised_);
        long_connection(f);
        admit(out);
        ++flows_;
    }

    /// The input is over: what only its end decides.
    void finish(std::vector<alert>& out) {
        raised_.clear();
        beacon_.finish(context_, raised_);
        admit(out);
    }

    [[nodiscard]] const detect_context& context() const noexcept { return context_; }
    [[nodiscard]] const alert_book& book() const noexcept { return book_; }
    [[nodiscard]] std::uint64_t flows() const noexcept { return flows_; }

private:
    void admit(std::vector<alert>& out) {
        for (auto& a : raised_)
            if (book_.admit(a)) out.push_back(std::move(a));
    }

    void long_connection(const flow_facts& f) {
        flow_record r;  // long_connections stitches by key and times only
        r.key.a = f.originator;
        r.key.b = f.responder;
        r.key.port_a = f.originator_port;
        r.key.port_b = f.responder_port;
        r.key.protocol = f.protocol;
        r.first = f.first;
        r.last = f.last;
        r.ended = f.continues ? end_reason::active_timeout : end_reason::fin;
        const auto c = long_.observe(r);
        if (!c) return;
        alert a;
        a.start = c->start;
        a.end = f.last;
        a.detector = "long_connection";
        a.entity = f.originator.to_string();
        a.peer = f.responder.to_string();
        a.technique = "T1071";
        a.severity = 20 + 10 * static_cast<int>(c->tier);
        a.add_flow(f.community_id);
        const double hours = std::chrono::duration<double>(c->length).count() / 3600;
        a.add_evidence("hours", fmt::format("{:.2f}", hours));
        a.add_evidence("tier_hours", fmt::format("{}", std::chrono::duration_cast<std::chrono::hours>(long_.tiers()[c->tier]).count()));
        a.sentence = fmt::format("{} has kept a connection to {} (port {}) open for {:.1f} h{} (tier {} h)", a.entity, a.peer,
                                 f.responder_port, hours, c->ended ? ", now closed" : " and counting",
                                 std::chrono::duration_cast<std::chrono::hours>(long_.tiers()[c->tier]).count());
        raised_.push_back(std::move(a));
    }

    detect_context context_;
    alert_book book_;
    scan_detector scan_;
    brute_force_detector brute_;
    beacon_detector beacon_;
    volume_detector volume_;
    novelty_detector novelty_;
    dns_tunnel_detector dns_;
    long_connections long_;
    std::vector<alert> raised_;
    std::uint64_t flows_ = 0;
};

}  // namespace pktdyn
