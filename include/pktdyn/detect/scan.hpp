// pktdyn — scans: horizontal, vertical and mixed, as ncsa/bro-simple-scan counts them, plus ping
// sweeps and nmap's host-discovery probe set.
//
// An attempt is a connection that never carried data: a TCP flow whose history starts with the
// originator's SYN and shows no payload either way, with at most 3 packets from the originator
// (unanswered S, rejected Sr, a SYN scan's half-open ShR, a connect scan's ShAR), or a UDP flow the
// responder never answered, of at most 2 packets. Each scanner (the originator) counts its distinct
// (host, port) targets in a window of `expiry` (15 min) from its first attempt; at `remote_threshold`
// (25) targets, or `local_threshold` (250) for a scanner in our networks, it is a scan: vertical when
// one host had that many ports, horizontal when one port had that many hosts — or `knock_threshold`
// (20), whatever the total — and mixed when neither did. Each kind is told once per window. ICMP echo requests to `sweep_threshold`
// (20) hosts in the window are a ping sweep. nmap's default host discovery (nmap(1), "HOST
// DISCOVERY": ICMP echo, TCP SYN to 443, TCP ACK to 80, ICMP timestamp request; without privileges
// a connect() to 80 and to 443) is recognised when three of the four, or attempts to both 80 and
// 443, reach one target within 1 s (told once per scanner and window). Stealth probes — TCP
// packets with neither SYN, ACK nor RST (nmap's FIN, NULL and Xmas scans: no connection sends one)
// — to `stealth_threshold` (3) targets are a stealth scan. Each scanner is told once per window and kind; the alert book suppresses repeats for
// an hour.
#pragma once

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/baseline/flat_map.hpp"
#include "pktdyn/baseline/sketch_hash.hpp"
#include "pktdyn/detect/alert.hpp"
#include "pktdyn/detect/context.hpp"
#include "pktdyn/detect/flow_facts.hpp"

namespace pktdyn {

struct scan_config {
    std::size_t remote_threshold = 25, local_threshold = 250, knock_threshold = 20, sweep_threshold = 20;
    std::size_t stealth_threshold = 3;
    duration expiry = std::chrono::minutes(15);
    duration discovery_window = std::chrono::seconds(1);
    std::size_t max_scanners = 1 << 16;  ///< scanners tracked at once; beyond, expired windows go (else all, counted)
};

class scan_detector {
public:
    explicit scan_detector(scan_config c = {}) : c_(c) {}

    /// Whether a flow is a scan attempt (see the top of this header).
    /// Whether a flow is a stealth probe: TCP, no payload, no segment of the originator with SYN, ACK
    /// or RST (a bare RST answers a segment the host no longer knows: RFC 793 sends it without ACK).
    [[nodiscard]] static bool stealth(const flow_facts& f) noexcept {
        return f.tcp() && f.orig_packets > 0 && f.orig_syn == 0 && f.orig_ack == 0 && f.orig_rst == 0 && f.orig_packets <= 2 &&
               f.history.find('D') == std::string_view::npos && f.history.find('d') == std::string_view::npos;
    }

    [[nodiscard]] static bool attempt(const flow_facts& f) noexcept {
        if (f.udp()) return f.resp_packets == 0 && f.orig_packets <= 2;
        if (!f.tcp() || f.history.empty() || f.history[0] != 'S') return false;
        return f.history.find('D') == std::string_view::npos && f.history.find('d') == std::string_view::npos &&
               f.orig_packets <= 3;
    }

