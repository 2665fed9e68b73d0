// pktdyn — streaming half-space trees (Tan, Ting & Liu, "Fast Anomaly Detection for Streaming
// Data", IJCAI 2011): a multivariate detector for rows arriving one at a time.
//
// Structure, built once from the seed without data. Each feature is scaled to [0, 1] by the ranges
// the caller gives (values outside fall in the outer halves). For each tree and feature q, draw s in
// [0, 1) and give the tree the work range [s - 2 max(s, 1 - s), s + 2 max(s, 1 - s)] on q. A node at
// depth k < depth splits at the middle p of its range on a feature q drawn uniformly; a row goes
// right when its scaled value exceeds p, left otherwise. Leaves are at depth `depth`.
//
// Mass profiles. Each node counts the rows that passed through it in the reference window (r) and in
// the latest window (l). The first `window` rows fill r and are not scored. Afterwards each row is
// scored against r, then counted in l; when `window` rows have been counted, r <- l and l <- 0.
//
// Score: per tree, follow the row down to the first node whose reference mass r is below
// size_limit x window, or to a leaf, and take r x 2^k at that node (k its depth); sum over the trees.
// The lower, the more anomalous (few reference rows fell where it falls).
//
// Memory: trees x (2^depth internal nodes x 10 bytes + 2^(depth+1) nodes x 8 bytes); the paper's
// defaults (25 trees, depth 15) take 21 MB, 10 trees of depth 8 take 61 KB. Updates never allocate.
// State text (state_text.hpp): the options, the seed, the ranges, the window position and the
// non-zero masses; the structure is rebuilt from the seed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pktdyn/core/result.hpp"
#include "pktdyn/models/random.hpp"
#include "pktdyn/models/state_text.hpp"

namespace pktdyn {

struct half_space_trees_options {
    std::size_t trees = 25;    ///< as Tan et al.; 1 to 1024
    std::size_t depth = 15;    ///< maxDepth, as Tan et al.; 1 to 20
    std::size_t window = 250;  ///< psi, rows per window, as Tan et al.; 1 to 2^30
    double size_limit = 0.1;   ///< sizeLimit as a fraction of the window, as Tan et al.; in [0, 1]
    std::uint64_t seed = 0;    ///< the same seed gives the same trees, on every platform
};

/// The verdict on one row.
struct mass_verdict {
    double score = std::numeric_limits<double>::quiet_NaN();  ///< NaN until a reference window exists
    bool ready = false;
};

class half_space_trees {
public:
    /// A detector for rows of lower.size() features, each scaled by [lower, upper] to [0, 1].
    [[nodiscard]] static result<half_space_trees> create(std::span<const double> lower, std::span<const double> upper,
                                                         half_space_trees_options o = {}) {
        if (auto problem = check(lower, upper, o); !problem.empty())
            return error{errc::invalid_argument, "half_space_trees: " + problem};
        return half_space_trees(lower, upper, o);
    }

    /// Scores x against the reference window, then counts it in the latest one.
    mass_verdict update(std::span<const double> x) noexcept {
        if (!reference_ready_) {
            count(x, r_);
            if (++in_window_ == o_.window) {
                reference_ready_ = true;
                in_window_ = 0;
            }
            return {};
        }
        const mass_verdict v{score(x), true};
        count(x, l_);
        if (++in_window_ == o_.window) {
            r_.swap(l_);
            std::fill(l_.begin(), l_.end(), 0U);
            in_window_ = 0;
        }
        return v;
    }

    /// Tan et al.'s score of x against the reference window (without learning x); NaN before one.
    [[nodiscard]] double score(std::span<const double> x) const noexcept {
        if (!reference_ready_) return std::numeric_limits<double>::quiet_NaN();
        const double limit = o_.size_limit * static_cast<double>(o_.window);
        double total = 0;
        for (std::size_t t = 0; t < o_.trees; ++t) {
            std::size_t node = 0, k = 0;
            for (; k < o_.depth && !(r_[t * nodes_ + node] < limit); ++k) node = child(t, node, x);
            total += std::ldexp(static_cast<double>(r_[t * nodes_ + node]), static_cast<int>(k));
        }
        return total;
    }

