// pktdyn — exfiltration and volume: one connection sending more than `large_upload` (20 MB) out of
// our networks, and a host in our networks sending more than `new_peer_volume` (5 MB) to a peer it
// has never talked to (after the learning period; pairs remembered for `memory`, 30 days) — the
// database server that suddenly ships data to a host it never knew.
//
// A connection split at the active timeout is summed across its parts (by its endpoints and ports).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/baseline/first_seen.hpp"
#include "pktdyn/baseline/flat_map.hpp"
#include "pktdyn/baseline/sketch_hash.hpp"
#include "pktdyn/detect/alert.hpp"
#include "pktdyn/detect/context.hpp"
#include "pktdyn/detect/flow_facts.hpp"

namespace pktdyn {

struct volume_config {
    std::uint64_t large_upload = 20'000'000;
    std::uint64_t new_peer_volume = 5'000'000;
    duration memory = std::chrono::hours(24 * 30);
    std::size_t pairs = 1 << 20;  ///< host pairs remembered (least recently seen evicted, counted)
};

/// "1.2 GB", "40 MB", "900 kB": decimal units, three significant digits.
[[nodiscard]] inline std::string human_bytes(double b) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000 && u < 4) {
        b /= 1000;
        ++u;
    }
    return u == 0 ? fmt::format("{:.0f} B", b) : fmt::format("{:.3g} {}", b, units[u]);
}

class detector_set;

class volume_detector {
    friend class detector_set;  // saves and restores the long-lived state

public:
    explicit volume_detector(volume_config c = {}) : c_(c), pairs_(c.pairs, c.memory) {}

    void observe(const flow_facts& f, const detect_context& ctx, std::vector<alert>& out) {
        if (!ctx.is_internal(f.originator)) return;  // only our hosts' uploads and peers count
        // Bytes the originator sent over the whole connection (its parts stitched).
        const std::uint64_t key = sketch_hash(address_bytes(f.originator), sketch_hash(address_bytes(f.responder),
                                              std::uint64_t{f.originator_port} << 24 | std::uint64_t{f.responder_port} << 8 | f.protocol));
        std::uint64_t sent = f.orig_bytes;
        timestamp start = f.first;
        if (const part* earlier = open_.find(key)) {
            sent += earlier->sent;
            start = earlier->start;
            if (!f.continues) open_.erase(key);
        }
        if (f.continues) open_[key] = part{sent, start};

        pair_.assign(address_bytes(f.originator));
        pair_.append(address_bytes(f.responder));
        const bool first_contact = pairs_.observe(pair_, f.last);
        const std::uint64_t pair = sketch_hash(pair_);
        if (first_contact && !ctx.learning(f.first)) {
            if (new_pair_bytes_.size() >= c_.pairs) forget_old(f.first);
            new_pair_bytes_[pair] = young_pair{0, f.first};
        }

        if (!ctx.is_internal(f.responder) && sent >= c_.large_upload && sent - f.orig_bytes < c_.large_upload) {
            alert a = base(f, start, "exfil.large_upload");
            a.severity = severity_above(50, static_cast<double>(sent), static_cast<double>(c_.large_upload), 80);
            a.add_evidence("bytes_sent", std::to_string(sent));
            a.add_evidence("limit", std::to_string(c_.large_upload));
            a.sentence = fmt::format("{} sent {} to {} (port {}) in one connection over {:.1f} s (limit {})", a.entity,
                                     human_bytes(static_cast<double>(sent)), a.peer, f.responder_port,
                                     std::chrono::duration<double>(f.last - start).count(), human_bytes(static_cast<double>(c_.large_upload)));
            out.push_back(std::move(a));
        }
        // A new pair's bytes add up while it is young (within a day of its first contact).
        young_pair* young = new_pair_bytes_.find(pair);
        if (!young) return;
        if (f.first - young->since > young_for) {
            new_pair_bytes_.erase(pair);
            return;
        }
        const std::uint64_t before = young->bytes;
        const std::uint64_t now_sent = young->bytes += f.orig_bytes;
        if (before < c_.new_peer_volume && now_sent >= c_.new_peer_volume) {
            alert a = base(f, f.first, "exfil.new_peer");
            a.severity = severity_above(55, static_cast<double>(now_sent), static_cast<double>(c_.new_peer_volume), 85);
            a.add_evidence("bytes_sent", std::to_string(now_sent));
            a.add_evidence("first_contact", "1");
            a.sentence = fmt::format("{} sent {} to {}, a peer it had not talked to in the last {} days (first contact; "
                                     "alert at {})",
                                     a.entity, human_bytes(static_cast<double>(now_sent)), a.peer,
                                     std::chrono::duration_cast<std::chrono::hours>(c_.memory).count() / 24,
                                     human_bytes(static_cast<double>(c_.new_peer_volume)));
            out.push_back(std::move(a));
        }
    }

    [[nodiscard]] const first_seen_set& pairs() const noexcept { return pairs_; }

private:
    static constexpr duration young_for = std::chrono::hours(24);  // a new pair's bytes add up for a day
    struct young_pair {
        std::uint64_t bytes = 0;
        timestamp since{};
    };
    void forget_old(timestamp now) {
        new_pair_bytes_.erase_if([&](std::uint64_t, const young_pair& y) { return now - y.since > young_for; });
        if (new_pair_bytes_.size() >= c_.pairs) new_pair_bytes_.clear();  // still full: a bound, counted nowhere else
    }
    struct part {
        std::uint64_t sent = 0;
        timestamp start{};
    };
    static alert base(const flow_facts& f, timestamp start, const char* detector) {
        alert a;
        a.start = start;
        a.end = f.last;
        a.detector = detector;
        a.entity = f.originator.to_string();
        a.peer = f.responder.to_string();
        a.technique = "T1048";
        a.add_flow(f.community_id());
        return a;
    }
    volume_config c_;
    first_seen_set pairs_;
    flat_map<std::uint64_t, part> open_;  // connections split at the active timeout, by a hash of the 5-tuple
    flat_map<std::uint64_t, young_pair> new_pair_bytes_;  // by a hash of the pair's addresses
    std::string pair_;  // the pair's addresses, reused for every flow
};

}  // namespace pktdyn
