// pktdyn — isolation forest (Liu, Ting & Zhou, "Isolation Forest", ICDM 2008; "Isolation-based
// anomaly detection", TKDD 2012): fit, score, save, and load forests exported from scikit-learn.
//
// Fit: each of `trees` trees is grown on `subsample` rows (psi) drawn without replacement; a node
// splits on a feature drawn uniformly among those not constant in the node, at a threshold drawn
// uniformly in [min, max) of that feature there; it becomes a leaf when it holds one row, when every
// feature is constant, or at depth ceil(log2 psi).
//
// Score: h(x) is the depth of the leaf x reaches plus c(n), the average path length of the n training
// rows that leaf held; E[h(x)] is its mean over the trees, and the anomaly score is
//     s(x) = 2^(-E[h(x)] / c(psi)),   c(n) = 2 H(n-1) - 2 (n-1) / n,  H(i) ~ ln(i) + 0.5772156649...
// (c(1) = 0, c(2) = 1): near 1 for anomalies, below 0.5 for normal rows. scikit-learn's score_samples
// is -s(x); score_samples() below returns that, computed in scikit-learn's order of operations.
//
// Features are compared as float32, as scikit-learn's trees do (they cast X to float32 and compare
// float(x) <= threshold in double). A double threshold t is held as the largest float <= t, which
// sends every float the same way, so a forest exported from scikit-learn scores exactly as it does.
//
// Text form (state_text.hpp), the same whether saved here or written by
// scripts/sklearn_iforest_export.py; node indices are within the tree, children after their parent:
//   pktdyn.isolation_forest 1
//   features F / subsample psi / trees T, then per tree:
//   nodes N / left N ... / right N ... (-1 at leaves) / feature N ... / threshold N ... / samples N ...
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "pktdyn/core/result.hpp"
#include "pktdyn/models/random.hpp"
#include "pktdyn/models/state_text.hpp"

namespace pktdyn {

namespace detail {
/// Contiguous float or double values: a row, or a row-major matrix (std::vector, std::span, std::array).
template <class R>
concept float_values = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
                       (std::same_as<std::ranges::range_value_t<R>, float> ||
                        std::same_as<std::ranges::range_value_t<R>, double>);

template <float_values R>
[[nodiscard]] auto as_span(const R& r) noexcept {
    return std::span<const std::ranges::range_value_t<R>>(std::ranges::data(r), std::ranges::size(r));
}
}  // namespace detail

struct isolation_forest_options {
    std::size_t trees = 100;
    std::size_t subsample = 256;  ///< psi; min(psi, rows) when fitting fewer rows
    std::uint64_t seed = 0;       ///< the same seed and rows give the same forest, on every platform
};

class isolation_forest {
public:
    struct node {
        std::int32_t left = -1, right = -1;  ///< node indices within the tree; -1 at a leaf
        std::int32_t feature = -1;
        float threshold = 0;                 ///< float(x[feature]) <= threshold goes left
        std::uint32_t samples = 0;           ///< training rows that reached the node
        double path_length = 0;              ///< at a leaf: its depth + c(samples)
        [[nodiscard]] bool leaf() const noexcept { return left < 0; }
    };

    /// c(n): the average path length of an unsuccessful search in a binary search tree of n keys, as
    /// scikit-learn's _average_path_length computes it.
    [[nodiscard]] static double average_path_length(double n) noexcept {
        if (n <= 1) return 0.0;
        if (n == 2) return 1.0;
        return 2.0 * (std::log(n - 1.0) + std::numbers::egamma) - 2.0 * (n - 1.0) / n;
    }

    /// Fits a forest to rows x `columns` values, row-major (a feature_matrix's data(), say).
    template <detail::float_values R>
    [[nodiscard]] static result<isolation_forest> fit(const R& matrix, std::size_t columns, isolation_forest_options o = {}) {
        const auto values = detail::as_span(matrix);
        using T = typename decltype(values)::element_type;
        if (columns == 0 || values.empty() || values.size() % columns != 0)
            return error{errc::invalid_argument, "isolation_forest::fit: " + std::to_string(values.size()) +
                                                     " values do not make rows of " + std::to_string(columns) +
                                                     " columns"};
        const std::size_t rows = values.size() / columns;
        if (o.trees == 0 || o.subsample == 0 || rows > std::numeric_limits<std::int32_t>::max() ||
            columns > std::numeric_limits<std::int32_t>::max())
            return error{errc::invalid_argument,
                         "isolation_forest::fit: trees and subsample must be positive, rows and columns below 2^31"};
        isolation_forest f(columns, std::min(o.subsample, rows), o.trees);
        grower<std::remove_const_t<T>> g{values, columns, f.max_depth(), splitmix64(o.seed)};
        f.nodes_.reserve(o.trees * (2 * f.subsample_ - 1));
        for (std::size_t t = 0; t < o.trees; ++t) {
            f.roots_.push_back(static_cast<std::int32_t>(f.nodes_.size()));
            g.grow(f.nodes_, f.subsample_);
        }
        return f;
    }