    [[nodiscard]] std::size_t features() const noexcept { return lower_.size(); }
    [[nodiscard]] const half_space_trees_options& options() const noexcept { return o_; }
    /// Nodes of tree t in heap order: node i has children 2i + 1 and 2i + 2, and depth floor(log2(i + 1)).
    [[nodiscard]] std::size_t nodes_per_tree() const noexcept { return nodes_; }
    [[nodiscard]] std::size_t split_feature(std::size_t t, std::size_t node) const noexcept {
        return split_feature_[t * internal_ + node];
    }
    /// Tree t's work range on scaled feature q: [s - 2 max(s, 1 - s), s + 2 max(s, 1 - s)].
    [[nodiscard]] std::pair<double, double> work_range(std::size_t t, std::size_t q) const noexcept {
        return {work_lo_[t * features() + q], work_hi_[t * features() + q]};
    }
    /// The split on the scaled feature, in the tree's work range.
    [[nodiscard]] double split_value(std::size_t t, std::size_t node) const noexcept {
        return split_value_[t * internal_ + node];
    }
    [[nodiscard]] std::uint32_t reference_mass(std::size_t t, std::size_t node) const noexcept { return r_[t * nodes_ + node]; }
    [[nodiscard]] std::uint32_t latest_mass(std::size_t t, std::size_t node) const noexcept { return l_[t * nodes_ + node]; }

    [[nodiscard]] std::string save() const {
        state_writer w(kind, 1);
        w.field("trees", o_.trees).field("depth", o_.depth).field("window", o_.window).field("size_limit", o_.size_limit);
        w.field("seed", o_.seed).field("lower", lower_).field("upper", upper_);
        w.field("reference_ready", std::uint32_t{reference_ready_}).field("in_window", in_window_);
        for (const auto* mass : {&r_, &l_}) {
            std::vector<std::uint64_t> at;
            std::vector<std::uint32_t> value;
            for (std::size_t i = 0; i < mass->size(); ++i)
                if ((*mass)[i]) at.push_back(i), value.push_back((*mass)[i]);
            const bool reference = mass == &r_;
            w.field(reference ? "reference_nodes" : "latest_nodes", at).field(reference ? "reference_mass" : "latest_mass", value);
        }
        return std::move(w).str();
    }

    [[nodiscard]] static result<half_space_trees> restore(std::string_view text) {
        state_reader r(text, kind, 1);
        half_space_trees_options o;
        std::vector<double> lower, upper;
        std::uint32_t reference_ready = 0;
        std::size_t in_window = 0;
        r.field("trees", o.trees).field("depth", o.depth).field("window", o.window).field("size_limit", o.size_limit);
        r.field("seed", o.seed).field("lower", lower, max_features).field("upper", upper, max_features);
        if (auto problem = check(lower, upper, o); r.ok() && !problem.empty()) r.reject(problem);
        r.field("reference_ready", reference_ready).field("in_window", in_window);
        if (r.ok() && (reference_ready > 1 || in_window >= o.window))
            r.reject("reference_ready must be 0 or 1 and in_window below the window");
        if (!r.ok()) return r.finish().error();
        half_space_trees d(lower, upper, o);
        d.reference_ready_ = reference_ready == 1;
        d.in_window_ = in_window;
        for (auto* mass : {&d.r_, &d.l_}) {
            const bool reference = mass == &d.r_;
            std::vector<std::uint64_t> at;
            std::vector<std::uint32_t> value;
            r.field(reference ? "reference_nodes" : "latest_nodes", at, mass->size());
            r.field(reference ? "reference_mass" : "latest_mass", value, mass->size());
            if (r.ok() && at.size() != value.size()) r.reject("nodes and masses must come in pairs");
            for (std::size_t i = 0; r.ok() && i < at.size(); ++i) {
                if (at[i] >= mass->size() || (i > 0 && at[i] <= at[i - 1]) ||
                    value[i] > o.window)
                    r.reject(std::string(reference ? "reference" : "latest") +
                             " masses must be at increasing nodes below " + std::to_string(mass->size()) +
                             ", one each, at most the window");
                else
                    (*mass)[at[i]] = value[i];
            }
        }
        if (auto done = r.finish(); !done) return done.error();
        return d;
    }

private:
    static constexpr std::string_view kind = "pktdyn.half_space_trees";
    static constexpr std::size_t max_features = 65'535;
    static constexpr std::size_t max_nodes = std::size_t{1} << 26;  // 870 MB of masses and splits