    void observe(const flow_facts& f, const detect_context& ctx, std::vector<alert>& out) {
        discovery(f, out);
        if (stealth(f)) {
            scanner& s = scanner_of(f);
            s.last = std::max(s.last, f.last);
            s.flows.add(f);
            const std::uint64_t target = hash_host(f.responder) ^ sketch_hash(std::uint64_t{f.responder_port} << 8 | f.protocol);
            if (s.stealthy.insert(target) && s.stealthy.size() == c_.stealth_threshold && !s.told_stealth) {
                s.told_stealth = true;
                alert a = window_alert(f, s, "scan.stealth", 55, "T1046");
                a.add_evidence("targets", std::to_string(s.stealthy.size()));
                a.sentence = fmt::format("{} sent TCP probes with neither SYN nor ACK (FIN, NULL or Xmas scan) to {} ports "
                                         "(threshold {}); no connection sends such packets",
                                         a.entity, s.stealthy.size(), c_.stealth_threshold);
                out.push_back(std::move(a));
            }
            return;
        }
        const bool echo = f.icmp() && f.originator_port == (f.protocol == 1 ? 8 : 128);
        if (!echo && !attempt(f)) return;
        scanner& s = scanner_of(f);
        s.last = std::max(s.last, f.last);
        s.flows.add(f);
        if (echo) {
            if (s.swept.insert(hash_host(f.responder)) && s.swept.size() == c_.sweep_threshold && !s.told_sweep) {
                s.told_sweep = true;
                out.push_back(sweep_alert(f, s));
            }
            return;
        }
        const std::uint64_t host = hash_host(f.responder);
        if (s.targets.size() >= max_targets || !s.targets.insert(host ^ sketch_hash(std::uint64_t{f.responder_port} << 8 | f.protocol)))
            return;
        if (s.targets.size() == 1) s.source_port = f.originator_port;
        else if (f.originator_port != s.source_port) s.one_source_port = false;
        const std::size_t on_port = ++s.hosts_on_port[f.responder_port];
        const std::size_t on_host = ++s.ports_on_host[host];
        const bool local = ctx.is_internal(f.originator);
        const std::size_t threshold = local ? c_.local_threshold : c_.remote_threshold;
        // Each kind is told once per window: a vertical scan then a horizontal one are two alerts.
        if (!(s.told & horizontal) && (on_port >= c_.knock_threshold || on_port >= threshold)) {
            s.told |= horizontal;
            out.push_back(scan_alert(f, s, local, "scan.horizontal", on_port, std::min(threshold, c_.knock_threshold)));
        }
        if (!(s.told & vertical) && on_host >= threshold) {
            s.told |= vertical;
            out.push_back(scan_alert(f, s, local, "scan.vertical", on_host, threshold));
        }
        if (!s.told && s.targets.size() >= threshold) {
            s.told |= mixed;
            out.push_back(scan_alert(f, s, local, "scan.mixed", s.targets.size(), threshold));
        }
    }

    [[nodiscard]] std::size_t tracked() const noexcept { return scanners_.size(); }
    [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }

private:
    struct scanner {
        timestamp start{}, last{};
        flat_set<std::uint64_t> targets, swept, stealthy;   // (host, port, protocol) hashes; hosts; stealth targets
        flat_map<std::uint16_t, std::uint32_t> hosts_on_port;  // its keys are the ports scanned
        flat_map<std::uint64_t, std::uint32_t> ports_on_host;  // its keys are the hosts scanned
        std::uint16_t source_port = 0;                         // the first attempt's; one for all is a stateless scanner's mark
        bool one_source_port = true;
        std::uint8_t told = 0;  // scan kinds told in this window
        bool told_sweep = false, told_stealth = false, told_discovery = false;
        std::size_t discovered = 0;  // hosts that got nmap's discovery probes
        flow_list flows;

    };
    struct probe_set {
        timestamp first{};
        std::uint8_t seen = 0;  // bits: echo, SYN 443, ACK 80, timestamp
        bool told = false;
    };

    static constexpr std::uint8_t vertical = 1, horizontal = 2, mixed = 4;
    static constexpr std::size_t max_targets = 4096;  // per scanner and window: a bound past every threshold

    static std::uint64_t hash_host(const ip_address& a) noexcept {
        return sketch_hash(address_bytes(a));
    }

    scanner& scanner_of(const flow_facts& f) {
        scanner* found = scanners_.find(f.originator);
        if (found && f.first - found->start > c_.expiry) {
            scanners_.erase(f.originator);
            found = nullptr;
        }
        if (!found) {
            if (scanners_.size() >= c_.max_scanners) {  // as brute_force.hpp: expired windows, else all, counted
                scanners_.erase_if([&](const ip_address&, const scanner& s) { return f.first - s.start > c_.expiry; });
                if (scanners_.size() >= c_.max_scanners) {
                    dropped_ += scanners_.size();
                    scanners_.clear();
                }
            }
            found = scanners_.try_emplace(f.originator).first;
            found->start = f.first;
        }
        return *found;
    }

