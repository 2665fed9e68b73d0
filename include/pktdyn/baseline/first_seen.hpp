// pktdyn — "have we seen this before?" in fixed memory: a set of keys with the time each was last
// seen, where a key unseen for `expiry` counts as new again (a service that went away and came
// back, a peer not contacted for a month).
//
// Keys are 64-bit hashes (baseline/sketch_hash.hpp) in buckets of 8 slots, a bucket per hash.
// When a key arrives at a full bucket the entry seen least recently makes room (an eviction,
// counted): that key will look new if it comes back. Memory: 16 bytes × capacity, allocated once.
// A false "seen before" needs two keys with the same 64-bit hash (2^-64 per pair); a false "new"
// needs an eviction, which stats() reports. Time comes from the caller (packet time), never the
// clock; a time earlier than a key's last sighting leaves that sighting as it is.
#pragma once

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/baseline/sketch_hash.hpp"
#include "pktdyn/core/result.hpp"
#include "pktdyn/models/state_text.hpp"
#include "pktdyn/core/time.hpp"

namespace pktdyn {

class first_seen_set {
public:
    static constexpr std::size_t ways = 8;

    struct stats {
        std::uint64_t observed = 0;  ///< calls to observe()
        std::uint64_t new_keys = 0;  ///< ... that found the key new (never seen, expired or evicted)
        std::uint64_t expired = 0;   ///< ... of which the key had been seen, longer ago than the expiry
        std::uint64_t evicted = 0;   ///< entries dropped to make room
    };

    /// At least `capacity` keys (rounded up to a power of two times 8), each new again after `expiry`.
    first_seen_set(std::size_t capacity, duration expiry, std::uint64_t seed = 0)
        : expiry_(expiry), seed_(seed) {
        std::size_t buckets = 1;
        while (buckets * ways < capacity) buckets *= 2;
        mask_ = buckets - 1;
        slots_.resize(buckets * ways);
    }

    /// Records a sighting of `key` at `now`; true when the key is new (first seen, or not seen within
    /// the expiry before `now`).
    bool observe(std::string_view key, timestamp now) { return observe_hash(sketch_hash(key, seed_), now); }
    bool observe(std::uint64_t key, timestamp now) { return observe_hash(sketch_hash(key, seed_), now); }
    bool observe_hash(std::uint64_t h, timestamp now) {
        ++stats_.observed;
        const std::uint64_t tag = h | 1;  // 0 marks a free slot
        const std::int64_t t = to_ns(now);
        slot* bucket = &slots_[(h >> 20 & mask_) * ways];
        slot* oldest = bucket;
        for (std::size_t i = 0; i < ways; ++i) {
            slot& s = bucket[i];
            if (s.tag == tag) {
                const bool expired = saturating_elapsed(from_ns(s.last_ns), now) > expiry_;
                if (t > s.last_ns) s.last_ns = t;
                if (expired) {
                    ++stats_.expired;
                    ++stats_.new_keys;
                }
                return expired;
            }
            if (s.tag == 0 || (oldest->tag != 0 && s.last_ns < oldest->last_ns)) oldest = &s;
            if (s.tag == 0) break;
        }
        if (oldest->tag != 0) ++stats_.evicted;
        *oldest = slot{tag, t};
        ++stats_.new_keys;
        return true;
    }

    /// Whether `key` was seen within the expiry before `now` (does not record a sighting).
    [[nodiscard]] bool seen(std::string_view key, timestamp now) const noexcept { return seen_hash(sketch_hash(key, seed_), now); }
    [[nodiscard]] bool seen_hash(std::uint64_t h, timestamp now) const noexcept {
        const std::uint64_t tag = h | 1;
        const slot* bucket = &slots_[(h >> 20 & mask_) * ways];
        for (std::size_t i = 0; i < ways; ++i)
            if (bucket[i].tag == tag) return saturating_elapsed(from_ns(bucket[i].last_ns), now) <= expiry_;
        return false;
    }

    [[nodiscard]] const stats& statistics() const noexcept { return stats_; }
    [[nodiscard]] duration expiry() const noexcept { return expiry_; }

    /// The set as text: "pktdyn.first_seen_set 1", "slots N", "expiry_ns E", "seed S", "entries K",
    /// then K lines "SLOT TAG LAST_NS" in slot order (statistics are not kept).
    [[nodiscard]] std::string save() const {
        std::size_t used = 0;
        for (const slot& s : slots_) used += s.tag != 0;
        std::string out = fmt::format("pktdyn.first_seen_set 1\nslots {}\nexpiry_ns {}\nseed {}\nentries {}\n", slots_.size(),
                                      expiry_.count(), seed_, used);
        for (std::size_t i = 0; i < slots_.size(); ++i)
            if (slots_[i].tag != 0) out += fmt::format("{} {} {}\n", i, slots_[i].tag, slots_[i].last_ns);
        return out;
    }

    /// A set from save()'s text; a malformed text is an error naming its line.
    [[nodiscard]] static result<first_seen_set> restore(std::string_view text) {
        state_lines r(text, "first-seen");
        if (r.line() != "pktdyn.first_seen_set 1") return r.fail("expected 'pktdyn.first_seen_set 1'");
        std::size_t slots = 0, entries = 0;
        std::int64_t expiry_ns = 0;
        std::uint64_t seed = 0;
        if (!r.field("slots", slots) || slots < ways || slots > (std::size_t{1} << 28) || (slots & (slots - 1)) != 0)
            return r.fail("expected 'slots N', N a power of two from 8 to 2^28 (4 GiB)");
        if (!r.field("expiry_ns", expiry_ns) || expiry_ns < 0) return r.fail("expected 'expiry_ns N', N >= 0");
        if (!r.field("seed", seed)) return r.fail("expected 'seed N'");
        if (!r.field("entries", entries) || entries > slots) return r.fail("expected 'entries N', N <= slots");
        first_seen_set set(slots, duration{expiry_ns}, seed);
        std::size_t previous = 0;
        for (std::size_t k = 0; k < entries; ++k) {
            std::size_t index = 0;
            std::uint64_t tag = 0;
            std::int64_t last = 0;
            if (!state_lines::numbers(r.line(), index, tag, last)) return r.fail("expected 'SLOT TAG LAST_NS'");
            if (index >= slots || (k > 0 && index <= previous)) return r.fail("slots must increase and lie below 'slots'");
            if ((tag & 1) == 0 || (tag >> 20 & set.mask_) != index / ways) return r.fail("a tag that does not belong in its slot");
            set.slots_[index] = slot{tag, last};
            previous = index;
        }
        if (!r.at_end()) return r.fail_trailing("the last entry");
        return set;
    }
    [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }

private:
    struct slot {
        std::uint64_t tag = 0;
        std::int64_t last_ns = 0;
    };
    duration expiry_;
    std::uint64_t seed_ = 0;
    std::size_t mask_ = 0;
    std::vector<slot> slots_;
    stats stats_{};
};

}  // namespace pktdyn
