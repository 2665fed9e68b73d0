// pktdyn — quantiles in bounded memory: a log-bucket sketch (DDSketch, Masson et al., VLDB 2019) whose
// buckets coarsen uniformly when it runs out of room (UDDSketch, Epicoco et al., 2020), and the
// `packet_quantiles` accumulator built on it.
//
// A positive value x falls in bucket i = ceil(ln x / ln g); the bucket answers 2 g^i / (g + 1), within
// a relative error a = (g - 1) / (g + 1) of every value in it. g starts at (1 + 1 %) / (1 - 1 %): a = 1 %.
// A sketch holds at most M buckets; when a value would need one more, every bucket pair (2j - 1, 2j)
// merges (g becomes g^2, so a roughly doubles), as often as needed. A sketch coarsens only when its
// values span more buckets than it holds, so a < max(1 %, ln(max / min) / M), and relative_error()
// gives the bound a sketch holds: for M = 64, under 5.7 % for sizes from 40 to 1500 bytes (4 % in
// practice), under 25 % for gaps from 1 microsecond to 10 s. quantile(q) returns the
// bucket of the value of rank floor(q (n - 1)) in sorted order (numpy's method="lower"), so it is
// within that relative error of it. Values <= 0 (empty payloads, zero or negative gaps) count in a
// bucket of their own and answer 0. Two sketches merge exactly (same answers as one fed both).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>

#include "pktdyn/features/accumulator.hpp"

namespace pktdyn {

template <std::size_t M = 64>
class log_sketch {
    static_assert(M >= 2 && M <= 255);

public:
    static constexpr double initial_accuracy = 0.01;

    // Only the counters start at zero: the bucket arrays are read up to size_, so a new flow's
    // sketch does not pay for clearing them.
    log_sketch() noexcept {}  // NOLINT: user-provided on purpose (value-initialization would zero the arrays)
    // Copies only the buckets in use (the rest are never read).
    log_sketch(const log_sketch& o) noexcept { *this = o; }
    log_sketch& operator=(const log_sketch& o) noexcept {
        std::copy_n(o.index_.begin(), o.size_, index_.begin());
        std::copy_n(o.count_.begin(), o.size_, count_.begin());
        total_ = o.total_;
        nonpositive_ = o.nonpositive_;
        size_ = o.size_;
        collapses_ = o.collapses_;
        return *this;
    }

    void add(double x) noexcept {
        ++total_;
        if (!(x > 0)) {
            ++nonpositive_;
            return;
        }
        insert(bucket_of(std::log(x)), 1);
    }
    /// The same value given as its natural logarithm (callers feeding several sketches compute it once).
    void add_log(double ln_x) noexcept {
        ++total_;
        insert(bucket_of(ln_x), 1);
    }

    void merge(const log_sketch& o) noexcept {
        log_sketch other = o;
        while (other.collapses_ < collapses_) other.collapse();
        while (collapses_ < other.collapses_) collapse();
        total_ += other.total_;
        nonpositive_ += other.nonpositive_;
        for (std::size_t k = 0; k < other.size_; ++k) insert(other.index_[k], other.count_[k]);
    }

    /// The value of rank floor(q (n - 1)), within relative_error(); NaN when empty.
    [[nodiscard]] double quantile(double q) const noexcept {
        if (total_ == 0) return std::numeric_limits<double>::quiet_NaN();
        const auto rank = static_cast<std::uint64_t>(std::floor(q * static_cast<double>(total_ - 1)));
        std::uint64_t seen = nonpositive_;
        if (rank < seen) return 0.0;
        for (std::size_t k = 0; k < size_; ++k) {
            seen += count_[k];
            if (rank < seen) return value_of(index_[k]);
        }
        return value_of(index_[size_ - 1]);
    }

    /// The bound the answers hold now: (g - 1) / (g + 1) for the current g.
    [[nodiscard]] double relative_error() const noexcept { return (gamma() - 1) / (gamma() + 1); }
    [[nodiscard]] std::uint64_t count() const noexcept { return total_; }

private:
    static constexpr double ln_gamma0 = 0.020000666706669522;  // ln((1 + 0.01) / (1 - 0.01))

    [[nodiscard]] double value_of(std::int32_t i) const noexcept { return 2 * std::exp(i * ln_gamma()) / (gamma() + 1); }
    [[nodiscard]] double ln_gamma() const noexcept { return ln_gamma0 * static_cast<double>(1u << collapses_); }
    [[nodiscard]] double gamma() const noexcept { return std::exp(ln_gamma()); }
    [[nodiscard]] std::int32_t bucket_of(double ln_x) const noexcept {
        const double i = std::ceil(ln_x / ln_gamma());
        return static_cast<std::int32_t>(std::clamp(i, -32767.0, 32767.0));
    }

