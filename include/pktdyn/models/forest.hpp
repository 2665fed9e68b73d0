// pktdyn — a tree ensemble flattened into structure-of-arrays, and its evaluation.
//
// Every loader (XGBoost JSON, LightGBM text) and the trainer produce the same `forest`. A split is
// stored in one normal form whatever the format it came from:
//
//     go right  ⇔  x >= threshold  or  (x is NaN and the split sends missing values right)
//
// with the right child at left + 1. Each format's own comparison is turned into this form exactly
// when the model loads (XGBoost's `float(x) < t` and LightGBM's `x <= t` in double each become
// `x >= t'` for a double t' chosen so that the two agree on every double x), so evaluation reads
// doubles and never converts. A leaf points at itself with a NaN threshold, so walking a tree is a
// fixed number of branch-free steps (its depth) for every row, and a block of rows walks each tree
// in lock step. Splits that do not fit the normal form (categorical sets, LightGBM's zero-as-missing
// band) are flagged and take a slower step, only in forests that have them.
//
// Sums follow each format: XGBoost adds leaf values in float32 in tree order from the base margin
// (as its CPU predictor does); LightGBM and pktdyn's own models add in double.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/core/result.hpp"

namespace pktdyn {

/// Whose rules the forest follows for sums and output transforms.
enum class model_format : std::uint8_t { xgboost, lightgbm };

/// How margins become predictions.
enum class output_transform : std::uint8_t {
    identity,     ///< regression, raw scores
    logistic,     ///< 1 / (1 + exp(-k margin)) per output
    softmax,      ///< probabilities over the outputs
    exponential,  ///< exp(margin): Poisson, gamma, Tweedie
};

/// A matrix of rows: `m.rows()`, `m.cols()` and `m(r, c)` (Eigen matrices qualify as they are; see
/// models/forest_matrix.hpp for xtensor and raw buffers).
template <class M>
concept row_matrix = requires(const M& m, std::size_t i) {
    { m.rows() } -> std::convertible_to<std::size_t>;
    { m.cols() } -> std::convertible_to<std::size_t>;
    { m(i, i) } -> std::convertible_to<double>;
};

/// Rows stored one after the other in a flat buffer: a `row_matrix` over memory pktdyn does not own.
struct dense_rows {
    std::span<const double> values;
    std::size_t width = 1;

    [[nodiscard]] std::size_t rows() const noexcept { return width == 0 ? 0 : values.size() / width; }
    [[nodiscard]] std::size_t cols() const noexcept { return width; }
    [[nodiscard]] double operator()(std::size_t r, std::size_t c) const noexcept { return values[r * width + c]; }
};

namespace detail {
/// The first name that appears twice, as (index of its first appearance, index of the second), in
/// n log n: feature lists run to tens of thousands of names.
[[nodiscard]] inline std::optional<std::pair<std::size_t, std::size_t>> first_repeat(std::span<const std::string> names) {
    std::vector<std::size_t> order(names.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return names[a] < names[b]; });
    std::optional<std::pair<std::size_t, std::size_t>> first;
    for (std::size_t i = 1; i < order.size(); ++i)
        if (names[order[i]] == names[order[i - 1]] && (!first || order[i] < first->second)) first.emplace(order[i - 1], order[i]);
    return first;
}
}  // namespace detail

/// A split or a leaf as a loader describes it, before the forest lays the tree out.
struct tree_node {
    enum class kind : std::uint8_t {
        leaf,
        numerical,    ///< right when x >= threshold (already in normal form), NaN by default_right
        categorical,  ///< right when the category is in `categories` (or not, by `set_goes_left`)
        zero_band,    ///< numerical, but |x| <= 1e-35f and NaN follow default_right (LightGBM zero-as-missing)
    };
    kind type = kind::leaf;
    double value = 0;                       ///< leaf output
    std::uint32_t feature = 0;
    double threshold = 0;
    bool default_right = false;
    std::uint32_t left = 0, right = 0;      ///< indices of the children in the tree's node list
    std::vector<std::uint32_t> categories;  ///< categorical: bitset, bit c of word c / 32 for category c
    bool set_goes_left = false;             ///< categorical: LightGBM sends the set left, XGBoost right
};