    void discovery(const flow_facts& f, std::vector<alert>& out) {
        int bit = -1;
        if (f.protocol == 1 && f.originator_port == 8) bit = 0;
        else if (f.protocol == 1 && f.originator_port == 13) bit = 3;
        else if (f.tcp() && f.responder_port == 443 && attempt(f)) bit = 1;
        else if (f.tcp() && f.responder_port == 80 && (attempt(f) || (f.history.starts_with("A") && f.orig_packets <= 2))) bit = 2;
        if (bit < 0) return;
        probe_set& p = probes_[hash_host(f.originator) ^ fmix64(hash_host(f.responder))];  // the pair
        if (p.seen == 0 || f.first - p.first > c_.discovery_window) p = probe_set{f.first, 0, p.told && f.first - p.first <= c_.expiry};
        p.seen = static_cast<std::uint8_t>(p.seen | (1u << bit));
        if (!p.told && (std::popcount(p.seen) >= 3 || (p.seen & 0b0110) == 0b0110)) {
            p.told = true;
            scanner& s = scanner_of(f);  // told once per scanner and window: a sweep's hosts are one alert
            ++s.discovered;
            if (s.told_discovery) return;
            s.told_discovery = true;
            alert a;
            a.start = p.first;
            a.end = f.last;
            a.detector = "scan.host_discovery";
            a.entity = f.originator.to_string();
            a.peer = f.responder.to_string();
            a.severity = 30;
            a.technique = "T1018";
            a.add_flow(f.community_id());
            std::string probes;
            for (const auto& [b, name] : {std::pair{0, "ICMP echo"}, {1, "TCP to 443"}, {2, "TCP to 80"}, {3, "ICMP timestamp"}})
                if (p.seen & (1u << b)) probes += probes.empty() ? name : std::string(", ") + name;
            a.add_evidence("probes", probes);
            a.sentence = fmt::format("{} probed {} with nmap's host-discovery set ({}) within {} s (told once a window for "
                                     "all the hosts it probes)",
                                     a.entity, a.peer, probes, std::chrono::duration_cast<std::chrono::seconds>(c_.discovery_window).count());
            out.push_back(std::move(a));
        }
        if (probes_.size() > c_.max_scanners) probes_.clear();  // a bound, not a policy: probes are seconds apart
    }

    alert scan_alert(const flow_facts& f, const scanner& s, bool local, const char* kind, std::size_t count,
                     std::size_t threshold) const {
        alert a = window_alert(f, s, kind, 0, "T1046");  // severity set below
        const auto minutes = std::chrono::duration<double>(s.last - s.start).count() / 60;
        const std::string_view k = kind;
        if (k == "scan.horizontal") {
            a.sentence = fmt::format("{} scanned port {} on {} hosts in {:.1f} min", a.entity, f.responder_port, count, minutes);
        } else if (k == "scan.vertical") {
            a.peer = f.responder.to_string();
            a.sentence = fmt::format("{} scanned {} ports of {} in {:.1f} min", a.entity, count, a.peer, minutes);
        } else {
            a.sentence = fmt::format("{} scanned {} ports on {} hosts ({} targets) in {:.1f} min", a.entity, s.hosts_on_port.size(),
                                     s.ports_on_host.size(), s.targets.size(), minutes);
        }
        a.sentence += fmt::format("; threshold {} for a {} scanner, attempts that never carried data", threshold,
                                  local ? "local" : "remote");
        // An inside host that scans is often an inventory tool or a P2P client: at most 50.
        a.severity = severity_above(local ? 40 : 50, static_cast<double>(count), static_cast<double>(threshold), local ? 50 : 80);
        a.add_evidence("targets", std::to_string(s.targets.size()));
        a.add_evidence("hosts", std::to_string(s.ports_on_host.size()));
        a.add_evidence("ports", std::to_string(s.hosts_on_port.size()));
        a.add_evidence("threshold", std::to_string(threshold));
        a.add_evidence("scanner_is_local", local ? "1" : "0");
        if (s.one_source_port && s.targets.size() >= 20) {  // a kernel picks a new port per connection
            a.add_evidence("source_port", std::to_string(s.source_port));
            a.sentence += fmt::format("; every probe from source port {}: a stateless scanner (masscan, zmap) or nmap's "
                                      "raw SYN scan",
                                      s.source_port);
        }
        return a;
    }

    // What every alert about a scanner's window says: its time, the scanner, the flows behind it.
    static alert window_alert(const flow_facts& f, const scanner& s, const char* detector, int severity, const char* technique) {
        alert a;
        a.start = s.start;
        a.end = s.last;
        a.detector = detector;
        a.entity = f.originator.to_string();
        a.severity = severity;
        a.technique = technique;
        s.flows.add_to(a);
        return a;
    }

    alert sweep_alert(const flow_facts& f, const scanner& s) const {
        alert a = window_alert(f, s, "scan.ping_sweep", 40, "T1018");
        a.add_evidence("hosts", std::to_string(s.swept.size()));
        a.sentence = fmt::format("{} sent ICMP echo requests to {} hosts in {:.1f} min (threshold {})", a.entity, s.swept.size(),
                                 std::chrono::duration<double>(s.last - s.start).count() / 60, c_.sweep_threshold);
        return a;
    }

    scan_config c_;
    flat_map<ip_address, scanner> scanners_;
    flat_map<std::uint64_t, probe_set> probes_;  // by a hash of (scanner, target)
    std::uint64_t dropped_ = 0;
};

}  // namespace pktdyn
