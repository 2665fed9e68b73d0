// pktdyn — beacon scores as RITA v5 computes them (activecm/rita, analysis/beacons.go): how regular a
// host pair's (or host and server name's) connections are in time and size, over a dataset window.
//
//   timestamp score  intervals between connection times (sorted, zero intervals dropped): the mean of
//                    1 − |Bowley skew| and the median-absolute-deviation score (median − MAD) / median
//   data size score  the same over the connections' byte counts (MAD score 0 when the median < 1)
//   histogram score  the dataset window cut into 24 bins: the larger of 1 − coefficient of variation
//                    of the bin counts, and the bimodal fit (the two commonest bar heights, heights
//                    grouped within ⌈sensitivity × tallest⌉, over the bars seen minus outliers)
//   duration score   with at least 6 bars: the larger of coverage (last − first connection over the
//                    window) and consistency (longest run of non-empty bins, wrapping, over 12)
//   beacon score     0.25 each, rounded to 3 decimals
// Quartiles follow montanaflynn/stats 0.7.1 (RITA's): Q2 the median; Q1 and Q3 the medians of the
// lower and upper halves, the middle element excluded from both when the count is odd. Bowley skew
// counts as 0 when Q3 − Q1 < 10 or Q2 equals Q1 or Q3. Every rounding is RITA's (round or ceil to
// 0.001). The unit tests are RITA's beacons_test.go expected values.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "pktdyn/core/result.hpp"