class forest {
public:
    /// The width of the rows the forest reads, and the names of those columns if the model had them.
    [[nodiscard]] std::size_t num_features() const noexcept { return num_features_; }
    [[nodiscard]] const std::vector<std::string>& feature_names() const noexcept { return feature_names_; }
    /// Outputs per row: 1, or the number of classes.
    [[nodiscard]] std::size_t num_outputs() const noexcept { return base_margin_.size(); }
    [[nodiscard]] std::size_t num_trees() const noexcept { return tree_root_.size(); }
    [[nodiscard]] std::size_t num_nodes() const noexcept { return threshold_.size(); }
    [[nodiscard]] model_format format() const noexcept { return format_; }
    [[nodiscard]] output_transform transform() const noexcept { return transform_; }
    [[nodiscard]] const std::vector<double>& base_margin() const noexcept { return base_margin_; }

    /// Raw scores (margins) of one row: `out` has num_outputs() values. A row narrower than
    /// num_features() gets NaN outputs rather than a read out of bounds.
    void predict_margin(std::span<const double> row, std::span<double> out) const noexcept {
        if (!fits(row.size(), 1, out.size())) return fill_nan(out);
        const double* rows[1] = {row.data()};
        evaluate_block(rows, 1, out.data());
    }
    /// Predictions of one row (probabilities, or values for regression).
    void predict(std::span<const double> row, std::span<double> out) const noexcept {
        predict_margin(row, out);
        apply_transform(out.data(), 1);
    }

    /// Raw scores of every row of `m`, row-major into `out` (rows × num_outputs()). Rows stored
    /// contiguously are read in place; other layouts are copied a block of rows at a time.
    template <row_matrix M>
    void predict_margin(const M& m, std::span<double> out) const {
        const auto rows = static_cast<std::size_t>(m.rows()), width = static_cast<std::size_t>(m.cols());
        if (!fits(width, rows, out.size())) return fill_nan(out);
        const double* pointers[block_rows];
        std::vector<double> copy, nan_free;
        if constexpr (!std::is_same_v<M, dense_rows>) copy.resize(block_rows * width);
        if (nan_free_ok_) nan_free.resize(block_rows * 2 * num_features_);
        for (std::size_t r0 = 0; r0 < rows; r0 += block_rows) {
            const std::size_t n = std::min(block_rows, rows - r0);
            for (std::size_t r = 0; r < n; ++r) {
                if constexpr (std::is_same_v<M, dense_rows>) {
                    pointers[r] = m.values.data() + (r0 + r) * width;
                } else {
                    for (std::size_t c = 0; c < width; ++c) copy[r * width + c] = static_cast<double>(m(r0 + r, c));
                    pointers[r] = copy.data() + r * width;
                }
            }
            if (nan_free_ok_) evaluate_block_nan_free(pointers, n, nan_free.data(), out.data() + r0 * num_outputs());
            else evaluate_block(pointers, n, out.data() + r0 * num_outputs());
        }
    }
    template <row_matrix M>
    void predict(const M& m, std::span<double> out) const {
        predict_margin(m, out);
        if (out.size() >= static_cast<std::size_t>(m.rows()) * num_outputs())
            apply_transform(out.data(), static_cast<std::size_t>(m.rows()));
    }

    /// Turns margins (n rows × num_outputs(), row-major) into predictions, in place.
    void apply_transform(double* v, std::size_t rows) const noexcept {
        const std::size_t k = num_outputs();
        const bool f32 = format_ == model_format::xgboost;
        for (std::size_t r = 0; r < rows; ++r, v += k) {
            switch (transform_) {
                case output_transform::identity: break;
                case output_transform::logistic:
                    for (std::size_t i = 0; i < k; ++i)
                        v[i] = f32 ? static_cast<double>(1.0f / (1.0f + std::exp(-static_cast<float>(v[i]))))
                                   : 1.0 / (1.0 + std::exp(-sigmoid_scale_ * v[i]));
                    break;
                case output_transform::exponential:
                    for (std::size_t i = 0; i < k; ++i)
                        v[i] = f32 ? static_cast<double>(std::exp(static_cast<float>(v[i]))) : std::exp(v[i]);
                    break;
                case output_transform::softmax: f32 ? softmax_f32(v, k) : softmax_f64(v, k); break;
            }
        }
    }

    /// Whether the model names its features, so that `use_columns` can match columns by name.
    /// Without names, rows must hold the model's num_features() columns in the model's order.
    [[nodiscard]] bool has_feature_names() const noexcept { return !feature_names_.empty(); }

