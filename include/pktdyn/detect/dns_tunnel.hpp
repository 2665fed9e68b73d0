// pktdyn — DNS tunnelling and DNS C2, from dns_activity's evidence (features/evidence.hpp), per
// client and registered domain (Public Suffix List) of each flow's first query, in windows of
// `window` (1 hour):
//   dns.tunnel: `unique_names` (100, RITA's subdomain threshold) distinct names under one registered
//     domain. Distinct names are counted exactly up to 4096 per key: each flow's longest name, plus
//     its other distinct names (a flow of many queries, as one tunnel socket makes) as counted in the
//     flow — exact when no name repeats across flows, an overcount bounded by that when some do.
//   dns.encoded_name: a name over `long_name` (90) characters, or a label of at least
//     `encoded_label` (24) octets with entropy of at least `encoded_entropy` (4.0) bits per octet
//     (base32/64/128-encoded data; an English or product word stays near 3); told once per key.
//   dns.txt_volume: `txt_null` (50) TXT or NULL questions to one registered domain.
//   Names under .arpa (reverse lookups) are not counted: every PTR question is unique by nature.
//   dns.nxdomain_burst: `nxdomain_burst` (10) NXDOMAIN answers to one client within `burst_window`
//     (1 min): domain-generation algorithms look for their server this way.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/baseline/sketch_hash.hpp"
#include "pktdyn/detect/alert.hpp"
#include "pktdyn/detect/context.hpp"
#include "pktdyn/detect/flow_facts.hpp"

namespace pktdyn {

struct dns_tunnel_config {
    double unique_names = 100;
    double long_name = 90;
    double encoded_label = 24;
    double encoded_entropy = 4.0;
    double txt_null = 50;
    double nxdomain_burst = 10;
    duration window = std::chrono::hours(1);
    duration burst_window = std::chrono::minutes(1);
    std::size_t max_keys = 1 << 16;
};

class dns_tunnel_detector {
public:
    explicit dns_tunnel_detector(dns_tunnel_config c = {}) : c_(c) {}

    void observe(const flow_facts& f, const detect_context& ctx, std::vector<alert>& out) {
        if (!flow_facts::has(f.dns_query_names)) return;
        if (f.dns_nxdomain > 0) nxdomains(f, out);
        if (f.dns_longest_query.empty()) return;
        // Reverse lookups (in-addr.arpa, ip6.arpa) are unique by nature: a mail server or a log
        // viewer resolving many addresses is not a tunnel.
        if (f.dns_first_query.ends_with(".arpa") || f.dns_first_query.ends_with(".arpa.")) return;
        const std::string domain = ctx.registered_domain(f.dns_first_query.empty() ? f.dns_longest_query : f.dns_first_query);
        const std::string key = f.originator.to_string() + "|" + domain;
        auto it = keys_.find(key);
        if (it != keys_.end() && f.first - it->second.start > c_.window) {
            keys_.erase(it);
            it = keys_.end();
        }
        if (it == keys_.end()) {
            if (keys_.size() >= c_.max_keys) forget_old(f.first);
            it = keys_.emplace(key, window{}).first;
            it->second.start = f.first;
        }
        window& w = it->second;
        w.last = std::max(w.last, f.last);
        w.flows.add(f);
        if (w.names.size() < 4096) w.names.insert(sketch_hash(f.dns_longest_query));
        w.more += std::max(0.0, f.dns_query_names - 1);
        w.txt_null += f.dns_txt_null_queries;
        w.longest = std::max(w.longest, f.dns_longest_name);
        w.entropy = std::max(w.entropy, f.dns_label_entropy);
        const double unique = static_cast<double>(w.names.size()) + w.more;

        if (!w.told_tunnel && unique >= c_.unique_names) {
            w.told_tunnel = true;
            alert a = base(f, w, "dns.tunnel", domain);
            a.severity = severity_above(60, unique, c_.unique_names, 90);
            a.add_evidence("unique_names", fmt::format("{}", unique));
            a.sentence = fmt::format("{} asked for {} distinct names under {} in {:.0f} min (threshold {}); longest {} "
                                     "characters, label entropy up to {:.2f} bits, {} TXT/NULL questions",
                                     a.entity, unique, domain, std::chrono::duration<double>(w.last - w.start).count() / 60,
                                     c_.unique_names, w.longest, w.entropy, w.txt_null);
            out.push_back(std::move(a));
        }
        const bool long_name = f.dns_longest_name > c_.long_name;
        const bool encoded = f.dns_label_entropy >= c_.encoded_entropy;
        if (!w.told_encoded && (long_name || encoded)) {
            w.told_encoded = true;
            alert a = base(f, w, "dns.encoded_name", domain);
            a.severity = long_name && encoded ? 50 : 40;
            a.add_evidence("longest_query", std::string(f.dns_longest_query));
            a.sentence = fmt::format("{} asked for {} ({} characters{}), a name that carries data rather than naming a host",
                                     a.entity, f.dns_longest_query, f.dns_longest_name,
                                     encoded ? fmt::format(", a label with {:.2f} bits of entropy per octet", f.dns_label_entropy) : "");
            out.push_back(std::move(a));
        }
        if (!w.told_txt && w.txt_null >= c_.txt_null) {
            w.told_txt = true;
            alert a = base(f, w, "dns.txt_volume", domain);
            a.severity = 45;
            a.sentence = fmt::format("{} sent {} TXT/NULL questions for {} in {:.0f} min (threshold {})", a.entity, w.txt_null,
                                     domain, std::chrono::duration<double>(w.last - w.start).count() / 60, c_.txt_null);
            out.push_back(std::move(a));
        }
    }

private:
    struct window {
        timestamp start{}, last{};
        std::unordered_set<std::uint64_t> names;
        double more = 0, txt_null = 0, longest = 0, entropy = 0;
        flow_list flows;
        bool told_tunnel = false, told_encoded = false, told_txt = false;
    };
    struct burst {
        timestamp start{}, last{};
        double count = 0;
        flow_list flows;
        bool told = false;
    };