namespace pktdyn::beacon {

struct config {
    double timestamp_weight = 0.25, datasize_weight = 0.25, duration_weight = 0.25, histogram_weight = 0.25;
    int duration_min_hours_seen = 6;
    int duration_consistency_ideal_hours_seen = 12;
    double histogram_mode_sensitivity = 0.05;
    int histogram_bimodal_outlier_removal = 1;
    int histogram_bimodal_min_hours_seen = 11;
    int histogram_bins = 24;
};

namespace detail {
inline error invalid(std::string what) { return error{errc::invalid_argument, "beacon: " + std::move(what)}; }
[[nodiscard]] inline double round3(double x) { return std::round(x * 1000) / 1000; }
[[nodiscard]] inline double ceil3(double x) { return std::ceil(x * 1000) / 1000; }
/// The median of sorted values (the mean of the middle two for an even count).
[[nodiscard]] inline double median(std::span<const double> sorted) {
    const std::size_t n = sorted.size();
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}
}  // namespace detail

struct quartiles {
    double q1 = 0, q2 = 0, q3 = 0;
};
/// montanaflynn/stats Quartile over sorted values (at least 2).
[[nodiscard]] inline quartiles quartiles_of(std::span<const double> sorted) {
    const std::size_t n = sorted.size();
    const std::size_t c1 = n % 2 == 0 ? n / 2 : (n - 1) / 2, c2 = n % 2 == 0 ? n / 2 : c1 + 1;
    return {detail::median(sorted.first(c1)), detail::median(sorted), detail::median(sorted.subspan(c2))};
}

struct statistical_score {
    double score = 0, skew = 0, mad = 0;
};
/// Bowley skew and MAD over sorted values (at least 3): RITA's calculateStatisticalScore.
[[nodiscard]] inline result<statistical_score> statistical(std::span<const double> sorted, double default_mad_score) {
    if (sorted.size() < 3) return detail::invalid("fewer than 3 values");
    const auto q = quartiles_of(sorted);
    const double numerator = q.q1 + q.q3 - 2 * q.q2, denominator = q.q3 - q.q1;
    statistical_score s;
    if (denominator >= 10 && q.q2 != q.q1 && q.q2 != q.q3) s.skew = numerator / denominator;
    const double skew_score = 1.0 - std::abs(s.skew);
    const double m = q.q2;
    std::vector<double> deviations(sorted.size());
    for (std::size_t i = 0; i < sorted.size(); ++i) deviations[i] = std::abs(sorted[i] - m);
    std::sort(deviations.begin(), deviations.end());
    s.mad = detail::median(deviations);
    double mad_score = m >= 1 ? (m - s.mad) / m : default_mad_score;
    if (mad_score < 0 || std::isnan(mad_score)) mad_score = 0;
    s.score = detail::round3((skew_score + mad_score) / 2.0);
    return s;
}

/// RITA's getTimestampScore: connection times in seconds (at least 4, at least 3 non-zero intervals).
[[nodiscard]] inline result<statistical_score> timestamp_score(std::vector<std::uint32_t> times) {
    if (times.size() < 4) return detail::invalid("fewer than 4 timestamps");
    std::sort(times.begin(), times.end());
    std::vector<double> intervals;
    for (std::size_t i = 0; i + 1 < times.size(); ++i)
        if (times[i + 1] != times[i]) intervals.push_back(times[i + 1] - times[i]);
    if (intervals.size() < 3) return detail::invalid("fewer than 3 non-zero intervals");
    std::sort(intervals.begin(), intervals.end());
    return statistical(intervals, 1);
}

/// RITA's getDataSizeScore: bytes per connection (at least 3).
[[nodiscard]] inline result<statistical_score> data_size_score(std::vector<double> bytes) {
    if (bytes.size() < 3) return detail::invalid("fewer than 3 sizes");
    std::sort(bytes.begin(), bytes.end());
    return statistical(bytes, 0);
}

struct histogram_result {
    std::vector<int> bins;  ///< connections per bin
    int total_bars = 0;     ///< bins with a connection
    int longest_run = 0;    ///< longest run of such bins, wrapping from the last to the first
    double score = 0;
};
/// RITA's getHistogramScore over the window [dataset_min, dataset_max] (seconds).
[[nodiscard]] inline result<histogram_result> histogram_score(std::int64_t dataset_min, std::int64_t dataset_max,
                                                              std::vector<std::uint32_t> times, const config& c = {}) {
    if (times.empty()) return detail::invalid("no timestamps");
    if (dataset_max <= dataset_min) return detail::invalid("the dataset's end is not after its start");
    if (c.histogram_bins <= 0) return detail::invalid("no histogram bins");
    std::sort(times.begin(), times.end());
    const int n = c.histogram_bins;
    std::vector<double> edges(static_cast<std::size_t>(n) + 1);
    const double step = static_cast<double>(dataset_max - dataset_min) / n;
    edges[0] = static_cast<double>(dataset_min);
    for (int i = 1; i < n; ++i) edges[static_cast<std::size_t>(i)] = static_cast<double>(dataset_min) + i * step;
    edges[static_cast<std::size_t>(n)] = static_cast<double>(dataset_max);
    histogram_result h;
    h.bins.assign(static_cast<std::size_t>(n), 0);
    std::size_t current = 0;
    double next_edge = edges[1];
    for (const std::uint32_t t : times) {  // as RITA: a time past the last edge lands in the last bin
        if (static_cast<double>(t) < next_edge) {
            ++h.bins[current];
            continue;
        }
        for (std::size_t j = current + 1; j < edges.size() - 1; ++j) {
            current = j;
            next_edge = edges[j + 1];
            if (static_cast<double>(t) < edges[j + 1]) break;
        }
        ++h.bins[current];
    }
    // Frequency counts: bars grouped by height in steps of ⌈sensitivity × tallest⌉.
    const int tallest = *std::max_element(h.bins.begin(), h.bins.end());
    // (A sensitivity of 0 would divide by zero in RITA; here heights are then grouped one by one.)
    const double bin_size = std::max(1.0, std::ceil(tallest * c.histogram_mode_sensitivity));
    std::map<int, int> heights;
    int run = 0;
    for (std::size_t i = 0; i < 2 * h.bins.size(); ++i) {
        const int bar = h.bins[i % h.bins.size()];
        if (bar > 0) {
            ++run;
        } else {
            h.longest_run = std::max(h.longest_run, run);
            run = 0;
        }
        if (i < h.bins.size() && bar > 0) {
            ++h.total_bars;
            ++heights[static_cast<int>(std::floor(bar / bin_size) * bin_size)];
        }
    }
    h.longest_run = std::min(std::max(h.longest_run, run), n);
    // 1 − coefficient of variation (population standard deviation over the mean).
    const double mean = static_cast<double>(times.size()) / n;
    double squares = 0;
    for (const int bar : h.bins) squares += (bar - mean) * (bar - mean);
    const double cv = std::sqrt(squares / n) / std::abs(mean);
    const double cv_score = cv > 1.0 ? 0.0 : std::min(1.0, detail::round3(1.0 - cv));
    // Bimodal fit: the two commonest heights over the bars, less the outliers RITA forgives.
    const int min_hours = c.histogram_bimodal_min_hours_seen < 6 ? 11 : c.histogram_bimodal_min_hours_seen;
    double fit = 0;
    if (h.total_bars >= min_hours) {
        int largest = 0, second = 0;
        for (const auto& [height, count] : heights) {
            if (count > largest) {
                second = largest;
                largest = count;
            } else if (count > second) {
                second = count;
            }
        }
        fit = (largest + second) / std::max(static_cast<double>(h.total_bars - c.histogram_bimodal_outlier_removal), 1.0);
    }
    h.score = std::max(cv_score, std::min(1.0, detail::round3(fit)));
    return h;
}

struct duration_result {
    double coverage = 0, consistency = 0, score = 0;
};
/// RITA's getDurationScore.
[[nodiscard]] inline result<duration_result> duration_score(std::int64_t dataset_min, std::int64_t dataset_max, std::int64_t first,
                                                            std::int64_t last, int total_bars, int longest_run, const config& c = {}) {
    if (c.duration_min_hours_seen < 1 || c.duration_consistency_ideal_hours_seen < 1 || dataset_max <= dataset_min || last <= first)
        return detail::invalid("invalid duration inputs");
    duration_result d;
    if (total_bars >= c.duration_min_hours_seen) {
        d.coverage = std::min(1.0, detail::ceil3(static_cast<double>(last - first) / static_cast<double>(dataset_max - dataset_min)));
        d.consistency = std::min(1.0, detail::ceil3(static_cast<double>(longest_run) / c.duration_consistency_ideal_hours_seen));
        d.score = std::max(d.coverage, d.consistency);
    }
    return d;
}

/// RITA's getBeaconScore: the weighted sum, rounded to 3 decimals; scores and weights in [0, 1],
/// weights summing to 1.
[[nodiscard]] inline result<double> combined_score(double ts, double ds, double duration, double histogram, const config& c = {}) {
    for (const double s : {ts, ds, duration, histogram})
        if (s < 0 || s > 1) return detail::invalid("scores must be between 0 and 1");
    double sum = 0;
    for (const double w : {c.timestamp_weight, c.datasize_weight, c.duration_weight, c.histogram_weight}) {
        if (w < 0 || w > 1) return detail::invalid("weights must be between 0 and 1");
        sum += w;
    }
    if (sum != 1) return detail::invalid("weights must sum to 1");
    return detail::round3(ts * c.timestamp_weight + ds * c.datasize_weight + duration * c.duration_weight + histogram * c.histogram_weight);
}

struct score {
    double total = 0, timestamp = 0, data_size = 0, histogram = 0, duration = 0;
};
/// All four and their combination for one pair's connections (times in seconds, bytes per
/// connection) over the dataset window: RITA's analyzeBeacon.
[[nodiscard]] inline result<score> analyze(const std::vector<std::uint32_t>& times, const std::vector<double>& bytes,
                                           std::int64_t dataset_min, std::int64_t dataset_max, const config& c = {}) {
    if (dataset_max <= dataset_min) return detail::invalid("the dataset's end is not after its start");
    auto ts = timestamp_score(times);
    if (!ts) return ts.error();
    auto ds = data_size_score(bytes);
    if (!ds) return ds.error();
    auto h = histogram_score(dataset_min, dataset_max, times, c);
    if (!h) return h.error();
    const auto [first, last] = std::minmax_element(times.begin(), times.end());
    auto d = duration_score(dataset_min, dataset_max, *first, *last, h->total_bars, h->longest_run, c);
    if (!d) return d.error();
    auto total = combined_score(ts->score, ds->score, d->score, h->score, c);
    if (!total) return total.error();
    return score{*total, ts->score, ds->score, h->score, d->score};
}

}  // namespace pktdyn::beacon