    /// Reads rows laid out as `columns` instead of the model's own order, matching by feature name
    /// (pktdyn's schema names, a CSV header, ...). Fails, changing nothing, when the model has no
    /// names, a name is not among the columns, or a name the model reads is ambiguous: twice among
    /// the model's features (both would read the first such column) or twice among the columns.
    [[nodiscard]] result<void> use_columns(std::span<const std::string> columns) {
        if (feature_names_.empty())
            return error(errc::invalid_argument, fmt::format("model has no feature names: columns cannot be matched by name (its "
                                                             "{} features are read by position)", num_features_));
        if (const auto twice = detail::first_repeat(std::span<const std::string>(feature_names_)))
            return error(errc::invalid_argument, fmt::format("model features {} and {} are both named '{}': columns cannot be "
                                                             "matched by name", twice->first, twice->second,
                                                             feature_names_[twice->first]));
        // Sorted (name, column) pairs: a lookup per feature, in n log n rather than features x columns.
        std::vector<std::pair<std::string_view, std::uint32_t>> by_name;
        by_name.reserve(columns.size());
        for (std::size_t c = 0; c < columns.size(); ++c) by_name.emplace_back(columns[c], static_cast<std::uint32_t>(c));
        std::sort(by_name.begin(), by_name.end());
        std::vector<std::uint32_t> where(feature_names_.size());
        for (std::size_t i = 0; i < feature_names_.size(); ++i) {
            const std::string_view name = feature_names_[i];
            const auto it = std::lower_bound(by_name.begin(), by_name.end(), std::pair{name, std::uint32_t{0}});
            if (it == by_name.end() || it->first != name)
                return error(errc::invalid_argument,
                             fmt::format("model feature '{}' (index {}) is not among the {} columns", feature_names_[i], i,
                                         columns.size()));
            if (std::next(it) != by_name.end() && std::next(it)->first == name)
                return error(errc::invalid_argument, fmt::format("model feature '{}' (index {}) matches columns {} and {}: "
                                                                 "expected each name once", name, i, it->second,
                                                                 std::next(it)->second));
            where[i] = it->second;
        }
        for (std::size_t n = 0; n < feature_.size(); ++n)
            if (!is_leaf(n)) feature_[n] = where[feature_[n]];
        feature_names_.assign(columns.begin(), columns.end());
        num_features_ = std::max<std::size_t>(columns.size(), 1);
        prepare_nan_free();
        return {};
    }

    /// The threshold t' with `float(x) < t  ⇔  !(x >= t')` for every double x that is not NaN:
    /// the least double that rounds to a float at or above t (XGBoost compares in float32).
    [[nodiscard]] static double threshold_for_float_less(float t) noexcept {
        if (std::isnan(t)) return -std::numeric_limits<double>::infinity();  // float(x) < NaN never holds
        if (t == -std::numeric_limits<float>::infinity()) return t;
        const double below = std::isinf(std::nextafter(t, -INFINITY))  // the float under t, or the one
                                 ? -static_cast<double>(std::numeric_limits<float>::max()) - 0x1p104  // past -max
                                 : static_cast<double>(std::nextafter(t, -INFINITY));
        const double at = std::isinf(t) ? static_cast<double>(std::numeric_limits<float>::max()) + 0x1p104 : t;
        const double mid = below + (at - below) / 2;  // exact: floats have 24 bits, doubles 53
        // A tie rounds to the float with the even significand.
        std::uint32_t bits;
        static_assert(sizeof bits == sizeof t);
        std::memcpy(&bits, &t, sizeof bits);
        const bool t_even = (bits & 1u) == 0;
        return t_even ? mid : std::nextafter(mid, INFINITY);
    }
    /// The threshold t' with `x <= t  ⇔  !(x >= t')` for every double x that is not NaN (LightGBM).
    [[nodiscard]] static double threshold_for_less_equal(double t) noexcept { return std::nextafter(t, INFINITY); }

private:
    friend class forest_builder;
    static constexpr std::size_t block_rows = 64;
    static constexpr std::uint8_t default_right_bit = 1, special_bit = 2;
    static constexpr double zero_band = static_cast<double>(1e-35f);  // LightGBM's kZeroThreshold

