// pktdyn — streaming moments: count, min, max, mean, variance, skewness and kurtosis of a series,
// in one pass, in constant memory, and mergeable (two halves merged equal the whole, up to rounding).
//
// Updates follow Welford and Terriberry; merging follows Pébay (2008), "Formulas for robust, one-pass
// parallel computation of covariances and arbitrary-order statistical moments". The statistics are
// the population ones (numpy's defaults, scipy.stats' with bias=True):
//   variance = M2 / n,  skewness = sqrt(n) M3 / M2^1.5,  kurtosis = n M4 / M2^2 - 3 (excess),
// where Mk is the sum of (x - mean)^k. Statistics that are undefined (no values; skewness and
// kurtosis of a constant series) are NaN.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace pktdyn {

struct moments {
    std::uint64_t count = 0;
    double min = 0, max = 0;
    double mean = 0, m2 = 0, m3 = 0, m4 = 0;

    void add(double x) noexcept {
        if (count == 0) min = max = x;
        min = std::min(min, x);
        max = std::max(max, x);
        const double n1 = static_cast<double>(count);
        ++count;
        const double n = static_cast<double>(count);
        const double delta = x - mean, delta_n = delta / n, delta_n2 = delta_n * delta_n, term = delta * delta_n * n1;
        mean += delta_n;
        m4 += term * delta_n2 * (n * n - 3 * n + 3) + 6 * delta_n2 * m2 - 4 * delta_n * m3;
        m3 += term * delta_n * (n - 2) - 3 * delta_n * m2;
        m2 += term;
    }

    void merge(const moments& b) noexcept {
        if (b.count == 0) return;
        if (count == 0) {
            *this = b;
            return;
        }
        const double na = static_cast<double>(count), nb = static_cast<double>(b.count), n = na + nb;
        const double d = b.mean - mean, d2 = d * d, d3 = d2 * d, d4 = d2 * d2;
        const double M2 = m2 + b.m2 + d2 * na * nb / n;
        const double M3 = m3 + b.m3 + d3 * na * nb * (na - nb) / (n * n) + 3 * d * (na * b.m2 - nb * m2) / n;
        const double M4 = m4 + b.m4 + d4 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n) +
                          6 * d2 * (na * na * b.m2 + nb * nb * m2) / (n * n) + 4 * d * (na * b.m3 - nb * m3) / n;
        mean += d * nb / n;
        m2 = M2;
        m3 = M3;
        m4 = M4;
        min = std::min(min, b.min);
        max = std::max(max, b.max);
        count += b.count;
    }

    [[nodiscard]] static constexpr double nan() noexcept { return std::numeric_limits<double>::quiet_NaN(); }
    [[nodiscard]] double minimum() const noexcept { return count ? min : nan(); }
    [[nodiscard]] double maximum() const noexcept { return count ? max : nan(); }
    [[nodiscard]] double average() const noexcept { return count ? mean : nan(); }
    [[nodiscard]] double variance() const noexcept { return count ? std::max(0.0, m2 / static_cast<double>(count)) : nan(); }
    [[nodiscard]] double stddev() const noexcept { return std::sqrt(variance()); }
    /// NaN when the series is constant (M2 is rounding noise relative to the mean).
    [[nodiscard]] double skewness() const noexcept {
        return degenerate() ? nan() : std::sqrt(static_cast<double>(count)) * m3 / std::pow(m2, 1.5);
    }
    [[nodiscard]] double kurtosis() const noexcept {
        return degenerate() ? nan() : static_cast<double>(count) * m4 / (m2 * m2) - 3.0;
    }

private:
    // Constant, up to rounding: M2 below what rounding the values near the mean can leave (relative
    // 1e-12 per value). A series of tiny distinct values (nanosecond gaps) is not constant.
    [[nodiscard]] bool degenerate() const noexcept {
        return count == 0 || !(m2 > 1e-24 * static_cast<double>(count) * mean * mean);
    }
};

}  // namespace pktdyn
