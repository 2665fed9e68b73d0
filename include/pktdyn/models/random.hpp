// pktdyn — the random numbers models draw: SplitMix64 (Steele, Lea & Flood 2014; Vigna's reference
// code), with the two draws the models need written out here instead of taken from <random>.
//
// Why not std::mt19937 + std::uniform_*_distribution: the engines are specified but the distributions
// are not, so the same seed gives different forests under libstdc++ and libc++. A model fitted with a
// seed, or a detector restored from a seed, must be the same everywhere.
#pragma once

#include <cstdint>
#include <limits>

namespace pktdyn {

class splitmix64 {
public:
    using result_type = std::uint64_t;

    explicit constexpr splitmix64(std::uint64_t seed) noexcept : state_(seed) {}

    [[nodiscard]] static constexpr result_type min() noexcept { return 0; }
    [[nodiscard]] static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

    constexpr result_type operator()() noexcept {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
        z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
        return z ^ (z >> 31);
    }

    /// Uniform on [0, 1): the top 53 bits as a double's mantissa.
    constexpr double uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

    /// Uniform on {0, ..., n - 1} for n > 0, without modulo bias (rejects the low remainder).
    constexpr std::uint64_t below(std::uint64_t n) noexcept {
        const std::uint64_t reject_under = (0 - n) % n;  // 2^64 mod n
        for (;;)
            if (const std::uint64_t r = (*this)(); r >= reject_under) return r % n;
    }

    /// The whole state: a generator rebuilt from it continues the same sequence.
    [[nodiscard]] constexpr std::uint64_t state() const noexcept { return state_; }

private:
    std::uint64_t state_;
};

}  // namespace pktdyn