    [[nodiscard]] bool is_leaf(std::size_t n) const noexcept { return left_[n] == n; }
    [[nodiscard]] bool fits(std::size_t width, std::size_t rows, std::size_t out_size) const noexcept {
        return width >= num_features_ && out_size >= rows * num_outputs();
    }
    static void fill_nan(std::span<double> out) noexcept {
        std::fill(out.begin(), out.end(), std::numeric_limits<double>::quiet_NaN());
    }

    // The batch path's shortcut. A block's rows are copied twice, NaN made -inf in the first copy
    // and +inf in the second; a node reads its feature from the copy that sends a missing value
    // its default way, so a step is one load, one comparison and one add: `x >= t` alone decides.
    // It holds for every node but a split with a NaN threshold, or one at -inf whose missing values
    // go left (nothing is below -inf): forests with those, or with special splits, take the general
    // step.
    struct nan_free_node {
        double threshold;
        std::uint32_t feature;  ///< into the doubled row: + num_features_ when missing values go right
        std::uint32_t left;
    };
    void prepare_nan_free() {
        nan_free_.resize(threshold_.size());
        nan_free_ok_ = !has_special_;
        for (std::size_t n = 0; n < threshold_.size(); ++n) {
            const bool right = flags_[n] & default_right_bit;
            nan_free_[n] = {threshold_[n], feature_[n] + (right && !is_leaf(n) ? static_cast<std::uint32_t>(num_features_) : 0), left_[n]};
            if (!is_leaf(n) && (std::isnan(threshold_[n]) || (threshold_[n] == -INFINITY && !right))) nan_free_ok_ = false;
        }
    }
    void evaluate_block_nan_free(const double* const* rows, std::size_t n, double* nan_free, double* out) const noexcept {
        const std::size_t width = num_features_;
        for (std::size_t r = 0; r < n; ++r) {
            double* low = nan_free + r * 2 * width;
            for (std::size_t c = 0; c < width; ++c) {
                const double x = rows[r][c];
                const bool missing = std::isnan(x);
                low[c] = missing ? -INFINITY : x;
                low[width + c] = missing ? INFINITY : x;
            }
        }
        if (format_ == model_format::xgboost) sum_block<float, false, true>(rows, n, out, nan_free);
        else sum_block<double, false, true>(rows, n, out, nan_free);
    }

    void evaluate_block(const double* const* rows, std::size_t n, double* out) const noexcept {
        if (n == 1 && num_outputs() <= max_single_outputs) {
            if (format_ == model_format::xgboost)
                has_special_ ? sum_single<float, true>(rows[0], out) : sum_single<float, false>(rows[0], out);
            else
                has_special_ ? sum_single<double, true>(rows[0], out) : sum_single<double, false>(rows[0], out);
            return;
        }
        if (format_ == model_format::xgboost)
            has_special_ ? sum_block<float, true>(rows, n, out) : sum_block<float, false>(rows, n, out);
        else
            has_special_ ? sum_block<double, true>(rows, n, out) : sum_block<double, false>(rows, n, out);
    }

    // One row (a pipeline scoring each flow as it ends): eight trees walk at once, so their loads
    // overlap instead of waiting on each other. A walk that reaches its leaf early stays there (a
    // leaf points at itself). Leaf values are added in tree order, each to its output, as above.
    template <class Sum, bool Special>
    void sum_single(const double* row, double* out) const noexcept {
        constexpr std::size_t lanes = 8;
        const std::size_t k = num_outputs(), trees = tree_root_.size();
        Sum sums[max_single_outputs];
        for (std::size_t g = 0; g < k; ++g) sums[g] = static_cast<Sum>(base_margin_[g]);
        std::size_t t = 0;
        for (; t + lanes <= trees; t += lanes) {
            std::uint32_t node[lanes];
            std::uint32_t depth = 0;
            for (std::size_t u = 0; u < lanes; ++u) {
                node[u] = tree_root_[t + u];
                depth = std::max<std::uint32_t>(depth, tree_depth_[t + u]);
            }
            for (std::uint32_t d = 0; d < depth; ++d)
                for (std::size_t u = 0; u < lanes; ++u) node[u] = step<Special>(node[u], row);
            for (std::size_t u = 0; u < lanes; ++u) sums[tree_group_[t + u]] += static_cast<Sum>(value_[node[u]]);
        }
        for (; t < trees; ++t) {
            std::uint32_t node = tree_root_[t];
            for (std::uint32_t d = 0; d < tree_depth_[t]; ++d) node = step<Special>(node, row);
            sums[tree_group_[t]] += static_cast<Sum>(value_[node]);
        }
        for (std::size_t g = 0; g < k; ++g) out[g] = static_cast<double>(sums[g]);
        if (average_over_ > 1)
            for (std::size_t g = 0; g < k; ++g) out[g] /= average_over_;
    }

