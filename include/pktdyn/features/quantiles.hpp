// pktdyn — quantiles in bounded memory: a log-bucket sketch (DDSketch, Masson et al., VLDB 2019) whose
// buckets coarsen uniformly when it runs out of room (UDDSketch, Epicoco et al., 2020), and the
// `packet_quantiles` accumulator built on it.
//
// A positive value x falls in bucket i = ceil(ln x / ln g); the bucket answers 2 g^i / (g + 1), within
// a relative error a = (g - 1) / (g + 1) of every value in it. g starts at (1 + 1 %) / (1 - 1 %): a = 1 %.
// A sketch counts in a window of M consecutive buckets (an array indexed by bucket, no search per
// value); when a value would make the buckets in use span more than M, every bucket pair (2j - 1, 2j)
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
#include <cstring>
#include <limits>
#include <span>

#include "pktdyn/features/accumulator.hpp"

namespace pktdyn {

template <std::size_t M = 64>
class log_sketch {
    static_assert(M >= 2 && M <= 255);

public:
    static constexpr double initial_accuracy = 0.01;

    // Only the counters start at zero: the bucket window is read between lo_ and hi_, so a new
    // flow's sketch does not pay for clearing it.
    log_sketch() noexcept {}  // NOLINT: user-provided on purpose (value-initialization would zero the window)
    // Copies only the buckets in use (the rest are never read).
    log_sketch(const log_sketch& o) noexcept { *this = o; }
    log_sketch& operator=(const log_sketch& o) noexcept {
        total_ = o.total_;
        nonpositive_ = o.nonpositive_;
        offset_ = o.offset_;
        lo_ = o.lo_;
        hi_ = o.hi_;
        collapses_ = o.collapses_;
        if (o.occupied()) std::copy(o.cell(o.lo_), o.cell(o.hi_) + 1, cell(lo_));
        return *this;
    }

    void add(double x) noexcept {
        if (!(x > 0)) {
            ++total_;
            ++nonpositive_;
            return;
        }
        add_log(std::log(x));
    }
    /// The same value given as its natural logarithm (callers feeding several sketches compute it once).
    void add_log(double ln_x) noexcept {
        ++total_;
        insert(bucket_of(ln_x), collapses_, 1);
    }

    void merge(const log_sketch& o) noexcept {
        while (collapses_ < o.collapses_) collapse();
        total_ += o.total_;
        nonpositive_ += o.nonpositive_;
        if (!o.occupied()) return;
        for (std::int32_t b = o.lo_; b <= o.hi_; ++b)
            if (const std::uint32_t n = *o.cell(b)) insert(b, o.collapses_, n);
    }

    /// The value of rank floor(q (n - 1)), within relative_error(); NaN when empty.
    [[nodiscard]] double quantile(double q) const noexcept {
        double value;
        quantiles(std::span(&q, 1), std::span(&value, 1));
        return value;
    }

    /// quantile(q) for ascending qs in one pass over the buckets.
    void quantiles(std::span<const double> qs, std::span<double> out) const noexcept {
        if (total_ == 0) {
            std::fill_n(out.begin(), qs.size(), std::numeric_limits<double>::quiet_NaN());
            return;
        }
        const double ln_g = ln_gamma(), scale = 2 / (std::exp(ln_g) + 1);
        std::uint64_t seen = nonpositive_;
        std::int32_t b = lo_;
        if (occupied()) seen += *cell(b);
        for (std::size_t k = 0; k < qs.size(); ++k) {
            const auto rank = static_cast<std::uint64_t>(std::floor(qs[k] * static_cast<double>(total_ - 1)));
            if (rank < nonpositive_) {
                out[k] = 0.0;
                continue;
            }
            while (rank >= seen && b < hi_) seen += *cell(++b);
            out[k] = scale * std::exp(b * ln_g);
        }
    }

    /// The bound the answers hold now: (g - 1) / (g + 1) for the current g.
    [[nodiscard]] double relative_error() const noexcept { return (gamma() - 1) / (gamma() + 1); }
    [[nodiscard]] std::uint64_t count() const noexcept { return total_; }

private:
    static constexpr double ln_gamma0 = 0.020000666706669522;  // ln((1 + 0.01) / (1 - 0.01))
    static constexpr double inverse_ln_gamma0 = 1 / ln_gamma0;
    static constexpr auto window = static_cast<std::int32_t>(M);