    half_space_trees(std::span<const double> lower, std::span<const double> upper, const half_space_trees_options& o)
        : o_(o),
          lower_(lower.begin(), lower.end()),
          upper_(upper.begin(), upper.end()),
          internal_((std::size_t{1} << o.depth) - 1),
          nodes_((std::size_t{1} << (o.depth + 1)) - 1),
          split_feature_(o.trees * internal_),
          split_value_(o.trees * internal_),
          r_(o.trees * nodes_),
          l_(o.trees * nodes_) {
        splitmix64 rng(o.seed);
        std::vector<double> lo(features()), hi(features());
        for (std::size_t t = 0; t < o.trees; ++t) {
            for (std::size_t q = 0; q < features(); ++q) {
                const double s = rng.uniform(), half = 2 * std::max(s, 1 - s);
                lo[q] = s - half;
                hi[q] = s + half;
            }
            work_lo_.insert(work_lo_.end(), lo.begin(), lo.end());
            work_hi_.insert(work_hi_.end(), hi.begin(), hi.end());
            build(t, 0, lo, hi, rng);
        }
    }

    static std::string check(std::span<const double> lower, std::span<const double> upper,
                             const half_space_trees_options& o) {
        if (lower.empty() || lower.size() != upper.size() || lower.size() > max_features)
            return "lower and upper must give the same number of features, 1 to 65535";
        for (std::size_t q = 0; q < lower.size(); ++q)
            if (!(std::isfinite(lower[q]) && std::isfinite(upper[q]) && lower[q] < upper[q]))
                return "feature " + std::to_string(q) + ": the range must be finite with lower < upper";
        if (o.trees == 0 || o.trees > 1024) return "trees must lie in [1, 1024], found " + std::to_string(o.trees);
        if (o.depth == 0 || o.depth > 20) return "depth must lie in [1, 20], found " + std::to_string(o.depth);
        if (o.trees << (o.depth + 1) > max_nodes)
            return "trees x 2^(depth + 1) must not exceed 2^26 nodes, found " + std::to_string(o.trees << (o.depth + 1));
        if (o.window == 0 || o.window > (std::size_t{1} << 30)) return "window must lie in [1, 2^30], found " + std::to_string(o.window);
        if (!(o.size_limit >= 0 && o.size_limit <= 1)) return "size_limit must lie in [0, 1], found " + detail::shortest_text(o.size_limit);
        return {};
    }

    // Pre-order, so the draws come in one fixed order.
    void build(std::size_t t, std::size_t node, std::vector<double>& lo, std::vector<double>& hi, splitmix64& rng) {
        if (node >= internal_) return;
        const auto q = static_cast<std::uint16_t>(rng.below(features()));
        const double p = (lo[q] + hi[q]) / 2, saved_lo = lo[q], saved_hi = hi[q];
        split_feature_[t * internal_ + node] = q;
        split_value_[t * internal_ + node] = p;
        hi[q] = p;
        build(t, 2 * node + 1, lo, hi, rng);
        hi[q] = saved_hi;
        lo[q] = p;
        build(t, 2 * node + 2, lo, hi, rng);
        lo[q] = saved_lo;
    }

    [[nodiscard]] std::size_t child(std::size_t t, std::size_t node, std::span<const double> x) const noexcept {
        const std::size_t q = split_feature_[t * internal_ + node];
        const double scaled = (x[q] - lower_[q]) / (upper_[q] - lower_[q]);
        return 2 * node + (scaled > split_value_[t * internal_ + node] ? 2 : 1);
    }

    // Adds x to every node on its path, root to leaf, in every tree.
    void count(std::span<const double> x, std::vector<std::uint32_t>& mass) noexcept {
        for (std::size_t t = 0; t < o_.trees; ++t) {
            std::size_t node = 0;
            for (std::size_t k = 0;; ++k) {
                ++mass[t * nodes_ + node];
                if (k == o_.depth) break;
                node = child(t, node, x);
            }
        }
    }

    half_space_trees_options o_;
    std::vector<double> lower_, upper_;
    std::vector<double> work_lo_, work_hi_;  // tree-major
    std::size_t internal_, nodes_;  // per tree
    std::vector<std::uint16_t> split_feature_;
    std::vector<double> split_value_;
    std::vector<std::uint32_t> r_, l_;  // reference and latest mass, tree-major
    bool reference_ready_ = false;
    std::size_t in_window_ = 0;
};

}  // namespace pktdyn