    // Each tree walks all n rows one level at a time: the rows' loads overlap instead of waiting
    // on each other, and no step branches on the data.
    template <class Sum, bool Special, bool NanFree = false>
    void sum_block(const double* const* rows, std::size_t n, double* out, const double* nan_free = nullptr) const noexcept {
        const std::size_t stride = 2 * num_features_;
        const std::size_t k = num_outputs();
        Sum sums[block_rows * max_block_outputs];
        std::uint32_t node[block_rows];
        const std::size_t outputs_per_pass = std::min(k, max_block_outputs);
        for (std::size_t g0 = 0; g0 < k; g0 += outputs_per_pass) {  // many classes: a few passes
            const std::size_t g1 = std::min(k, g0 + outputs_per_pass);
            for (std::size_t r = 0; r < n; ++r)
                for (std::size_t g = g0; g < g1; ++g) sums[r * outputs_per_pass + (g - g0)] = static_cast<Sum>(base_margin_[g]);
            for (std::size_t t = 0; t < tree_root_.size(); ++t) {
                const std::size_t g = tree_group_[t];
                if (g < g0 || g >= g1) continue;
                const std::uint32_t root = tree_root_[t];
                for (std::size_t r = 0; r < n; ++r) node[r] = root;
                if constexpr (NanFree) {
                    for (std::uint32_t d = 0; d < tree_depth_[t]; ++d) {
                        std::size_t r = 0;
                        for (; r + 8 <= n; r += 8)
                            for (std::size_t u = 0; u < 8; ++u) {
                                const nan_free_node& q = nan_free_[node[r + u]];
                                node[r + u] = q.left + static_cast<std::uint32_t>(nan_free[(r + u) * stride + q.feature] >= q.threshold);
                            }
                        for (; r < n; ++r) {
                            const nan_free_node& q = nan_free_[node[r]];
                            node[r] = q.left + static_cast<std::uint32_t>(nan_free[r * stride + q.feature] >= q.threshold);
                        }
                    }
                }
                for (std::uint32_t d = 0; d < (NanFree ? 0 : tree_depth_[t]); ++d) {
                    std::size_t r = 0;
                    for (; r + 8 <= n; r += 8)  // eight independent walks in flight
                        for (std::size_t u = 0; u < 8; ++u) node[r + u] = step<Special>(node[r + u], rows[r + u]);
                    for (; r < n; ++r) node[r] = step<Special>(node[r], rows[r]);
                }
                for (std::size_t r = 0; r < n; ++r) sums[r * outputs_per_pass + (g - g0)] += static_cast<Sum>(value_[node[r]]);
            }
            for (std::size_t r = 0; r < n; ++r)
                for (std::size_t g = g0; g < g1; ++g) out[r * k + g] = static_cast<double>(sums[r * outputs_per_pass + (g - g0)]);
        }
        if (average_over_ > 1)
            for (std::size_t i = 0; i < n * k; ++i) out[i] /= average_over_;
    }

    template <bool Special>
    [[nodiscard]] std::uint32_t step(std::uint32_t n, const double* row) const noexcept {
        const double x = row[feature_[n]];
        if constexpr (Special)
            if (flags_[n] & special_bit) [[unlikely]] return special_step(n, x);
        const unsigned right = static_cast<unsigned>(x >= threshold_[n]) |
                               (static_cast<unsigned>(std::isnan(x)) & (flags_[n] & default_right_bit));
        return left_[n] + right;
    }

    [[nodiscard]] std::uint32_t special_step(std::uint32_t n, double x) const noexcept {
        const bool default_right = flags_[n] & default_right_bit;
        const special& s = special_[special_index_[n]];
        if (!s.categorical) {  // LightGBM zero-as-missing: NaN and the band around 0 are missing
            if (std::isnan(x) || std::fabs(x) <= zero_band) return left_[n] + default_right;
            return left_[n] + (x >= threshold_[n]);
        }
        if (std::isnan(x)) return left_[n] + default_right;  // LightGBM loads with NaN right
        bool valid;
        std::uint64_t category = 0;
        if (format_ == model_format::xgboost) {  // XGBoost: float(x) truncated, invalid below 0 or at 2^24
            const float f = static_cast<float>(x);
            valid = !(f < 0) && f < 16777216.0f;
            if (valid) category = static_cast<std::uint64_t>(f);
        } else {  // LightGBM: int(x); negative (and, on x86, beyond int) is not a category
            valid = x > -1.0 && x < 2147483648.0;
            if (valid) category = static_cast<std::uint64_t>(static_cast<std::int64_t>(x));
        }
        const std::uint64_t word = category / 32;
        const bool in_set = valid && word < s.words &&
                            ((categories_[s.first_word + word] >> (category % 32)) & 1u);
        return left_[n] + (in_set != s.set_goes_left);
    }

