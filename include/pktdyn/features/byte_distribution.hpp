// pktdyn — the distribution of byte values in a flow's payload: over the first K captured payload
// bytes of the flow (both directions, in packet order), the 256 counts of byte values, their Shannon
// entropy in bits (0 for a single value, 8 for uniform bytes: encrypted or compressed data sits near
// 8, text near 4–5), mean and standard deviation of the byte values, and a compact 16-bin form
// (bin i counts values 16 i to 16 i + 15). With Full, the 256 counts are columns too.
// Merging adds the counts (each part's first K bytes).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>

#include "pktdyn/features/accumulator.hpp"
#include "pktdyn/simd/byte_histogram.hpp"

namespace pktdyn {

template <std::size_t K = 1024, bool Full = false>
class byte_distribution {
    static_assert(K >= 1 && K <= std::numeric_limits<std::uint32_t>::max());
    static constexpr detail::numbered_names<256> bins_{"byte_hist_", 0};
    static constexpr std::array<feature_info, 20> summary{{
        {"", "byte_count", "bytes", "payload bytes counted: the flow's first K captured payload bytes, both directions"},
        {"", "byte_entropy", "bits", "Shannon entropy of the counted bytes' values, -sum p_v log2 p_v (NaN with no bytes)"},
        {"", "byte_mean", "byte value", "mean of the counted bytes' values, 0 to 255"},
        {"", "byte_std", "byte value", "population standard deviation of the counted bytes' values"},
        {"", "byte_hist16_0", "bytes", "counted bytes with values 0-15"},
        {"", "byte_hist16_1", "bytes", "counted bytes with values 16-31"},
        {"", "byte_hist16_2", "bytes", "counted bytes with values 32-47"},
        {"", "byte_hist16_3", "bytes", "counted bytes with values 48-63"},
        {"", "byte_hist16_4", "bytes", "counted bytes with values 64-79"},
        {"", "byte_hist16_5", "bytes", "counted bytes with values 80-95"},
        {"", "byte_hist16_6", "bytes", "counted bytes with values 96-111"},
        {"", "byte_hist16_7", "bytes", "counted bytes with values 112-127"},
        {"", "byte_hist16_8", "bytes", "counted bytes with values 128-143"},
        {"", "byte_hist16_9", "bytes", "counted bytes with values 144-159"},
        {"", "byte_hist16_10", "bytes", "counted bytes with values 160-175"},
        {"", "byte_hist16_11", "bytes", "counted bytes with values 176-191"},
        {"", "byte_hist16_12", "bytes", "counted bytes with values 192-207"},
        {"", "byte_hist16_13", "bytes", "counted bytes with values 208-223"},
        {"", "byte_hist16_14", "bytes", "counted bytes with values 224-239"},
        {"", "byte_hist16_15", "bytes", "counted bytes with values 240-255"},
    }};

public:
    static constexpr std::size_t limit = K;
    static constexpr std::array<feature_info, summary.size() + (Full ? 256 : 0)> features = [] {
        std::array<feature_info, summary.size() + (Full ? 256 : 0)> f{};
        for (std::size_t i = 0; i < summary.size(); ++i) f[i] = summary[i];
        if constexpr (Full)
            for (std::size_t v = 0; v < 256; ++v)
                f[summary.size() + v] = {"", bins_[v], "bytes", "counted bytes with this value (byte_hist_<value>)"};
        return f;
    }();

    // The counts are cleared by the first payload, not by the constructor: most flows carry none,
    // and a new flow's state should not cost a kilobyte of stores.
    byte_distribution() noexcept {}  // NOLINT: user-provided on purpose (value-initialization would clear counts_)
    byte_distribution(const byte_distribution& o) noexcept { *this = o; }
    byte_distribution& operator=(const byte_distribution& o) noexcept {
        if (o.seen_ != 0) counts_ = o.counts_;
        seen_ = o.seen_;
        return *this;
    }

    void update(const flow_packet& p) noexcept {
        if (seen_ >= K || p.payload.empty()) return;
        if (seen_ == 0) counts_.fill(0);
        const auto take = std::min<std::size_t>(K - seen_, p.payload.size());
        simd::byte_histogram(p.payload.first(take), counts_);
        seen_ += static_cast<std::uint32_t>(take);
    }

    void merge(const byte_distribution& later) noexcept {
        if (later.seen_ == 0) return;
        if (seen_ == 0) counts_.fill(0);
        for (std::size_t v = 0; v < 256; ++v) counts_[v] += later.counts_[v];
        seen_ += later.seen_;
    }

    void write(std::span<double> out) const noexcept {
        if (seen_ == 0) {  // most flows carry no payload: nothing to sum
            std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(features.size()), 0.0);
            out[1] = out[2] = out[3] = std::numeric_limits<double>::quiet_NaN();
            return;
        }
        const double n = seen_;
        // Sums of values and squares are integers: the variance n·Σx² − (Σx)² is computed exactly.
        std::uint64_t sum = 0, sum_squares = 0;
        double entropy = 0;
        for (std::size_t v = 0; v < 256; ++v) {
            sum += std::uint64_t{counts_[v]} * v;
            sum_squares += std::uint64_t{counts_[v]} * v * v;
            entropy += count_log2_count(counts_[v]);
        }
        entropy = seen_ ? std::log2(n) - entropy / n : 0.0;  // -sum (c/n) log2(c/n) = log2 n - (sum c log2 c) / n
        const unsigned __int128 spread = static_cast<unsigned __int128>(seen_) * sum_squares -
                                         static_cast<unsigned __int128>(sum) * sum;
        constexpr double nan = std::numeric_limits<double>::quiet_NaN();
        out[0] = n;
        out[1] = seen_ ? entropy + 0.0 : nan;  // + 0.0: a single value gives 0, not -0
        out[2] = seen_ ? static_cast<double>(sum) / n : nan;
        out[3] = seen_ ? std::sqrt(static_cast<double>(spread)) / n : nan;
        for (std::size_t b = 0; b < 16; ++b) {
            std::uint32_t c = 0;
            for (std::size_t v = 16 * b; v < 16 * b + 16; ++v) c += counts_[v];
            out[4 + b] = c;
        }
        if constexpr (Full)
            for (std::size_t v = 0; v < 256; ++v) out[summary.size() + v] = counts_[v];
    }

    [[nodiscard]] const std::array<std::uint32_t, 256>& counts() const noexcept {
        static constexpr std::array<std::uint32_t, 256> none{};
        return seen_ ? counts_ : none;
    }

private:
    // c log2 c, from a table for counts up to K (one per flow is written for every ended flow).
    static double count_log2_count(std::uint32_t c) noexcept {
        static const auto table = [] {
            std::array<double, std::min<std::size_t>(K, 4096) + 1> t{};
            for (std::size_t i = 2; i < t.size(); ++i) t[i] = static_cast<double>(i) * std::log2(static_cast<double>(i));
            return t;
        }();
        return c < table.size() ? table[c] : c * std::log2(static_cast<double>(c));
    }

public:
    [[nodiscard]] std::uint32_t size() const noexcept { return seen_; }

private:
    std::uint32_t seen_ = 0;
    std::array<std::uint32_t, 256> counts_;  // valid once seen_ > 0
};

static_assert(flow_accumulator<byte_distribution<>>);

}  // namespace pktdyn
