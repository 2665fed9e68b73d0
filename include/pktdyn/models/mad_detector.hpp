// pktdyn — robust band detector for one series: the median and the median absolute deviation (MAD)
// of the last `window` values.
//
//     median = the middle of the window's values (the mean of the two middle ones for an even count)
//     MAD    = median of |x_i - median|
//     band   = median ± k · 1.482602218505602 · MAD
// 1.4826... = 1 / Phi^-1(3/4) makes the scaled MAD estimate a normal series' standard deviation, so
// k = 3.5 is Iglewicz & Hoaglin's modified z-score rule. Median and MAD are exact: the window is kept
// both in arrival order (a ring) and sorted, both of fixed capacity, so an update moves at most
// `window` values and never allocates; the MAD is found by merging the deviations below and above the
// median, which are already sorted. Each value is judged against the window before it
// (series_detector.hpp), an anomaly once warm_up values are in the window; NaN and infinities are
// judged, never learned.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pktdyn/core/result.hpp"
#include "pktdyn/models/series_detector.hpp"
#include "pktdyn/models/state_text.hpp"

namespace pktdyn {

struct mad_options {
    std::size_t window = 60;     ///< values kept, >= 1
    double k = 3.5;              ///< band half-width in scaled MADs, > 0
    std::size_t warm_up = 20;    ///< values in the window before any anomaly is reported, <= window
};

class mad_detector {
public:
    static constexpr double normal_scale = 1.482602218505602;  ///< 1 / Phi^-1(3/4)

    [[nodiscard]] static result<mad_detector> create(mad_options o = {}) {
        if (auto problem = check(o); !problem.empty()) return error{errc::invalid_argument, "mad_detector: " + problem};
        return mad_detector(o);
    }

    band_verdict update(double x) noexcept {
        band_verdict v;
        if (count_ > 0) {
            const double m = median();
            v = band_verdict::judge(x, m, normal_scale * mad(m), o_.k, count_ >= o_.warm_up);
        }
        if (std::isfinite(x)) learn(x);
        return v;
    }

    /// The window's median; NaN when it is empty.
    [[nodiscard]] double median() const noexcept {
        const std::size_t n = count_;
        if (n == 0) return std::numeric_limits<double>::quiet_NaN();
        return n % 2 ? sorted_[n / 2] : (sorted_[n / 2 - 1] + sorted_[n / 2]) / 2;
    }

    /// The median absolute deviation from `centre` (the median) of the window's values.
    [[nodiscard]] double mad(double centre) const noexcept {
        const std::size_t n = count_;
        if (n == 0) return std::numeric_limits<double>::quiet_NaN();
        // Deviations below the centre, read downwards, and above it, read upwards, are each sorted:
        // merge them up to the middle one(s).
        const auto first = sorted_.begin(), last = first + static_cast<std::ptrdiff_t>(n);
        auto below = (std::lower_bound(first, last, centre) - first) - 1;
        auto above = below + 1;
        const auto end = static_cast<std::ptrdiff_t>(n);
        double previous = 0, current = 0;
        for (std::size_t i = 0; i <= n / 2; ++i) {
            previous = current;
            const bool take_below = above == end || (below >= 0 && centre - sorted_[below] <= sorted_[above] - centre);
            current = take_below ? centre - sorted_[below--] : sorted_[above++] - centre;
        }
        return n % 2 ? current : (previous + current) / 2;
    }

    /// The window, oldest first.
    [[nodiscard]] std::vector<double> values() const {
        std::vector<double> out;
        out.reserve(count_);
        for (std::size_t i = 0; i < count_; ++i) out.push_back(ring_[(oldest_ + i) % ring_.size()]);
        return out;
    }
    [[nodiscard]] const mad_options& options() const noexcept { return o_; }

    [[nodiscard]] std::string save() const {
        return state_writer(kind, 1)
            .field("window", o_.window)
            .field("k", o_.k)
            .field("warm_up", o_.warm_up)
            .field("values", values())
            .str();
    }

    [[nodiscard]] static result<mad_detector> restore(std::string_view text) {
        state_reader r(text, kind, 1);
        mad_options o;
        r.field("window", o.window).field("k", o.k).field("warm_up", o.warm_up);
        if (auto problem = check(o); r.ok() && !problem.empty()) r.reject(problem);
        std::vector<double> values;
        r.field("values", values, r.ok() ? o.window : 0);
        if (r.ok() && !std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); }))
            r.reject("the window holds only finite values");
        if (auto done = r.finish(); !done) return done.error();
        mad_detector d(o);
        for (const double v : values) d.learn(v);
        return d;
    }

private:
    static constexpr std::string_view kind = "pktdyn.mad_detector";
    static constexpr std::size_t max_window = std::size_t{1} << 24;

    explicit mad_detector(mad_options o) : o_(o), ring_(o.window), sorted_(o.window) {}

    static std::string check(const mad_options& o) {
        if (o.window == 0 || o.window > max_window) return "window must lie in [1, 2^24], found " + std::to_string(o.window);
        if (!(o.k > 0 && std::isfinite(o.k))) return "k must be positive, found " + detail::shortest_text(o.k);
        if (o.warm_up > o.window)
            return "warm_up (" + std::to_string(o.warm_up) + ") cannot exceed the window (" + std::to_string(o.window) + ")";
        return {};
    }

    void learn(double x) noexcept {
        const auto first = sorted_.begin();
        auto last = first + static_cast<std::ptrdiff_t>(count_);
        if (count_ == ring_.size()) {  // the oldest value leaves both orders
            const auto gone = std::lower_bound(first, last, ring_[oldest_]);
            last = std::copy(gone + 1, last, gone);
            ring_[oldest_] = x;
            oldest_ = (oldest_ + 1) % ring_.size();
        } else {
            ring_[(oldest_ + count_) % ring_.size()] = x;
            ++count_;
        }
        const auto at = std::upper_bound(first, last, x);
        std::copy_backward(at, last, last + 1);
        *at = x;
    }

    mad_options o_;
    std::vector<double> ring_;    // capacity `window`: arrival order, count_ values from oldest_
    std::vector<double> sorted_;  // capacity `window`: the same values ascending, in the first count_
    std::size_t count_ = 0, oldest_ = 0;
};

static_assert(series_detector<mad_detector>);

}  // namespace pktdyn