    static void softmax_f32(double* v, std::size_t k) noexcept {  // as XGBoost: float exps, double sum
        float top = static_cast<float>(v[0]);
        for (std::size_t i = 1; i < k; ++i) top = std::fmax(static_cast<float>(v[i]), top);
        double sum = 0;
        for (std::size_t i = 0; i < k; ++i) {
            const float e = std::exp(static_cast<float>(v[i]) - top);
            v[i] = e;
            sum += e;
        }
        for (std::size_t i = 0; i < k; ++i) v[i] = static_cast<double>(static_cast<float>(v[i]) / static_cast<float>(sum));
    }
    static void softmax_f64(double* v, std::size_t k) noexcept {
        double top = v[0], sum = 0;
        for (std::size_t i = 1; i < k; ++i) top = std::max(v[i], top);
        for (std::size_t i = 0; i < k; ++i) sum += v[i] = std::exp(v[i] - top);
        for (std::size_t i = 0; i < k; ++i) v[i] /= sum;
    }

    static constexpr std::size_t max_block_outputs = 16;
    static constexpr std::size_t max_single_outputs = 256;

    struct special {
        bool categorical = false, set_goes_left = false;
        std::uint32_t first_word = 0, words = 0;
    };

    // Nodes, all trees one after the other.
    std::vector<double> threshold_;
    std::vector<std::uint32_t> feature_;
    std::vector<std::uint32_t> left_;  ///< right child = left + 1; a leaf is its own left child
    std::vector<std::uint8_t> flags_;
    std::vector<double> value_;        ///< leaf outputs (0 at splits)
    std::vector<std::uint32_t> special_index_;  ///< into special_, for flagged nodes only (else 0)
    std::vector<special> special_;
    std::vector<std::uint32_t> categories_;
    bool has_special_ = false;
    std::vector<nan_free_node> nan_free_;
    bool nan_free_ok_ = false;
    // Trees.
    std::vector<std::uint32_t> tree_root_, tree_depth_, tree_group_;
    // The model.
    model_format format_ = model_format::xgboost;
    output_transform transform_ = output_transform::identity;
    double sigmoid_scale_ = 1;
    double average_over_ = 1;          ///< LightGBM average_output (random forest mode): trees per output
    std::vector<double> base_margin_{0.0};
    std::size_t num_features_ = 1;
    std::vector<std::string> feature_names_;
};

/// Assembles a forest tree by tree, checking each tree's structure (children in range, every node
/// reached once, bounded depth) so that a malformed model can never make evaluation misbehave.
class forest_builder {
public:
    static constexpr std::uint32_t max_depth = 256;

    forest_builder(model_format format, std::size_t num_features, std::size_t num_outputs) {
        f_.format_ = format;
        f_.num_features_ = std::max<std::size_t>(num_features, 1);
        declared_features_ = num_features;
        f_.base_margin_.assign(std::max<std::size_t>(num_outputs, 1), 0.0);
    }

    forest_builder& transform(output_transform t, double sigmoid_scale = 1) {
        f_.transform_ = t;
        f_.sigmoid_scale_ = sigmoid_scale;
        return *this;
    }
    forest_builder& base_margin(std::vector<double> margins) {
        if (margins.size() == f_.base_margin_.size()) f_.base_margin_ = std::move(margins);
        return *this;
    }
    forest_builder& average_over(double trees_per_output) {
        f_.average_over_ = trees_per_output;
        return *this;
    }
    forest_builder& feature_names(std::vector<std::string> names) {
        f_.feature_names_ = std::move(names);
        return *this;
    }

