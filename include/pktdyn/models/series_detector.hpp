// pktdyn — what the one-dimensional streaming detectors share: the verdict they give on each new
// value of a series (a host's bytes per minute, a service's connections per hour), and the concept
// they satisfy.
//
// A detector judges x against the state *before* x, then learns x. The band is
// expected ± k·spread; the score is |x - expected| / spread, so a value on the band's edge scores k.
// A zero spread (a series that has been constant) makes any different value score +inf. Before the
// detector has warmed up it still reports what it expects, but never an anomaly.
#pragma once

#include <cmath>
#include <concepts>
#include <limits>
#include <string>
#include <string_view>

#include "pktdyn/core/result.hpp"

namespace pktdyn {

struct band_verdict {
    double expected = std::numeric_limits<double>::quiet_NaN();  ///< NaN until the detector has a centre
    double lower = std::numeric_limits<double>::quiet_NaN();
    double upper = std::numeric_limits<double>::quiet_NaN();
    double score = std::numeric_limits<double>::quiet_NaN();      ///< |x - expected| / spread; NaN for NaN x
    bool ready = false;    ///< past the warm-up
    bool anomaly = false;  ///< ready and outside the band

    /// The verdict on x for a centre, a spread and a band half-width of k spreads.
    [[nodiscard]] static band_verdict judge(double x, double expected, double spread, double k, bool ready) noexcept {
        band_verdict v;
        v.expected = expected;
        v.lower = expected - k * spread;
        v.upper = expected + k * spread;
        const double distance = std::abs(x - expected);
        v.score = distance == 0 ? 0.0 : distance / spread;  // spread 0: +inf
        v.ready = ready;
        v.anomaly = ready && v.score > k;
        return v;
    }
};

/// A detector of one series: update(x) judges then learns, without allocating; save() writes its
/// whole state as text, restore() reads it back (or says what is wrong with it).
template <class D>
concept series_detector = requires(D d, const D& cd, double x, std::string_view text) {
    { d.update(x) } noexcept -> std::same_as<band_verdict>;
    { cd.save() } -> std::same_as<std::string>;
    { D::restore(text) } -> std::same_as<result<D>>;
};

}  // namespace pktdyn