    [[nodiscard]] bool occupied() const noexcept { return hi_ >= lo_; }
    [[nodiscard]] std::uint32_t* cell(std::int32_t b) noexcept { return &counts_[static_cast<std::size_t>(b - offset_)]; }
    [[nodiscard]] const std::uint32_t* cell(std::int32_t b) const noexcept {
        return &counts_[static_cast<std::size_t>(b - offset_)];
    }
    [[nodiscard]] double ln_gamma() const noexcept { return ln_gamma0 * static_cast<double>(1u << collapses_); }
    [[nodiscard]] double gamma() const noexcept { return std::exp(ln_gamma()); }
    // ceil(ln x / ln g): ln g = ln g0 * 2^c, and dividing by a power of two is exact (and cheap:
    // the compiler multiplies by 2^-c); ceil is truncation plus one for a positive fraction
    // (truncation already rounds negatives up).
    [[nodiscard]] std::int32_t bucket_of(double ln_x) const noexcept {
        const double a = std::clamp(ln_x * inverse_ln_gamma0 / static_cast<double>(1u << collapses_), -1e9, 1e9);
        const auto t = static_cast<std::int32_t>(a);
        return t + (static_cast<double>(t) < a ? 1 : 0);
    }
    // Bucket i at g covers (g^(i-1), g^i]; at g^2 it lies in bucket ceil(i / 2).
    static std::int32_t half(std::int32_t i) noexcept { return i >= 0 ? (i + 1) / 2 : -((-i) / 2); }

    // Adds `n` to bucket `i` of resolution `at` (<= collapses_), coarsening while the buckets in use
    // would span more than the window. (ceil(ceil(x) / 2) = ceil(x / 2): halving an index is exact.)
    void insert(std::int32_t i, std::uint8_t at, std::uint32_t n) noexcept {
        for (; at < collapses_; ++at) i = half(i);
        if (!occupied()) {  // the first bucket: centre the window on it
            offset_ = i - window / 2;
            lo_ = hi_ = i;
            *cell(i) = n;
            return;
        }
        for (;;) {
            const std::int32_t lo = std::min(lo_, i), hi = std::max(hi_, i);
            if (hi - lo < window) {
                if (lo < offset_ || hi >= offset_ + window) move_window(lo, hi);
                for (std::int32_t b = lo; b < lo_; ++b) *cell(b) = 0;  // newly used cells
                for (std::int32_t b = hi_ + 1; b <= hi; ++b) *cell(b) = 0;
                lo_ = lo;
                hi_ = hi;
                std::uint32_t& c = *cell(i);
                c = static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t{c} + n, 0xFFFFFFFFu));  // saturating
                return;
            }
            collapse();
            i = half(i);
        }
    }
    // Re-centres the window on [lo, hi] (which holds [lo_, hi_]), moving the cells in use.
    void move_window(std::int32_t lo, std::int32_t hi) noexcept {
        const std::int32_t offset = lo - (window - (hi - lo + 1)) / 2;
        const auto from = static_cast<std::size_t>(lo_ - offset_), to = static_cast<std::size_t>(lo_ - offset);
        const auto used = static_cast<std::size_t>(hi_ - lo_ + 1);
        std::memmove(counts_.data() + to, counts_.data() + from, used * sizeof(std::uint32_t));
        offset_ = offset;
    }
    void collapse() noexcept {
        if (occupied()) {
            std::array<std::uint32_t, M> merged;
            const std::int32_t lo = half(lo_), hi = half(hi_);
            std::fill_n(merged.begin(), hi - lo + 1, 0u);
            for (std::int32_t b = lo_; b <= hi_; ++b) {
                std::uint32_t& c = merged[static_cast<std::size_t>(half(b) - lo)];
                c = static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t{c} + *cell(b), 0xFFFFFFFFu));
            }
            offset_ = lo - (window - (hi - lo + 1)) / 2;
            lo_ = lo;
            hi_ = hi;
            std::copy_n(merged.begin(), hi - lo + 1, cell(lo));
        }
        ++collapses_;
    }

    // The counters first and the window next to them: a sketch's busy buckets are few cache lines.
    std::uint64_t total_ = 0, nonpositive_ = 0;
    std::int32_t offset_ = 0, lo_ = 0, hi_ = -1;  // counts_[k] is bucket offset_ + k; [lo_, hi_] in use
    std::uint8_t collapses_ = 0;
    std::array<std::uint32_t, M> counts_;
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
            const std::size_t i = s * 6;
            static constexpr std::array<double, 3> qs{0.5, 0.9, 0.99};
            sizes_[s].quantiles(qs, out.subspan(i, 3));
            gaps_[s].quantiles(qs, out.subspan(i + 3, 3));
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
