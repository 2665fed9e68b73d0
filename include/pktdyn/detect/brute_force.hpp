// pktdyn — password guessing: Zeek's detect-bruteforcing for SSH and FTP, the same shape for HTTP
// basic authentication, and a generic detector for many short, same-shaped sessions to one service.
//
// Counting follows Zeek's SumStats: per originator, a window opens at its first observation and
// lasts `*_window`; the alert fires once per window, when the sum reaches the limit.
//   SSH (policy/protocols/ssh/detect-bruteforcing.zeek): a connection whose login failed
//     (ssh_auth_success = 0) counts 1; limit 30 in 30 min. A later success from an originator told
//     as a guesser in the window is told too (Zeek's Login_By_Password_Guesser).
//   FTP (policy/protocols/ftp/detect-bruteforcing.zeek): each class-5 reply to USER or PASS counts 1;
//     limit 20 in 15 min.
//   HTTP: each 401 response counts 1; limit 20 in 15 min (decided: FTP's numbers).
//   Generic: per (originator, responder, port, protocol), TCP sessions that carried data both ways and
//     lasted under 30 s are binned by the bytes each side sent (64-byte bins); 30 in one bin within
//     30 min is a guessing run against that service (RDP, TLS-wrapped logins, anything whose
//     failures look alike).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/baseline/flat_map.hpp"
#include "pktdyn/baseline/sketch_hash.hpp"
#include "pktdyn/detect/alert.hpp"
#include "pktdyn/detect/context.hpp"
#include "pktdyn/detect/flow_facts.hpp"

namespace pktdyn {

struct brute_force_config {
    double ssh_limit = 30;
    duration ssh_window = std::chrono::minutes(30);
    double ftp_limit = 20;
    duration ftp_window = std::chrono::minutes(15);
    double http_limit = 20;
    duration http_window = std::chrono::minutes(15);
    std::size_t generic_limit = 30;
    duration generic_window = std::chrono::minutes(30);
    duration generic_max_duration = std::chrono::seconds(30);
    std::size_t max_keys = 1 << 16;  ///< originators (and services) tracked per counter; beyond, expired windows go (else all, counted)
};

class brute_force_detector {
public:
    explicit brute_force_detector(brute_force_config c = {}) : c_(c) {}

    void observe(const flow_facts& f, const detect_context&, std::vector<alert>& out) {
        if (flow_facts::has(f.ssh_auth_success)) ssh(f, out);
        if (flow_facts::has(f.ftp_login_failures) && f.ftp_login_failures > 0)
            count(ftp_, f, f.ftp_login_failures, c_.ftp_limit, c_.ftp_window, "bruteforce.ftp", "FTP", "failed logins", out);
        if (flow_facts::has(f.http_auth_failures) && f.http_auth_failures > 0)
            count(http_, f, f.http_auth_failures, c_.http_limit, c_.http_window, "bruteforce.http", "HTTP", "refused logins (401)", out);
        generic(f, out);
    }

    [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }

private:
    struct tally {
        timestamp start{}, last{};
        double sum = 0;
        std::size_t connections = 0;
        std::set<std::string> servers;
        flow_list flows;
        bool told = false;
    };
    using tallies = flat_map<ip_address, tally>;  // by originator

    template <class Key, class Window>
    Window& window(flat_map<Key, Window>& m, const Key& key, timestamp t, duration length) {
        Window* w = m.find(key);
        if (w && t - w->start > length) *w = Window{};
        if (!w) {
            if (m.size() >= c_.max_keys) {
                // Full: windows past their length go; if all are young (a flood), all go, counted —
                // a bound in O(1) amortised, never a scan per new key.
                m.erase_if([&](const Key&, const Window& e) { return t - e.start > length; });
                if (m.size() >= c_.max_keys) {
                    dropped_ += m.size();
                    m.clear();
                }
            }
            w = m.try_emplace(key).first;
        }
        if (w->start == timestamp{}) w->start = t;
        return *w;
    }

    static void note(tally& w, const flow_facts& f, double n) {
        w.sum += n;
        ++w.connections;
        w.last = std::max(w.last, f.last);
        if (w.servers.size() < 64) w.servers.insert(f.responder.to_string());
        w.flows.add(f);
    }

    static std::string minutes_seconds(duration d) {
        const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
        return fmt::format("{}m{}s", s / 60, s % 60);
    }

    alert make(const tally& w, const flow_facts& f, std::string detector, double limit) const {
        alert a;
        a.start = w.start;
        a.end = w.last;
        a.detector = std::move(detector);
        a.entity = f.originator.to_string();
        if (w.servers.size() == 1) a.peer = *w.servers.begin();
        a.technique = "T1110.001";
        a.severity = severity_above(60, w.sum, limit, 90);
        w.flows.add_to(a);
        a.add_evidence("count", fmt::format("{}", w.sum));
        a.add_evidence("connections", std::to_string(w.connections));
        a.add_evidence("servers", std::to_string(w.servers.size()));
        a.add_evidence("limit", fmt::format("{}", limit));
        return a;
    }

