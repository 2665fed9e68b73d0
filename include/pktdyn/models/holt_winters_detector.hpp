// pktdyn — Holt-Winters band detector for a seasonal series (additive trend and seasonality).
//
// With season length m and the value y at season position i = t mod m (Hyndman & Athanasopoulos,
// "Forecasting: principles and practice", 8.3, additive method):
//     forecast  f = level + trend + s[i]
//     level'    = alpha (y - s[i]) + (1 - alpha) (level + trend)
//     trend'    = beta (level' - level) + (1 - beta) trend
//     s[i]'     = gamma (y - level - trend) + (1 - gamma) s[i]
// The first season initialises: level = its mean, trend = 0, s[i] = y_i - level. The band is
// f ± k sqrt(v), v an exponentially weighted mean of squared one-step residuals r = y - f about zero:
//     v' = (1 - band_alpha) v + band_alpha r^2,   v = r1^2 at the first residual;
// an anomaly is reported once warm_up residuals have been learned (series_detector.hpp). Every
// finite value is learned, anomalous or not. A NaN or infinite value is judged and then stands for
// the forecast (the previous value in the first season), so the season keeps its phase through gaps.
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

struct holt_winters_options {
    std::size_t season = 24;     ///< values per season (24 for hourly values with a daily cycle), >= 2
    double alpha = 0.3;          ///< level smoothing, in (0, 1]
    double beta = 0.05;          ///< trend smoothing, in [0, 1]
    double gamma = 0.2;          ///< seasonal smoothing, in [0, 1]
    double band_alpha = 0.1;     ///< residual-variance smoothing, in (0, 1]
    double k = 3.0;              ///< band half-width in residual standard deviations, > 0
    std::uint64_t warm_up = 24;  ///< residuals learned (after the first season) before anomalies
};

class holt_winters_detector {
public:
    [[nodiscard]] static result<holt_winters_detector> create(holt_winters_options o = {}) {
        if (auto problem = check(o); !problem.empty())
            return error{errc::invalid_argument, "holt_winters_detector: " + problem};
        return holt_winters_detector(o);
    }

    band_verdict update(double y) noexcept {
        const std::size_t m = seasonal_.size(), i = count_ % m;
        ++count_;
        if (count_ <= m) {  // the first season: remember it, then initialise
            seasonal_[i] = std::isfinite(y) ? y : (i > 0 ? seasonal_[i - 1] : 0.0);
            if (count_ == m) initialise();
            return {};
        }
        const double f = level_ + trend_ + seasonal_[i];
        const band_verdict v = band_verdict::judge(y, f, std::sqrt(residual_variance_), o_.k, residuals_ >= o_.warm_up);
        if (std::isfinite(y)) {
            const double r = y - f;
            residual_variance_ = residuals_ == 0 ? r * r : (1 - o_.band_alpha) * residual_variance_ + o_.band_alpha * r * r;
            ++residuals_;
        } else {
            y = f;
        }
        const double level = o_.alpha * (y - seasonal_[i]) + (1 - o_.alpha) * (level_ + trend_);
        seasonal_[i] = o_.gamma * (y - level_ - trend_) + (1 - o_.gamma) * seasonal_[i];
        trend_ = o_.beta * (level - level_) + (1 - o_.beta) * trend_;
        level_ = level;
        return v;
    }

    /// The forecast of the next value; NaN during the first season.
    [[nodiscard]] double forecast() const noexcept {
        if (count_ < seasonal_.size()) return std::numeric_limits<double>::quiet_NaN();
        return level_ + trend_ + seasonal_[count_ % seasonal_.size()];
    }
    [[nodiscard]] double level() const noexcept { return level_; }
    [[nodiscard]] double trend() const noexcept { return trend_; }
    /// Seasonal components by position in the season (after the first season).
    [[nodiscard]] const std::vector<double>& seasonal() const noexcept { return seasonal_; }
    [[nodiscard]] double residual_variance() const noexcept { return residual_variance_; }
    [[nodiscard]] const holt_winters_options& options() const noexcept { return o_; }

    [[nodiscard]] std::string save() const {
        return state_writer(kind, 1)
            .field("season", o_.season)
            .field("alpha", o_.alpha)
            .field("beta", o_.beta)
            .field("gamma", o_.gamma)
            .field("band_alpha", o_.band_alpha)
            .field("k", o_.k)
            .field("warm_up", o_.warm_up)
            .field("count", count_)
            .field("level", level_)
            .field("trend", trend_)
            .field("seasonal", seasonal_)
            .field("residuals", residuals_)
            .field("residual_variance", residual_variance_)
            .str();
    }

    [[nodiscard]] static result<holt_winters_detector> restore(std::string_view text) {
        state_reader r(text, kind, 1);
        holt_winters_options o;
        r.field("season", o.season).field("alpha", o.alpha).field("beta", o.beta).field("gamma", o.gamma);
        r.field("band_alpha", o.band_alpha).field("k", o.k).field("warm_up", o.warm_up);
        if (auto problem = check(o); r.ok() && !problem.empty()) r.reject(problem);
        holt_winters_detector d(r.ok() ? o : holt_winters_options{});
        r.field("count", d.count_).field("level", d.level_).field("trend", d.trend_);
        r.field("seasonal", std::span<double>(d.seasonal_));
        r.field("residuals", d.residuals_).field("residual_variance", d.residual_variance_);
        const auto finite = [](double v) { return std::isfinite(v); };
        if (r.ok() && !(finite(d.level_) && finite(d.trend_) && std::all_of(d.seasonal_.begin(), d.seasonal_.end(), finite) &&
                        finite(d.residual_variance_) && d.residual_variance_ >= 0))
            r.reject("level, trend and seasonal components must be finite, residual_variance finite and >= 0");
        if (auto done = r.finish(); !done) return done.error();
        return d;
    }

private:
    static constexpr std::string_view kind = "pktdyn.holt_winters_detector";
    static constexpr std::size_t max_season = std::size_t{1} << 24;

    explicit holt_winters_detector(holt_winters_options o) : o_(o), seasonal_(o.season, 0.0) {}

    static std::string check(const holt_winters_options& o) {
        if (o.season < 2 || o.season > max_season) return "season must lie in [2, 2^24], found " + std::to_string(o.season);
        const auto in = [](double v, bool open_at_zero) { return (open_at_zero ? v > 0 : v >= 0) && v <= 1; };
        if (!in(o.alpha, true)) return "alpha must lie in (0, 1], found " + detail::shortest_text(o.alpha);
        if (!in(o.beta, false)) return "beta must lie in [0, 1], found " + detail::shortest_text(o.beta);
        if (!in(o.gamma, false)) return "gamma must lie in [0, 1], found " + detail::shortest_text(o.gamma);
        if (!in(o.band_alpha, true)) return "band_alpha must lie in (0, 1], found " + detail::shortest_text(o.band_alpha);
        if (!(o.k > 0 && std::isfinite(o.k))) return "k must be positive, found " + detail::shortest_text(o.k);
        return {};
    }

    void initialise() noexcept {
        double sum = 0;
        for (const double v : seasonal_) sum += v;
        level_ = sum / static_cast<double>(seasonal_.size());
        trend_ = 0;
        for (double& v : seasonal_) v -= level_;
    }

    holt_winters_options o_;
    std::uint64_t count_ = 0, residuals_ = 0;
    double level_ = 0, trend_ = 0, residual_variance_ = 0;
    std::vector<double> seasonal_;  // during the first season: its values so far
};

static_assert(series_detector<holt_winters_detector>);

}  // namespace pktdyn
