// pktdyn — new things after the learning period: a first-seen listening service in our networks, a
// first-seen SaaS (the registered domain of a TLS/QUIC server name) outside the allow list, and an
// internal pair exchanging a volume never seen between them.
//
//   new.service: a responder in our networks answering on (port, protocol) for the first time — a
//     TCP flow whose responder sent the SYN-ACK ('h' in the history), or a UDP flow it answered.
//   new.saas: a server name whose registered domain (Public Suffix List) was never seen in the
//     network and is not allowed (`allowed_domains`).
//   new.internal_transfer: two hosts of our networks, never seen together, exchanging more than
//     `internal_volume` (1 MB) in one flow.
// Everything seen during learning is remembered and never told. Memory: first_seen sets of
// `capacity` keys each (least recently seen evicted, counted), forgotten after `memory` (30 days).
#pragma once

#include <chrono>
#include <cstdint>
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/baseline/first_seen.hpp"
#include "pktdyn/detect/alert.hpp"
#include "pktdyn/detect/context.hpp"
#include "pktdyn/detect/flow_facts.hpp"
#include "pktdyn/detect/volume.hpp"

namespace pktdyn {

struct novelty_config {
    std::uint64_t internal_volume = 1'000'000;
    duration memory = std::chrono::hours(24 * 30);
    std::size_t capacity = 1 << 18;
    std::vector<std::string> allowed_domains;  ///< registered domains never told as new SaaS
};

class detector_set;

class novelty_detector {
    friend class detector_set;  // saves and restores the long-lived state

public:
    explicit novelty_detector(novelty_config c = {})
        : c_(std::move(c)), services_(c_.capacity, c_.memory), domains_(c_.capacity, c_.memory), pairs_(c_.capacity, c_.memory) {}

    void observe(const flow_facts& f, const detect_context& ctx, std::vector<alert>& out) {
        const bool judging = !ctx.learning(f.first);
        const bool answered = f.tcp() ? f.history.find('h') != std::string_view::npos : f.udp() && f.resp_packets > 0;
        if (answered && ctx.is_internal(f.responder)) {
            std::string key(address_bytes(f.responder));
            key.push_back(static_cast<char>(f.responder_port >> 8));
            key.push_back(static_cast<char>(f.responder_port & 0xFF));
            key.push_back(static_cast<char>(f.protocol));
            if (services_.observe(key, f.last) && judging) {
                alert a = base(f, "new.service", 40, "T1543");
                a.entity = f.responder.to_string();
                a.peer = fmt::format("{}/{}", f.responder_port, f.tcp() ? "tcp" : "udp");  // the service
                a.add_evidence("client", f.originator.to_string());
                a.sentence = fmt::format("{} answered on {} port {} for the first time (client {}); nothing answered there "
                                         "while learning",
                                         a.entity, f.tcp() ? "TCP" : "UDP", f.responder_port, f.originator.to_string());
                out.push_back(std::move(a));
            }
        }
        if (!f.server_name.empty() && ctx.is_internal(f.originator)) {
            const std::string domain = ctx.registered_domain(f.server_name);
            if (domains_.observe(domain, f.last) && judging &&
                std::find(c_.allowed_domains.begin(), c_.allowed_domains.end(), domain) == c_.allowed_domains.end()) {
                alert a = base(f, "new.saas", 25, "T1567");
                a.add_evidence("registered_domain", domain);
                a.add_evidence("server_name", std::string(f.server_name));
                a.sentence = fmt::format("{} used {} ({}), a service never seen in this network and not in the allow list",
                                         a.entity, domain, f.server_name);
                out.push_back(std::move(a));
            }
        }
        if (ctx.is_internal(f.originator) && ctx.is_internal(f.responder)) {
            std::string pair(address_bytes(f.originator));
            pair.append(address_bytes(f.responder));
            const bool is_new = !pairs_.seen(pair, f.last);
            const std::uint64_t bytes = f.orig_bytes + f.resp_bytes;
            pairs_.observe(pair, f.last);
            if (is_new && judging && bytes >= c_.internal_volume) {
                alert a = base(f, "new.internal_transfer", 45, "T1570");
                a.add_evidence("bytes", std::to_string(bytes));
                a.add_evidence("port", std::to_string(f.responder_port));
                a.sentence = fmt::format("{} and {} exchanged {} over {} port {}; the two had never talked before", a.entity,
                                         a.peer, human_bytes(static_cast<double>(bytes)),
                                         f.tcp() ? "TCP" : f.udp() ? "UDP" : "IP", f.responder_port);
                out.push_back(std::move(a));
            }
        }
    }

    [[nodiscard]] const first_seen_set& services() const noexcept { return services_; }
    [[nodiscard]] const first_seen_set& domains() const noexcept { return domains_; }

private:
    static alert base(const flow_facts& f, const char* detector, int severity, const char* technique) {
        alert a;
        a.start = f.first;
        a.end = f.last;
        a.detector = detector;
        a.entity = f.originator.to_string();
        a.peer = f.responder.to_string();
        a.severity = severity;
        a.technique = technique;
        a.add_flow(f.community_id());
        return a;
    }
    novelty_config c_;
    first_seen_set services_, domains_, pairs_;
};

}  // namespace pktdyn