    // Adds `n` to bucket `i` (at the current resolution), coarsening while there is no room.
    void insert(std::int32_t i, std::uint64_t n) noexcept {
        const auto add = [](std::uint32_t& c, std::uint64_t k) {  // saturating: 4 G packets per bucket
            c = static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t{c} + k, 0xFFFFFFFFu));
        };
        for (;;) {
            const auto at = static_cast<std::size_t>(std::lower_bound(index_.begin(), index_.begin() + size_, i) - index_.begin());
            if (at < size_ && index_[at] == i) {
                add(count_[at], n);
                return;
            }
            if (size_ < M) {
                std::move_backward(index_.begin() + at, index_.begin() + size_, index_.begin() + size_ + 1);
                std::move_backward(count_.begin() + at, count_.begin() + size_, count_.begin() + size_ + 1);
                index_[at] = static_cast<std::int16_t>(i);
                count_[at] = 0;
                add(count_[at], n);
                ++size_;
                return;
            }
            collapse();
            i = half(i);
        }
    }
    // Bucket i at g covers (g^(i-1), g^i]; at g^2 it lies in bucket ceil(i / 2).
    static std::int32_t half(std::int32_t i) noexcept { return i >= 0 ? (i + 1) / 2 : -((-i) / 2); }
    void collapse() noexcept {
        std::size_t out = 0;
        for (std::size_t k = 0; k < size_; ++k) {
            const std::int32_t i = half(index_[k]);
            if (out > 0 && index_[out - 1] == i) {
                count_[out - 1] = static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t{count_[out - 1]} + count_[k], 0xFFFFFFFFu));
            } else {
                index_[out] = static_cast<std::int16_t>(i);
                count_[out] = count_[k];
                ++out;
            }
        }
        size_ = static_cast<std::uint8_t>(out);
        ++collapses_;
    }

    std::array<std::int16_t, M> index_;   // ascending; [0, size_) in use
    std::array<std::uint32_t, M> count_;
    std::uint64_t total_ = 0, nonpositive_ = 0;
    std::uint8_t size_ = 0, collapses_ = 0;
};

/// Median, 90th and 99th percentiles of IP lengths and gaps, for the flow and each direction.
class packet_quantiles {
public:
    static constexpr std::size_t scopes = 3;

private:
    static constexpr std::array<std::string_view, 6> names{"ip_bytes_median", "ip_bytes_p90", "ip_bytes_p99",
                                                            "iat_median",      "iat_p90",      "iat_p99"};
    static constexpr std::array<std::string_view, 6> definitions{
        "median IP length of the scope's packets (rank floor(0.5 (n-1)) in sorted order), within the sketch's relative error (docs/features.md)",
        "90th percentile IP length (rank floor(0.9 (n-1))), within the sketch's relative error",
        "99th percentile IP length (rank floor(0.99 (n-1))), within the sketch's relative error",
        "median gap between consecutive packets of the scope, within the sketch's relative error; gaps <= 0 count as 0",
        "90th percentile gap, within the sketch's relative error",
        "99th percentile gap, within the sketch's relative error",
    };

public:
    static constexpr std::array<feature_info, scopes * 6> features = [] {
        std::array<feature_info, scopes * 6> f{};
        for (std::size_t s = 0; s < scopes; ++s)
            for (std::size_t k = 0; k < 6; ++k) f[s * 6 + k] = {flow_scopes[s], names[k], k < 3 ? "bytes" : "s", definitions[k]};
        return f;
    }();

    void update(const flow_packet& p) noexcept {
        const double ln_size = p.ip_length ? std::log(static_cast<double>(p.ip_length)) : 0.0;
        for (std::size_t s : {std::size_t{0}, static_cast<std::size_t>(1 + p.direction)}) {
            if (p.ip_length) sizes_[s].add_log(ln_size);
            else sizes_[s].add(0.0);
            if (seen_[s]) gaps_[s].add(to_seconds(p.time - last_[s]));
            else first_[s] = p.time;
            seen_[s] = true;
            last_[s] = p.time;
        }
    }
    /// Exact for the sizes; the gap across the seam is one more gap.
    void merge(const packet_quantiles& later) noexcept {
        for (std::size_t s = 0; s < scopes; ++s) {
            if (!later.seen_[s]) continue;
            if (seen_[s]) gaps_[s].add(to_seconds(later.first_[s] - last_[s]));
            else first_[s] = later.first_[s];
            sizes_[s].merge(later.sizes_[s]);
            gaps_[s].merge(later.gaps_[s]);
            seen_[s] = true;
            last_[s] = later.last_[s];
        }
    }
    void write(std::span<double> out) const noexcept {
        for (std::size_t s = 0; s < scopes; ++s) {
            std::size_t i = s * 6;
            for (double q : {0.5, 0.9, 0.99}) out[i++] = sizes_[s].quantile(q);
            for (double q : {0.5, 0.9, 0.99}) out[i++] = gaps_[s].quantile(q);
        }
    }
    [[nodiscard]] const log_sketch<>& sizes(std::size_t scope) const noexcept { return sizes_[scope]; }
    [[nodiscard]] const log_sketch<>& gaps(std::size_t scope) const noexcept { return gaps_[scope]; }

private:
    std::array<log_sketch<>, scopes> sizes_{}, gaps_{};
    std::array<timestamp, scopes> first_{}, last_{};
    std::array<bool, scopes> seen_{};
};

static_assert(flow_accumulator<packet_quantiles>);

}  // namespace pktdyn
