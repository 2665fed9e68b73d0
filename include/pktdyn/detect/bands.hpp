// pktdyn — volume outside its band: per host, host pair and service of our networks, the hourly
// values of baseline/profile.hpp judged against what that key does at that hour of the day.
//
//   volume.pair:    an internal host's bytes to one peer in an hour above the pair's band and at
//                   least `min_bytes` (10 MB) — "10.1.2.3 sent 1.2 GB to 203.0.113.7 between 14:00
//                   and 15:00; expected 40 MB at this hour (band up to 90 MB)".
//   volume.host:    an internal host's bytes sent in an hour above its band (and `min_bytes`).
//   volume.fan_out: an internal host's distinct peers in an hour above its band and at least
//                   `min_peers` (50).
//   volume.service: a service in our networks (address, port, protocol) sending its clients more
//                   bytes in an hour than its band (and `min_bytes`).
// Only the high side is told (a quiet hour is no threat), and only at twice the expected value or
// more (a very regular key's band is too thin to mean anything); nothing while learning, and a
// key's model judges only after a day and `warm_up` hours of its own (profile.hpp).
#pragma once

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/baseline/profile.hpp"
#include "pktdyn/baseline/sketch_hash.hpp"
#include "pktdyn/detect/alert.hpp"
#include "pktdyn/detect/context.hpp"
#include "pktdyn/detect/flow_facts.hpp"
#include "pktdyn/detect/volume.hpp"

namespace pktdyn {

struct band_config {
    profile_options hosts{};                         ///< bytes sent, flows, distinct peers: all modelled
    profile_options pairs{.capacity = 1 << 16, .modelled = 1};  ///< bytes sent: one model a pair
    profile_options services{.capacity = 1 << 14, .modelled = 1};  ///< bytes served
    profile_options applications{.capacity = 1 << 16, .modelled = 1};  ///< bytes a host exchanges with a named service
    double min_bytes = 10e6;
    double min_peers = 50;
};

class detector_set;

class band_detector {
    friend class detector_set;  // saves and restores the long-lived state

public:
    explicit band_detector(band_config c = {})
        : c_(c), hosts_(profile_table::create(c.hosts).value()), pairs_(profile_table::create(c.pairs).value()),
          services_(profile_table::create(c.services).value()), applications_(profile_table::create(c.applications).value()) {}

    void observe(const flow_facts& f, const detect_context& ctx, std::vector<alert>& out) {
        const auto bytes_of = [](std::uint64_t b) { return static_cast<double>(b); };
        const auto hash_of = [](const ip_address& a) { return sketch_hash(address_bytes(a)); };
        // Keys are the addresses' bytes (and port, protocol): text only when an alert is made.
        if (ctx.is_internal(f.originator)) {
            key_.assign(address_bytes(f.originator));
            hosts_.add(key_, f.last, {bytes_of(f.orig_bytes), 1}, hash_of(f.responder), [&](const profile_table::closed_hour& h) {
                if (!judging(ctx, h)) return;
                const std::string host = f.originator.to_string();
                if (high(h, 0, c_.min_bytes))
                    out.push_back(make(h, 0, "volume.host", host, "", fmt::format("{} sent {}", host, bytes(h.value[0])), ctx));
                if (high(h, 2, c_.min_peers))
                    out.push_back(make(h, 2, "volume.fan_out", host, "",
                                       fmt::format("{} contacted {:.0f} peers", host, h.value[2]), ctx));
            });
            if (!f.server_name.empty()) {  // (host, application): the registered domain of the server name
                const std::string domain = ctx.registered_domain(f.server_name);
                key_.push_back('>');
                key_.append(domain);
                applications_.add(key_, f.last, {bytes_of(f.orig_bytes + f.resp_bytes), 1}, hash_of(f.responder),
                                  [&](const profile_table::closed_hour& h) {
                    if (!judging(ctx, h) || !high(h, 0, c_.min_bytes)) return;
                    const std::string host = f.originator.to_string();
                    out.push_back(make(h, 0, "volume.application", host, domain,
                                       fmt::format("{} exchanged {} with {}", host, bytes(h.value[0]), domain), ctx));
                });
                key_.assign(address_bytes(f.originator));
            }
            key_.append(address_bytes(f.responder));
            pairs_.add(key_, f.last, {bytes_of(f.orig_bytes), 1}, f.responder_port, [&](const profile_table::closed_hour& h) {
                if (!judging(ctx, h) || !high(h, 0, c_.min_bytes)) return;
                const std::string host = f.originator.to_string(), peer = f.responder.to_string();
                out.push_back(make(h, 0, "volume.pair", host, peer, fmt::format("{} sent {} to {}", host, bytes(h.value[0]), peer), ctx));
            });
        }
        const bool answered = f.resp_packets > 0 && (f.tcp() || f.udp());
        if (answered && ctx.is_internal(f.responder)) {
            key_.assign(address_bytes(f.responder));
            key_.push_back(static_cast<char>(f.responder_port >> 8));
            key_.push_back(static_cast<char>(f.responder_port & 0xFF));
            key_.push_back(static_cast<char>(f.protocol));
            services_.add(key_, f.last, {bytes_of(f.resp_bytes), 1}, hash_of(f.originator), [&](const profile_table::closed_hour& h) {
                if (!judging(ctx, h) || !high(h, 0, c_.min_bytes)) return;
                const std::string service = fmt::format("{}:{}/{}", f.responder.to_string(), f.responder_port, f.tcp() ? "tcp" : "udp");
                out.push_back(make(h, 0, "volume.service", f.responder.to_string(), service,
                                   fmt::format("service {} sent its {:.0f} clients {}", service, h.value[2], bytes(h.value[0])), ctx));
            });
        }
    }