    /// Reads a forest's text form (saved here, or exported from scikit-learn).
    [[nodiscard]] static result<isolation_forest> load(std::string_view text) {
        state_reader r(text, "pktdyn.isolation_forest", 1);
        std::size_t columns = 0, psi = 0, trees = 0;
        r.field("features", columns).field("subsample", psi).field("trees", trees);
        if (r.ok() && (columns == 0 || columns > max_nodes || psi == 0 || trees == 0 || trees > max_nodes))
            r.reject("features, subsample and trees must be positive and at most 2^24");
        isolation_forest f(columns, psi, r.ok() ? trees : 0);
        std::vector<std::int64_t> left, right, feature;
        std::vector<double> threshold;
        std::vector<std::uint32_t> samples;
        for (std::size_t t = 0; r.ok() && t < trees; ++t) {
            std::size_t n = 0;
            r.field("nodes", n);
            if (r.ok() && (n == 0 || n > max_nodes - f.nodes_.size())) r.reject("a tree must have at least 1 node, and all trees at most 2^24");
            r.field("left", left, n).field("right", right, n).field("feature", feature, n);
            r.field("threshold", threshold, n).field("samples", samples, n);
            if (r.ok() && (left.size() != n || right.size() != n || feature.size() != n || threshold.size() != n ||
                           samples.size() != n))
                r.reject("tree " + std::to_string(t) + ": every node array must have " + std::to_string(n) + " values");
            if (r.ok()) f.add_tree(r, t, left, right, feature, threshold, samples);
        }
        if (auto done = r.finish(); !done) return done.error();
        return f;
    }

    /// The text form load() reads.
    [[nodiscard]] std::string save() const {
        state_writer w("pktdyn.isolation_forest", 1);
        w.field("features", columns_).field("subsample", subsample_).field("trees", roots_.size());
        std::vector<std::int64_t> left, right, feature;
        std::vector<double> threshold;
        std::vector<std::uint32_t> samples;
        for (std::size_t t = 0; t < roots_.size(); ++t) {
            left.clear(), right.clear(), feature.clear(), threshold.clear(), samples.clear();
            for (const node& n : tree(t)) {
                left.push_back(n.left);
                right.push_back(n.right);
                feature.push_back(n.leaf() ? -2 : n.feature);  // -2 at leaves, as scikit-learn's TREE_UNDEFINED
                threshold.push_back(n.leaf() ? -2.0 : static_cast<double>(n.threshold));
                samples.push_back(n.samples);
            }
            w.field("nodes", left.size()).field("left", left).field("right", right).field("feature", feature);
            w.field("threshold", threshold).field("samples", samples);
        }
        return std::move(w).str();
    }

    // Rows hold features() values (at least: the trees read only the features they split on).

    /// E[h(x)]: the mean over the trees of the path length of x.
    template <detail::float_values R>
    [[nodiscard]] double expected_path_length(const R& row) const noexcept {
        return path_length_sum(detail::as_span(row)) / static_cast<double>(roots_.size());
    }

    /// s(x) = 2^(-E[h(x)] / c(psi)), in (0, 1]: near 1 for anomalies, below 0.5 for normal rows.
    template <detail::float_values R>
    [[nodiscard]] double score(const R& row) const noexcept {
        return -score_samples(row);
    }

    /// scikit-learn's IsolationForest.score_samples: -s(x), in its order of operations (lower is more
    /// anomalous).
    template <detail::float_values R>
    [[nodiscard]] double score_samples(const R& row) const noexcept {
        const double denominator = static_cast<double>(roots_.size()) * average_path_length(static_cast<double>(subsample_));
        // A forest fitted on one row has c(psi) = 0; scikit-learn then takes the ratio as 1.
        const double ratio = denominator != 0 ? path_length_sum(detail::as_span(row)) / denominator : 1.0;
        return -std::pow(2.0, -ratio);
    }

