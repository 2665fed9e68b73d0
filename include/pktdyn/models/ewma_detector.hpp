// pktdyn — EWMA / EWMV band detector for one series.
//
// The exponentially weighted mean and variance (Finch, "Incremental calculation of weighted mean
// and variance", 2009), with weight alpha on the newest value:
//     d = x - mean,   mean <- mean + alpha d,   variance <- (1 - alpha) (variance + alpha d^2)
// starting from mean = x1, variance = 0. Each value is judged against the state before it: band
// mean ± k sqrt(variance), an anomaly once warm_up values have been learned (series_detector.hpp).
// Every finite value is learned, anomalous or not; NaN and infinities are judged, never learned.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "pktdyn/core/result.hpp"
#include "pktdyn/models/series_detector.hpp"
#include "pktdyn/models/state_text.hpp"

namespace pktdyn {

struct ewma_options {
    double alpha = 0.05;         ///< weight of the newest value, in (0, 1]; memory ~ 1/alpha values
    double k = 3.0;              ///< band half-width in standard deviations, > 0
    std::uint64_t warm_up = 30;  ///< values learned before any anomaly is reported
};

class ewma_detector {
public:
    [[nodiscard]] static result<ewma_detector> create(ewma_options o = {}) {
        if (auto problem = check(o); !problem.empty()) return error{errc::invalid_argument, "ewma_detector: " + problem};
        return ewma_detector(o);
    }

    band_verdict update(double x) noexcept {
        if (count_ == 0) {
            band_verdict v;
            if (std::isfinite(x)) {
                mean_ = x;
                count_ = 1;
            }
            return v;
        }
        const band_verdict v = band_verdict::judge(x, mean_, std::sqrt(variance_), o_.k, count_ >= o_.warm_up);
        if (std::isfinite(x)) {
            const double d = x - mean_;
            mean_ += o_.alpha * d;
            variance_ = (1 - o_.alpha) * (variance_ + o_.alpha * d * d);
            ++count_;
        }
        return v;
    }

    [[nodiscard]] double mean() const noexcept { return mean_; }
    [[nodiscard]] double variance() const noexcept { return variance_; }
    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
    [[nodiscard]] const ewma_options& options() const noexcept { return o_; }

    [[nodiscard]] std::string save() const {
        return state_writer(kind, 1)
            .field("alpha", o_.alpha)
            .field("k", o_.k)
            .field("warm_up", o_.warm_up)
            .field("count", count_)
            .field("mean", mean_)
            .field("variance", variance_)
            .str();
    }

    [[nodiscard]] static result<ewma_detector> restore(std::string_view text) {
        state_reader r(text, kind, 1);
        ewma_options o;
        ewma_detector d(o);
        r.field("alpha", o.alpha).field("k", o.k).field("warm_up", o.warm_up);
        if (auto problem = check(o); r.ok() && !problem.empty()) r.reject(problem);
        r.field("count", d.count_).field("mean", d.mean_).field("variance", d.variance_);
        if (r.ok() && !(std::isfinite(d.mean_) && d.variance_ >= 0 && std::isfinite(d.variance_)))
            r.reject("mean must be finite and variance finite and >= 0");
        if (auto done = r.finish(); !done) return done.error();
        d.o_ = o;
        return d;
    }

private:
    static constexpr std::string_view kind = "pktdyn.ewma_detector";

    explicit ewma_detector(ewma_options o) noexcept : o_(o) {}

    static std::string check(const ewma_options& o) {
        if (!(o.alpha > 0 && o.alpha <= 1)) return "alpha must lie in (0, 1], found " + detail::shortest_text(o.alpha);
        if (!(o.k > 0 && std::isfinite(o.k))) return "k must be positive, found " + detail::shortest_text(o.k);
        return {};
    }

    ewma_options o_;
    std::uint64_t count_ = 0;
    double mean_ = 0, variance_ = 0;
};

static_assert(series_detector<ewma_detector>);

}  // namespace pktdyn