    void ssh(const flow_facts& f, std::vector<alert>& out) {
        tally& w = window(ssh_, f.originator, f.first, c_.ssh_window);
        if (f.ssh_auth_success == 1) {
            if (!w.told) return;
            alert a = make(w, f, "bruteforce.ssh_success", c_.ssh_limit);
            a.peer = f.responder.to_string();
            a.start = f.first;
            a.end = f.last;
            a.community_ids.clear();
            a.add_flow(f.community_id());
            a.severity = 90;
            a.technique = "T1110.001";
            a.sentence = fmt::format("{}, which was guessing SSH passwords, logged in to {} (a success inferred from "
                                     "encrypted sizes, after {} failed connections)",
                                     a.entity, a.peer, w.connections);
            out.push_back(std::move(a));
            return;
        }
        note(w, f, 1);
        if (w.told || w.sum < c_.ssh_limit) return;
        w.told = true;
        alert a = make(w, f, "bruteforce.ssh", c_.ssh_limit);
        std::string servers;
        for (const auto& s : w.servers) servers += (servers.empty() ? "" : ", ") + s;
        a.sentence = fmt::format("{} appears to be guessing SSH passwords (seen in {} connections to {} in {}; limit {} in {})",
                                 a.entity, w.connections, servers, minutes_seconds(w.last - w.start), c_.ssh_limit,
                                 minutes_seconds(c_.ssh_window));
        out.push_back(std::move(a));
    }

    void count(tallies& m, const flow_facts& f, double n, double limit, duration length, const char* detector,
               const char* service, const char* what, std::vector<alert>& out) {
        tally& w = window(m, f.originator, f.first, length);
        note(w, f, n);
        if (w.told || w.sum < limit) return;
        w.told = true;
        alert a = make(w, f, detector, limit);
        a.sentence = fmt::format("{} had {} {} on {} {} server{} in {} (limit {} in {})", a.entity, w.sum, what, w.servers.size(),
                                 service, w.servers.size() > 1 ? "s" : "", minutes_seconds(w.last - w.start), limit,
                                 minutes_seconds(length));
        out.push_back(std::move(a));
    }

    struct shapes {
        timestamp start{}, last{};
        std::vector<std::pair<std::uint64_t, std::uint32_t>> bins;  // (bin, sessions): few, so a vector
        flow_list flows;
        bool told = false;
    };

    void generic(const flow_facts& f, std::vector<alert>& out) {
        if (!f.tcp() || f.last - f.first >= c_.generic_max_duration) return;
        if (f.history.find('D') == std::string_view::npos || f.history.find('d') == std::string_view::npos) return;
        const std::uint64_t key = sketch_hash(address_bytes(f.originator), sketch_hash(address_bytes(f.responder), f.responder_port));
        shapes& w = window(generic_, key, f.first, c_.generic_window);
        w.last = std::max(w.last, f.last);
        w.flows.add(f);
        const std::uint64_t b = bin(f);
        auto at = std::find_if(w.bins.begin(), w.bins.end(), [&](const auto& e) { return e.first == b; });
        if (at == w.bins.end()) {
            if (w.bins.size() >= 256) return;  // a bound: many shapes is not one guessing run
            w.bins.emplace_back(b, 0);
            at = w.bins.end() - 1;
        }
        const std::size_t n = ++at->second;
        if (w.told || n < c_.generic_limit) return;
        w.told = true;
        alert a;
        a.start = w.start;
        a.end = w.last;
        a.detector = "bruteforce.generic";
        a.entity = f.originator.to_string();
        a.peer = fmt::format("{}:{}", f.responder.to_string(), f.responder_port);
        a.technique = "T1110";
        a.severity = severity_above(40, static_cast<double>(n), static_cast<double>(c_.generic_limit), 60);
        w.flows.add_to(a);
        a.add_evidence("sessions", std::to_string(n));
        a.add_evidence("client_bytes", std::to_string(f.orig_bytes / 64 * 64) + "-" + std::to_string(f.orig_bytes / 64 * 64 + 63));
        a.add_evidence("server_bytes", std::to_string(f.resp_bytes / 64 * 64) + "-" + std::to_string(f.resp_bytes / 64 * 64 + 63));
        a.sentence = fmt::format("{} opened {} short sessions of the same shape (about {} bytes out, {} back, each under {} s) "
                                 "to {} in {}: a guessing run, or a client retrying one failing request",
                                 a.entity, n, f.orig_bytes, f.resp_bytes,
                                 std::chrono::duration_cast<std::chrono::seconds>(c_.generic_max_duration).count(), a.peer,
                                 minutes_seconds(w.last - w.start));
        out.push_back(std::move(a));
    }
    static std::uint64_t bin(const flow_facts& f) noexcept { return (f.orig_bytes / 64) << 32 | (f.resp_bytes / 64); }

    brute_force_config c_;
    tallies ssh_, ftp_, http_;
    flat_map<std::uint64_t, shapes> generic_;  // by a hash of (originator, responder, port)
    std::uint64_t dropped_ = 0;
};

}  // namespace pktdyn