    alert base(const flow_facts& f, const window& w, const char* detector, const std::string& domain) const {
        alert a;
        a.start = w.start;
        a.end = w.last;
        a.detector = detector;
        a.entity = f.originator.to_string();
        a.peer = domain;
        a.technique = "T1071.004";
        w.flows.add_to(a);
        a.add_evidence("registered_domain", domain);
        a.add_evidence("resolver", f.responder.to_string());
        a.add_evidence("longest_name", fmt::format("{}", w.longest));
        a.add_evidence("label_entropy", fmt::format("{:.3f}", w.entropy));
        a.add_evidence("txt_null_queries", fmt::format("{}", w.txt_null));
        return a;
    }

    void nxdomains(const flow_facts& f, std::vector<alert>& out) {
        burst& b = bursts_[f.originator];
        if (b.count == 0 || f.first - b.start > c_.burst_window) b = burst{f.first, f.last, 0, {}, false};
        b.count += f.dns_nxdomain;
        b.last = std::max(b.last, f.last);
        b.flows.add(f);
        if (b.told || b.count < c_.nxdomain_burst) return;
        b.told = true;
        alert a;
        a.start = b.start;
        a.end = b.last;
        a.detector = "dns.nxdomain_burst";
        a.entity = f.originator.to_string();
        a.technique = "T1568.002";
        a.severity = severity_above(40, b.count, c_.nxdomain_burst, 60);
        b.flows.add_to(a);
        a.add_evidence("nxdomain", fmt::format("{}", b.count));
        a.sentence = fmt::format("{} received {} NXDOMAIN answers within {:.0f} s (threshold {} in {} s): names that do not "
                                 "exist, as a domain-generation algorithm asks for",
                                 a.entity, b.count, std::chrono::duration<double>(b.last - b.start).count(), c_.nxdomain_burst,
                                 std::chrono::duration_cast<std::chrono::seconds>(c_.burst_window).count());
        out.push_back(std::move(a));
        if (bursts_.size() > c_.max_keys) bursts_.clear();
    }

    void forget_old(timestamp now) {
        for (auto it = keys_.begin(); it != keys_.end();) it = now - it->second.start > c_.window ? keys_.erase(it) : std::next(it);
        if (keys_.size() >= c_.max_keys) {  // all young: drop them rather than grow without bound (counted)
            dropped_ += keys_.size();
            keys_.clear();
        }
    }

    dns_tunnel_config c_;
    std::unordered_map<std::string, window> keys_;
    std::unordered_map<ip_address, burst> bursts_;
    std::uint64_t dropped_ = 0;

public:
    [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }
};

}  // namespace pktdyn