    /// s(x) of every row of a row-major matrix into `out`, as many rows as both hold.
    template <detail::float_values R>
    void score(const R& matrix, std::span<double> out) const noexcept {
        const auto values = detail::as_span(matrix);
        const std::size_t rows = std::min(out.size(), values.size() / columns_);
        for (std::size_t r = 0; r < rows; ++r) out[r] = score(values.subspan(r * columns_, columns_));
    }

    [[nodiscard]] std::size_t features() const noexcept { return columns_; }
    [[nodiscard]] std::size_t subsample() const noexcept { return subsample_; }
    [[nodiscard]] std::size_t trees() const noexcept { return roots_.size(); }
    /// The depth limit of fitted trees: ceil(log2 max(psi, 2)).
    [[nodiscard]] std::size_t max_depth() const noexcept { return std::bit_width(std::max<std::size_t>(subsample_, 2) - 1); }
    /// Tree t's nodes; its root comes first.
    [[nodiscard]] std::span<const node> tree(std::size_t t) const noexcept {
        return std::span(nodes_).subspan(roots_[t], tree_end(t) - roots_[t]);
    }

private:
    static constexpr std::size_t max_nodes = std::size_t{1} << 24;  // in all trees: 512 MB

    isolation_forest(std::size_t columns, std::size_t psi, std::size_t trees) : columns_(columns), subsample_(psi) {
        roots_.reserve(trees);
    }

    [[nodiscard]] std::int32_t tree_end(std::size_t t) const noexcept {
        return t + 1 < roots_.size() ? roots_[t + 1] : static_cast<std::int32_t>(nodes_.size());
    }

    // Scikit-learn's order: per tree, (nodes on the path) + c(leaf samples) - 1, added tree by tree.
    [[nodiscard]] static double leaf_path_length(std::size_t depth, std::uint32_t samples) noexcept {
        return static_cast<double>(depth + 1) + average_path_length(samples) - 1.0;
    }

    template <class T>
    [[nodiscard]] double path_length_sum(std::span<const T> row) const noexcept {
        double sum = 0;
        for (const std::int32_t root : roots_) {
            const node* tree = &nodes_[root];
            const node* n = tree;
            while (!n->leaf()) n = tree + (static_cast<float>(row[n->feature]) <= n->threshold ? n->left : n->right);
            sum += n->path_length;
        }
        return sum;
    }

    // The largest float not above t: float(x) <= t exactly when float(x) <= this.
    [[nodiscard]] static float float_at_or_below(double t) noexcept {
        if (std::isnan(t)) return std::numeric_limits<float>::quiet_NaN();
        constexpr float largest = std::numeric_limits<float>::max(), inf = std::numeric_limits<float>::infinity();
        if (t < -static_cast<double>(largest)) return -inf;
        if (t >= static_cast<double>(largest)) return std::isinf(t) ? inf : largest;
        float f = static_cast<float>(t);
        if (static_cast<double>(f) > t) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
        return f;
    }

    void add_tree(state_reader& r, std::size_t t, std::span<const std::int64_t> left, std::span<const std::int64_t> right,
                  std::span<const std::int64_t> feature, std::span<const double> threshold,
                  std::span<const std::uint32_t> samples) {
        const std::size_t n = left.size(), root = nodes_.size();
        const auto bad = [&](std::size_t i, const std::string& what) {
            r.reject("tree " + std::to_string(t) + ", node " + std::to_string(i) + ": " + what);
        };
        std::vector<std::size_t> depth(n, 0);
        std::vector<bool> reached(n, false);
        reached[0] = true;
        for (std::size_t i = 0; i < n && r.ok(); ++i) {
            node x;
            x.samples = samples[i];
            if (!reached[i]) bad(i, "no node leads to it");
            if (left[i] == -1 && right[i] == -1) {
                x.path_length = leaf_path_length(depth[i], x.samples);
            } else {
                for (const std::int64_t c : {left[i], right[i]}) {
                    if (c <= static_cast<std::int64_t>(i) || c >= static_cast<std::int64_t>(n))
                        return bad(i, "child " + std::to_string(c) + " is not a later node of the tree");
                    if (reached[c]) return bad(i, "child " + std::to_string(c) + " has two parents");
                    reached[c] = true;
                    depth[c] = depth[i] + 1;
                }
                if (feature[i] < 0 || feature[i] >= static_cast<std::int64_t>(columns_))
                    return bad(i, "feature " + std::to_string(feature[i]) + " is not below " + std::to_string(columns_));
                if (std::isnan(threshold[i])) return bad(i, "the threshold is not a number");
                x.left = static_cast<std::int32_t>(left[i]);
                x.right = static_cast<std::int32_t>(right[i]);
                x.feature = static_cast<std::int32_t>(feature[i]);
                x.threshold = float_at_or_below(threshold[i]);
            }
            nodes_.push_back(x);
        }
        roots_.push_back(static_cast<std::int32_t>(root));
    }

