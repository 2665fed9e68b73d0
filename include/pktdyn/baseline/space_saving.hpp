// pktdyn — the heaviest keys of a stream in fixed memory: the Space-Saving sketch (Metwally,
// Agrawal and El Abbadi, "Efficient computation of frequent and top-k elements in data streams",
// ICDT 2005), with weights.
//
// K counters. A key already counted adds its weight; a new key takes a free counter, or else the
// smallest one, inheriting its count as its possible error. Then for every key kept:
//   count − error ≤ true weight ≤ count, and error ≤ total / K,
// and every key whose true weight exceeds total / K is kept. Memory is K entries whatever the
// stream's size; an update costs O(K) (a scan: K is small, tens to hundreds).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pktdyn {

template <class Key, std::size_t K>
class space_saving {
    static_assert(K > 0);

public:
    struct item {
        Key key{};
        std::uint64_t count = 0;  ///< an upper bound of the key's weight
        std::uint64_t error = 0;  ///< count − error is a lower bound
    };

    /// Counts `weight` for `key` (a weight of 0 changes nothing).
    void add(const Key& key, std::uint64_t weight = 1) {
        if (weight == 0) return;
        total_ += weight;
        std::size_t smallest = 0;
        for (std::size_t i = 0; i < used_; ++i) {
            if (items_[i].key == key) {
                items_[i].count += weight;
                return;
            }
            if (items_[i].count < items_[smallest].count) smallest = i;
        }
        if (used_ < K) {
            items_[used_++] = item{key, weight, 0};
            return;
        }
        item& victim = items_[smallest];
        victim.error = victim.count;
        victim.count += weight;
        victim.key = key;
    }

    /// The `n` keys with the largest counts, largest first (ties: the smaller lower bound last,
    /// then key order, so the result does not depend on the order of updates more than it must).
    [[nodiscard]] std::vector<item> top(std::size_t n) const {
        std::vector<item> out(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(used_));
        std::sort(out.begin(), out.end(), [](const item& a, const item& b) {
            if (a.count != b.count) return a.count > b.count;
            if (a.count - a.error != b.count - b.error) return a.count - a.error > b.count - b.error;
            return a.key < b.key;
        });
        out.resize(std::min(n, out.size()));
        return out;
    }

    /// The weight of everything counted.
    [[nodiscard]] std::uint64_t total() const noexcept { return total_; }
    /// No kept count overstates its key by more than this (total / K).
    [[nodiscard]] std::uint64_t error_bound() const noexcept { return total_ / K; }
    [[nodiscard]] std::size_t size() const noexcept { return used_; }
    static constexpr std::size_t capacity = K;

private:
    std::array<item, K> items_{};
    std::size_t used_ = 0;
    std::uint64_t total_ = 0;
};

}  // namespace pktdyn
