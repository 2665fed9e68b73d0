// pktdyn — the 64-bit hash the baseline sketches use: keys of bytes (names, addresses) or integers
// to well-mixed 64-bit values, seeded, the same on every machine (a saved sketch stays valid).
//
// Bytes: FNV-1a over the bytes and their length, then MurmurHash3's 64-bit finaliser (fmix64), so
// that every output bit depends on every input bit; integers: fmix64 of the value and the seed.
// Not for adversaries who choose keys to collide (a keyed hash would be; none is needed to count).
#pragma once

#include <cstdint>
#include <string_view>

namespace pktdyn {

/// MurmurHash3's 64-bit finaliser (Appleby): a bijection that mixes every bit into every bit.
[[nodiscard]] constexpr std::uint64_t fmix64(std::uint64_t k) noexcept {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

[[nodiscard]] constexpr std::uint64_t sketch_hash(std::uint64_t key, std::uint64_t seed = 0) noexcept {
    return fmix64(key ^ fmix64(seed + 0x9e3779b97f4a7c15ull));
}

[[nodiscard]] constexpr std::uint64_t sketch_hash(std::string_view bytes, std::uint64_t seed = 0) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ull ^ fmix64(seed);
    for (char c : bytes) h = (h ^ static_cast<std::uint8_t>(c)) * 0x100000001b3ull;
    return fmix64(h ^ bytes.size());
}

}  // namespace pktdyn
