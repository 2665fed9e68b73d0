// pktdyn — long connections: a connection that has lasted past a tier (RITA's 1, 4, 8 and 12 hours
// by default), told once per tier while it lasts and when it ends.
//
// The flow table ends a long flow at its active timeout (30 min by default) and continues it as a
// new flow with the same key; this stitches those parts back together: a record that ended with
// end_reason::active_timeout opens (or extends) a connection under its key, the next record with
// that key continues it, and any other end closes it. A connection's length is from its first
// part's first packet to its latest part's last packet. Memory: one entry per connection that is
// split right now (never more than the flows the table holds), freed when it closes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "pktdyn/baseline/flat_map.hpp"
#include "pktdyn/flow/flow_key.hpp"
#include "pktdyn/flow/flow_record.hpp"

namespace pktdyn {

class long_connections {
public:
    /// Tiers in increasing order (RITA: 1, 4, 8, 12 hours).
    explicit long_connections(std::vector<duration> tiers = {std::chrono::hours(1), std::chrono::hours(4),
                                                             std::chrono::hours(8), std::chrono::hours(12)})
        : tiers_(std::move(tiers)) {}

    struct crossing {
        std::size_t tier = 0;     ///< index into the tiers: the highest one passed
        duration length{};        ///< how long the connection has lasted
        timestamp start{};        ///< its first packet
        bool ended = false;       ///< the connection closed with this record
    };

    /// One ended flow record. Returns the highest tier the connection has passed if it passed it with
    /// this record (each tier is told once per connection), else nothing.
    std::optional<crossing> observe(const flow_record& r) { return observe(r.key, r.first, r.last, r.ended == end_reason::active_timeout); }
    /// The same from a flow's key, times and whether it continues past the active timeout.
    std::optional<crossing> observe(const flow_key& key, timestamp first, timestamp last, bool continues) {
        state* open = open_.find(key);
        state s = open ? *open : state{first, 0};
        if (first < s.start) s.start = first;
        const duration length = last - s.start;
        std::size_t passed = 0;
        while (passed < tiers_.size() && length >= tiers_[passed]) ++passed;
        std::optional<crossing> out;
        if (passed > s.told) {
            out = crossing{passed - 1, length, s.start, !continues};
            s.told = passed;
        }
        if (continues) open_[key] = s;
        else if (open) open_.erase(key);
        return out;
    }

    [[nodiscard]] const std::vector<duration>& tiers() const noexcept { return tiers_; }
    /// Connections split at the active timeout and not yet closed.
    [[nodiscard]] std::size_t open() const noexcept { return open_.size(); }

private:
    struct state {
        timestamp start{};
        std::size_t told = 0;  // tiers already told
    };
    struct key_hash {
        std::uint64_t operator()(const flow_key& k) const noexcept { return hash(k, 0x6c6f6e67); }
    };
    std::vector<duration> tiers_;
    flat_map<flow_key, state, key_hash> open_;
};

}  // namespace pktdyn
