// pktdyn — packet-size histograms of a flow, over IP lengths: 12 fixed bins 128 bytes wide
// (size_bin128_0 counts lengths 0-127, ..., size_bin128_11 counts 1408 and more) and 17 log2 bins
// (size_log2_k counts lengths in [2^k, 2^(k+1)), k = 0..16; a length of 0 counts in k = 0).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <span>

#include "pktdyn/features/accumulator.hpp"

namespace pktdyn {

class size_histogram {
public:
    static constexpr std::size_t fixed_bins = 12, log2_bins = 17, fixed_width = 128;

private:
    static constexpr detail::numbered_names<fixed_bins> fixed_names_{"size_bin128_", 0};
    static constexpr detail::numbered_names<log2_bins> log2_names_{"size_log2_", 0};

public:
    static constexpr std::array<feature_info, fixed_bins + log2_bins> features = [] {
        std::array<feature_info, fixed_bins + log2_bins> f{};
        for (std::size_t i = 0; i < fixed_bins; ++i)
            f[i] = {"", fixed_names_[i], "packets",
                    "packets with IP length in [128 i, 128 i + 127] (the last bin: 1408 and more)"};
        for (std::size_t k = 0; k < log2_bins; ++k)
            f[fixed_bins + k] = {"", log2_names_[k], "packets", "packets with IP length in [2^k, 2^(k+1)) (0 counts in k = 0)"};
        return f;
    }();

    void update(const flow_packet& p) noexcept {
        ++fixed_[std::min<std::size_t>(p.ip_length / fixed_width, fixed_bins - 1)];
        const std::size_t k = p.ip_length ? static_cast<std::size_t>(std::bit_width(p.ip_length)) - 1 : 0;
        ++log2_[std::min(k, log2_bins - 1)];
    }
    void merge(const size_histogram& o) noexcept {
        for (std::size_t i = 0; i < fixed_bins; ++i) fixed_[i] += o.fixed_[i];
        for (std::size_t k = 0; k < log2_bins; ++k) log2_[k] += o.log2_[k];
    }
    void write(std::span<double> out) const noexcept {
        for (std::size_t i = 0; i < fixed_bins; ++i) out[i] = static_cast<double>(fixed_[i]);
        for (std::size_t k = 0; k < log2_bins; ++k) out[fixed_bins + k] = static_cast<double>(log2_[k]);
    }

private:
    std::array<std::uint32_t, fixed_bins> fixed_{};
    std::array<std::uint32_t, log2_bins> log2_{};
};

static_assert(flow_accumulator<size_histogram>);

}  // namespace pktdyn