    // Grows trees on psi rows drawn from `values`, held as float32 as they are compared.
    template <class T>
    struct grower {
        std::span<const T> values;
        std::size_t columns, max_depth;
        splitmix64 rng;
        std::vector<std::uint32_t> order{};     // a permutation of the rows; its head is the subsample
        std::vector<std::uint32_t> features{};  // the features in the order they are tried at a node
        std::vector<float> sample{};            // the subsample's rows as float32, row-major

        void grow(std::vector<node>& nodes, std::size_t psi) {
            const std::size_t rows = values.size() / columns;
            if (order.empty()) {
                order.resize(rows);
                for (std::size_t i = 0; i < rows; ++i) order[i] = static_cast<std::uint32_t>(i);
                features.resize(columns);
                for (std::size_t j = 0; j < columns; ++j) features[j] = static_cast<std::uint32_t>(j);
            }
            // A partial Fisher-Yates shuffle of any permutation leaves a uniform subset at its head,
            // so the permutation need not be reset between trees.
            for (std::size_t i = 0; i < psi; ++i) std::swap(order[i], order[i + rng.below(rows - i)]);
            sample.resize(psi * columns);
            std::vector<std::uint32_t> index(psi);
            for (std::size_t i = 0; i < psi; ++i) {
                for (std::size_t j = 0; j < columns; ++j)
                    sample[i * columns + j] = static_cast<float>(values[order[i] * columns + j]);
                index[i] = static_cast<std::uint32_t>(i);
            }
            split(nodes, static_cast<std::int32_t>(nodes.size()), index, 0);
        }

        // Appends the node holding `rows` (and its subtree) to the tree starting at `root`; returns
        // its index within the tree.
        std::int32_t split(std::vector<node>& nodes, std::int32_t root, std::span<std::uint32_t> rows, std::size_t depth) {
            const auto at = static_cast<std::int32_t>(nodes.size());
            nodes.push_back({.samples = static_cast<std::uint32_t>(rows.size())});
            if (rows.size() <= 1 || depth >= max_depth) {
                nodes[at].path_length = leaf_path_length(depth, nodes[at].samples);
                return at - root;
            }
            // Features drawn without replacement until one varies: uniform among the varying ones.
            for (std::size_t tried = 0; tried < columns; ++tried) {
                std::swap(features[tried], features[tried + rng.below(columns - tried)]);
                const std::uint32_t f = features[tried];
                float lo = value(rows[0], f), hi = lo;
                for (const std::uint32_t i : rows) lo = std::min(lo, value(i, f)), hi = std::max(hi, value(i, f));
                if (!(lo < hi)) continue;
                float t = static_cast<float>(lo + rng.uniform() * (static_cast<double>(hi) - lo));
                if (t >= hi) t = lo;  // rounding reached the maximum: keep the right side non-empty
                const auto mid = std::partition(rows.begin(), rows.end(), [&](std::uint32_t i) { return value(i, f) <= t; });
                const auto n_left = static_cast<std::size_t>(mid - rows.begin());
                nodes[at].feature = static_cast<std::int32_t>(f);
                nodes[at].threshold = t;
                const std::int32_t l = split(nodes, root, rows.first(n_left), depth + 1);
                const std::int32_t r = split(nodes, root, rows.subspan(n_left), depth + 1);
                nodes[at].left = l;
                nodes[at].right = r;
                return at - root;
            }
            nodes[at].path_length = leaf_path_length(depth, nodes[at].samples);  // every feature is constant here
            return at - root;
        }

        [[nodiscard]] float value(std::uint32_t row, std::uint32_t feature) const noexcept {
            return sample[row * columns + feature];
        }
    };

    std::size_t columns_, subsample_;
    std::vector<std::int32_t> roots_;
    std::vector<node> nodes_;
};

}  // namespace pktdyn
