// pktdyn — the byte-value histogram kernel: adds each byte of a buffer to 256 counters.
//
// The scalar kernel is the oracle every other kernel must equal bit for bit. It counts into four
// interleaved sub-histograms so a run of equal bytes does not serialise on one counter's
// store-to-load dependency, then folds them. (Per-ISA kernels and their runtime dispatch come
// with issue #5's SIMD work; `byte_histogram` is the entry point that will choose among them.)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace pktdyn::simd {

/// Adds the values of `data` to `counts` (the caller keeps counts from overflowing).
inline void byte_histogram_scalar(std::span<const std::byte> data, std::span<std::uint32_t, 256> counts) noexcept {
    if (data.size() < 64) {  // short payloads: folding four tables would cost more than it saves
        for (std::byte b : data) ++counts[std::to_integer<std::uint8_t>(b)];
        return;
    }
    std::array<std::array<std::uint32_t, 256>, 4> sub{};
    std::size_t i = 0;
    for (; i + 4 <= data.size(); i += 4) {
        ++sub[0][std::to_integer<std::uint8_t>(data[i])];
        ++sub[1][std::to_integer<std::uint8_t>(data[i + 1])];
        ++sub[2][std::to_integer<std::uint8_t>(data[i + 2])];
        ++sub[3][std::to_integer<std::uint8_t>(data[i + 3])];
    }
    for (; i < data.size(); ++i) ++sub[0][std::to_integer<std::uint8_t>(data[i])];
    for (std::size_t v = 0; v < 256; ++v) counts[v] += sub[0][v] + sub[1][v] + sub[2][v] + sub[3][v];
}

/// The kernel to use: today the scalar one.
inline void byte_histogram(std::span<const std::byte> data, std::span<std::uint32_t, 256> counts) noexcept {
    byte_histogram_scalar(data, counts);
}

}  // namespace pktdyn::simd
