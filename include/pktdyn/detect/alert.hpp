// pktdyn — what a detector says: one alert type for every detector, and the book that deduplicates
// and suppresses them.
//
// An alert names its window (first and last packet time of the flows behind it), the detector, the
// entity (the host that acted: the scanner, the guesser, the beaconing client, the sender), the peer
// (the other side, or "" when there are many), a severity 0–100 (docs/detect.md, "Severity"),
// the MITRE ATT&CK technique, the Community IDs of up to 16 flows behind it, its evidence as named
// values, and one sentence a person can act on, with the numbers that made it fire.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pktdyn/core/time.hpp"

namespace pktdyn {

struct alert {
    static constexpr std::size_t max_community_ids = 16;

    timestamp start{}, end{};
    std::string detector;    ///< "scan.horizontal", "bruteforce.ssh", "beacon", … (docs/detect.md)
    std::string entity;      ///< the acting host's address
    std::string peer;        ///< the other side ("" when many)
    int severity = 0;        ///< 0–100
    std::string technique;   ///< MITRE ATT&CK, e.g. "T1046"
    std::vector<std::string> community_ids;
    std::vector<std::pair<std::string, std::string>> evidence;  ///< name, value (numbers as text)
    std::string sentence;

    void add_flow(std::string_view community_id) {
        if (!community_id.empty() && community_ids.size() < max_community_ids &&
            std::find(community_ids.begin(), community_ids.end(), community_id) == community_ids.end())
            community_ids.emplace_back(community_id);
    }
    void add_evidence(std::string name, std::string value) { evidence.emplace_back(std::move(name), std::move(value)); }
};

/// Severity from how far past its threshold a measure went: `base` at the threshold, +10 per doubling,
/// never above `ceiling` (nor 100).
[[nodiscard]] inline int severity_above(int base, double measure, double threshold, int ceiling = 100) noexcept {
    int s = base;
    for (double t = threshold * 2; t > 0 && measure >= t && s < ceiling; t *= 2) s += 10;
    return std::clamp(s, 0, std::min(ceiling, 100));
}

/// Deduplication and suppression: an alert with the detector, entity and peer of one told less than
/// the suppression window ago (by packet time) is not told again, only counted (Zeek's notice
/// suppression, 1 hour by default).
class alert_book {
public:
    explicit alert_book(duration suppression = std::chrono::hours(1)) : suppression_(suppression) {}

    /// True when `a` should be told; false when it repeats one told within the window.
    bool admit(const alert& a) {
        std::string key = a.detector;
        key += '\x1f';
        key += a.entity;
        key += '\x1f';
        key += a.peer;
        const auto it = told_.find(key);
        if (it != told_.end() && a.end - it->second < suppression_) {
            ++suppressed_;
            return false;
        }
        told_[std::move(key)] = a.end;
        if (++admitted_ % 4096 == 0) forget_before(a.end - suppression_);
        return true;
    }

    [[nodiscard]] std::uint64_t admitted() const noexcept { return admitted_; }
    [[nodiscard]] std::uint64_t suppressed() const noexcept { return suppressed_; }
    [[nodiscard]] duration suppression() const noexcept { return suppression_; }

private:
    void forget_before(timestamp t) {
        for (auto it = told_.begin(); it != told_.end();) it = it->second < t ? told_.erase(it) : std::next(it);
    }
    duration suppression_;
    std::unordered_map<std::string, timestamp> told_;
    std::uint64_t admitted_ = 0, suppressed_ = 0;
};

}  // namespace pktdyn
