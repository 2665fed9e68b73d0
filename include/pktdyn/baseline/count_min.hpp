// pktdyn — how often each key occurs, in fixed memory: the Count-Min sketch (Cormode and
// Muthukrishnan, "An improved data stream summary: the count-min sketch and its applications",
// J. Algorithms 2005) with conservative update (Estan and Varghese, SIGCOMM 2002).
//
// D rows of W counters; a key adds its weight to one counter per row (row i: (h1 + i·h2) mod W, the
// two halves of its 64-bit hash, Kirsch and Mitzenmacher 2006), raising each only as far as the
// key's new estimate needs (conservative update). The estimate is the smallest of its D counters:
//   true weight ≤ estimate,   and estimate ≤ true weight + (e / W) · total   with probability ≥ 1 − e^-D.
// W = 2048, D = 4: within 0.13 % of the total for 98 % of keys, in 64 KiB. Sketches of the same shape
// and seed merge by adding counters (the bounds hold for the merged stream).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "pktdyn/baseline/sketch_hash.hpp"

namespace pktdyn {

template <std::size_t W = 2048, std::size_t D = 4>
class count_min {
    static_assert(W >= 2 && W <= (std::size_t{1} << 31) && D >= 1 && D <= 16);

public:
    static constexpr std::size_t width = W, depth = D;

    /// Allocates the W·D counters once.
    explicit count_min(std::uint64_t seed = 0) : seed_(seed), counts_(W * D, 0) {}

    void add(std::string_view key, std::uint64_t weight = 1) noexcept { add_hash(sketch_hash(key, seed_), weight); }
    void add(std::uint64_t key, std::uint64_t weight = 1) noexcept { add_hash(sketch_hash(key, seed_), weight); }
    void add_hash(std::uint64_t h, std::uint64_t weight = 1) noexcept {
        if (weight == 0) return;
        total_ += weight;
        std::array<std::size_t, D> at;
        std::uint64_t least = std::numeric_limits<std::uint64_t>::max();
        for (std::size_t i = 0; i < D; ++i) {
            at[i] = i * W + index(h, i);
            least = std::min(least, counts_[at[i]]);
        }
        const std::uint64_t wanted = least + weight;  // the key's new estimate
        for (std::size_t i = 0; i < D; ++i) counts_[at[i]] = std::max(counts_[at[i]], wanted);
    }

    /// An upper bound of the weight added for `key` (see the bounds above).
    [[nodiscard]] std::uint64_t estimate(std::string_view key) const noexcept { return estimate_hash(sketch_hash(key, seed_)); }
    [[nodiscard]] std::uint64_t estimate(std::uint64_t key) const noexcept { return estimate_hash(sketch_hash(key, seed_)); }
    [[nodiscard]] std::uint64_t estimate_hash(std::uint64_t h) const noexcept {
        std::uint64_t least = std::numeric_limits<std::uint64_t>::max();
        for (std::size_t i = 0; i < D; ++i) least = std::min(least, counts_[i * W + index(h, i)]);
        return least;
    }

    /// The sum of every weight added.
    [[nodiscard]] std::uint64_t total() const noexcept { return total_; }
    /// The bound on overcounting that holds with probability 1 − e^-D: (e / W) · total.
    [[nodiscard]] double error_bound() const noexcept { return 2.718281828459045 / static_cast<double>(W) * static_cast<double>(total_); }

    /// Folds in `other` (same W, D and seed).
    void merge(const count_min& other) noexcept {
        for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
        total_ += other.total_;
    }
    [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

private:
    [[nodiscard]] static std::size_t index(std::uint64_t h, std::size_t row) noexcept {
        const std::uint64_t h1 = h & 0xffffffffu, h2 = (h >> 32) | 1;  // h2 odd: the rows differ
        return static_cast<std::size_t>((h1 + row * h2) % W);
    }
    std::uint64_t seed_ = 0;
    std::uint64_t total_ = 0;
    std::vector<std::uint64_t> counts_;
};

}  // namespace pktdyn