    /// Adds one tree whose root is nodes[0], contributing to output `group`. `where` names the tree
    /// in messages ("tree 12").
    [[nodiscard]] result<void> add_tree(std::span<const tree_node> nodes, std::size_t group, std::string_view where) {
        auto bad = [&](std::string what) { return error(errc::corrupt, fmt::format("{}: {}", where, what)); };
        if (nodes.empty()) return bad("no nodes");
        if (group >= f_.base_margin_.size())
            return bad(fmt::format("output {} out of range (the model has {})", group, f_.base_margin_.size()));
        if (f_.threshold_.size() + 2 * nodes.size() > std::numeric_limits<std::uint32_t>::max() / 2)
            return bad("too many nodes");
        // Breadth first from the root: children get adjacent slots, each node is placed once.
        std::vector<std::uint32_t> slot(nodes.size(), unplaced);
        std::vector<std::uint32_t> depth(nodes.size(), 0);
        std::vector<std::uint32_t> order{0};
        const auto base = static_cast<std::uint32_t>(f_.threshold_.size());
        slot[0] = base;
        std::uint32_t next = base + 1, tree_depth = 0;
        for (std::size_t i = 0; i < order.size(); ++i) {
            const tree_node& t = nodes[order[i]];
            if (t.type == tree_node::kind::leaf) continue;
            if (t.left >= nodes.size() || t.right >= nodes.size())
                return bad(fmt::format("node {} has a child out of range", order[i]));
            if (t.left == t.right) return bad(fmt::format("node {} has the same node as both children", order[i]));
            for (std::uint32_t c : {t.left, t.right}) {
                if (slot[c] != unplaced) return bad(fmt::format("node {} is reached twice (a cycle or a shared child)", c));
                slot[c] = next++;
                depth[c] = depth[order[i]] + 1;
                if (depth[c] > max_depth) return bad(fmt::format("deeper than {} levels", max_depth));
                tree_depth = std::max(tree_depth, depth[c]);
                order.push_back(c);
            }
            if (t.feature >= declared_features_)
                return bad(fmt::format("node {} splits on feature {} but the model has {} features", order[i], t.feature,
                                       declared_features_));
        }
        // Lay the placed nodes out by slot.
        const std::size_t total = next;
        f_.threshold_.resize(total);
        f_.feature_.resize(total);
        f_.left_.resize(total);
        f_.flags_.resize(total);
        f_.value_.resize(total);
        f_.special_index_.resize(total);
        for (std::uint32_t id : order) {
            const tree_node& t = nodes[id];
            const std::uint32_t s = slot[id];
            if (t.type == tree_node::kind::leaf) {
                f_.threshold_[s] = std::numeric_limits<double>::quiet_NaN();
                f_.feature_[s] = 0;
                f_.left_[s] = s;
                f_.flags_[s] = 0;
                f_.value_[s] = t.value;
                continue;
            }
            f_.threshold_[s] = t.threshold;
            f_.feature_[s] = t.feature;
            f_.left_[s] = slot[t.left];
            f_.flags_[s] = t.default_right ? forest::default_right_bit : 0;
            f_.value_[s] = 0;
            if (t.type == tree_node::kind::numerical) continue;
            forest::special sp;
            if (t.type == tree_node::kind::categorical) {
                sp.categorical = true;
                sp.set_goes_left = t.set_goes_left;
                sp.first_word = static_cast<std::uint32_t>(f_.categories_.size());
                sp.words = static_cast<std::uint32_t>(t.categories.size());
                f_.categories_.insert(f_.categories_.end(), t.categories.begin(), t.categories.end());
            }
            f_.flags_[s] |= forest::special_bit;
            f_.special_index_[s] = static_cast<std::uint32_t>(f_.special_.size());
            f_.special_.push_back(sp);
            f_.has_special_ = true;
        }
        f_.tree_root_.push_back(base);
        f_.tree_depth_.push_back(tree_depth);
        f_.tree_group_.push_back(static_cast<std::uint32_t>(group));
        return {};
    }

    [[nodiscard]] result<forest> finish() && {
        f_.prepare_nan_free();
        if (!f_.feature_names_.empty() && f_.feature_names_.size() != declared_features_)
            return error(errc::corrupt, fmt::format("{} feature names for {} features", f_.feature_names_.size(),
                                                    declared_features_));
        return std::move(f_);
    }

private:
    static constexpr std::uint32_t unplaced = std::numeric_limits<std::uint32_t>::max();
    forest f_;
    std::size_t declared_features_ = 0;
};

}  // namespace pktdyn