    [[nodiscard]] const profile_table& hosts() const noexcept { return hosts_; }
    [[nodiscard]] const profile_table& pairs() const noexcept { return pairs_; }
    [[nodiscard]] const profile_table& services() const noexcept { return services_; }
    [[nodiscard]] const profile_table& applications() const noexcept { return applications_; }
    [[nodiscard]] const band_config& config() const noexcept { return c_; }

private:
    static std::string bytes(double b) { return human_bytes(b); }
    static timestamp hour_start(std::int64_t hour) { return timestamp{std::chrono::hours(hour)}; }
    static bool judging(const detect_context& ctx, const profile_table::closed_hour& h) {
        return !ctx.learning(hour_start(h.hour));
    }
    // Above the band, at least double the expected value (a model that has seen a very regular key
    // has a band too thin to mean anything), and at least the minimum worth telling.
    static bool high(const profile_table::closed_hour& h, std::size_t m, double minimum) {
        const band_verdict& v = h.verdict[m];
        return v.anomaly && h.value[m] > v.upper && h.value[m] >= 2 * v.expected && h.value[m] >= minimum;
    }

    alert make(const profile_table::closed_hour& h, std::size_t m, const char* detector, const std::string& entity,
               const std::string& peer, const std::string& what, const detect_context&) const {
        const band_verdict& v = h.verdict[m];
        alert a;
        a.start = hour_start(h.hour);
        a.end = hour_start(h.hour + 1);
        a.detector = detector;
        a.entity = entity;
        a.peer = peer;
        a.technique = m == 2 ? "T1046" : "T1048";
        const double ratio = v.upper > 0 ? h.value[m] / v.upper : 10;
        a.severity = severity_above(35, ratio, 1, 50);
        const bool counting_bytes = m == 0;
        const auto shown = [&](double x) { return counting_bytes ? bytes(std::max(0.0, x)) : fmt::format("{:.0f}", std::max(0.0, x)); };
        a.add_evidence("value", fmt::format("{}", h.value[m]));
        a.add_evidence("expected", fmt::format("{:.0f}", v.expected));
        a.add_evidence("band_upper", fmt::format("{:.0f}", v.upper));
        a.add_evidence("hour_utc", fmt::format("{:02}", h.hour % 24));
        a.sentence = fmt::format("{} between {:02}:00 and {:02}:00 UTC; expected {} at this hour (band up to {}), from its "
                                 "hourly profile",
                                 what, h.hour % 24, (h.hour + 1) % 24, shown(v.expected), shown(v.upper));
        return a;
    }

    band_config c_;
    profile_table hosts_, pairs_, services_, applications_;
    std::string key_;  // reused for every flow's keys
};

}  // namespace pktdyn
