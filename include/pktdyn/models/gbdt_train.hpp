// pktdyn — a histogram gradient-boosting trainer whose models are XGBoost models.
//
// The method is XGBoost's `hist` with depth-wise growth: each feature is cut into at most 255
// quantile bins (plus one bin for missing values) once, up front; a node's split is found from
// per-bin sums of gradients and hessians, trying missing values on either side; of two children
// only the smaller is summed from its rows, the other is its parent minus it. Regularisation as
// XGBoost's: L2 (lambda) and L1 (alpha) on leaf weights, gamma as the least loss reduction a split
// must bring (applied when the split is made, where XGBoost prunes afterwards), min_child_weight;
// row subsampling per tree and column subsampling per tree; early stopping on a validation set
// (the model keeps the trees up to the best round); class weights scale each row's gradient.
// Losses: logistic (binary:logistic), softmax (multi:softprob), squared error (reg:squarederror).
//
// A split on bin b is saved as XGBoost's `float(x) < cut`, where the cut is the float at the
// bottom of bin b + 1, and rows are binned by that same float comparison: the saved model sends
// every training row where training sent it, and python3-xgboost reads it (to_xgboost_json).
//
// Work is shared across threads (histograms by node and feature, partitions by node, gradients and
// margin updates by row range); every sum is made in the same order whatever the thread count, so
// the model is the same bytes with 1 thread or 8.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/core/json.hpp"
#include "pktdyn/core/result.hpp"
#include "pktdyn/models/forest.hpp"
#include "pktdyn/models/xgboost_json.hpp"

namespace pktdyn {

enum class gbdt_loss : std::uint8_t { logistic, softmax, squared_error };

struct gbdt_params {
    gbdt_loss loss = gbdt_loss::logistic;
    std::size_t num_classes = 2;         ///< softmax only
    std::size_t rounds = 100;            ///< boosting rounds (one tree per class per round)
    std::uint32_t max_depth = 6;
    double learning_rate = 0.3;          ///< XGBoost's eta
    double lambda = 1.0;                 ///< L2 on leaf weights
    double alpha = 0.0;                  ///< L1 on leaf weights
    double gamma = 0.0;                  ///< least loss reduction for a split
    double min_child_weight = 1.0;       ///< least hessian sum in a child
    double subsample = 1.0;              ///< fraction of rows per tree
    double colsample_bytree = 1.0;       ///< fraction of features per tree
    std::size_t max_bins = 256;          ///< bins per feature, the missing-value bin included
    std::size_t early_stopping_rounds = 0;  ///< 0: no early stopping
    std::vector<double> class_weights;   ///< per class (logistic: 2, softmax: num_classes); empty: 1
    double base_score = 0.5;             ///< as XGBoost 1.7's default
    std::uint64_t seed = 0;
    unsigned threads = 0;                ///< 0: every core
    std::vector<std::string> feature_names;  ///< saved with the model; empty: none
};

/// One trained tree as XGBoost's JSON lays it out (nodes in creation order, root 0).
struct gbdt_tree {
    std::vector<std::int32_t> left, right, parent;
    std::vector<std::uint32_t> feature;
    std::vector<float> condition;  ///< split: the cut (left when float(x) < cut); leaf: its value
    std::vector<std::uint8_t> default_left;
    std::vector<float> loss_change, sum_hessian, base_weight;
    std::uint32_t group = 0;
};

class gbdt_model {
public:
    gbdt_loss loss = gbdt_loss::logistic;
    std::size_t num_classes = 1;  ///< outputs: 1, or the classes of a softmax model
    std::size_t num_features = 0;
    float base_score = 0.5f;
    std::vector<std::string> feature_names;
    std::vector<gbdt_tree> trees;
    std::size_t best_round = 0;                ///< with early stopping: the round kept last
    std::vector<double> validation_loss;       ///< per round: logloss, mlogloss or rmse

    /// The model as XGBoost (≥ 1.0) saves it: python3-xgboost loads it with Booster(model_file=...).
    [[nodiscard]] std::string to_xgboost_json() const {
        std::string s;
        s.reserve(256 + trees.size() * 4096);
        const bool softmax = loss == gbdt_loss::softmax;
        fmt::format_to(std::back_inserter(s), R"({{"learner":{{"attributes":{{}},"feature_names":[)");
        for (std::size_t i = 0; i < feature_names.size(); ++i) {
            s += i ? "," : "";
            json::append_string(s, feature_names[i]);
        }
        s += R"(],"feature_types":[)";
        for (std::size_t i = 0; i < feature_names.size(); ++i) s += i ? R"(,"float")" : R"("float")";
        fmt::format_to(std::back_inserter(s),
                       R"(],"gradient_booster":{{"model":{{"gbtree_model_param":{{"num_parallel_tree":"1","num_trees":"{}","size_leaf_vector":"0"}},"tree_info":[)",
                       trees.size());
        for (std::size_t i = 0; i < trees.size(); ++i) fmt::format_to(std::back_inserter(s), "{}{}", i ? "," : "", trees[i].group);
        s += R"(],"trees":[)";
        for (std::size_t i = 0; i < trees.size(); ++i) {
            if (i) s += ',';
            append_tree(s, trees[i], i);
        }
        fmt::format_to(std::back_inserter(s),
                       R"(]}},"name":"gbtree"}},"learner_model_param":{{"base_score":"{}","boost_from_average":"1","num_class":"{}","num_feature":"{}","num_target":"1"}},"objective":)",
                       base_score, softmax ? num_classes : 0, num_features);
        switch (loss) {
            case gbdt_loss::logistic:
                s += R"({"name":"binary:logistic","reg_loss_param":{"scale_pos_weight":"1"}})";
                break;
            case gbdt_loss::softmax:
                fmt::format_to(std::back_inserter(s), R"({{"name":"multi:softprob","softmax_multiclass_param":{{"num_class":"{}"}}}})",
                               num_classes);
                break;
            case gbdt_loss::squared_error:
                s += R"({"name":"reg:squarederror","reg_loss_param":{"scale_pos_weight":"1"}})";
                break;
        }
        s += R"(},"version":[1,7,4]})";
        return s;
    }

    [[nodiscard]] result<void> save_xgboost_json(const std::filesystem::path& path) const {
        std::ofstream out(path, std::ios::binary);
        const std::string text = to_xgboost_json();
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.close();
        if (!out) return error(errc::io_error, fmt::format("cannot write {}", path.string()));
        return {};
    }

    /// The model for scoring, with XGBoost's semantics (as python3-xgboost would score the JSON).
    [[nodiscard]] result<forest> to_forest() const { return load_xgboost_json(to_xgboost_json(), "trained model"); }

private:
    template <class T>
    static void append_array(std::string& s, const char* key, const std::vector<T>& v) {
        fmt::format_to(std::back_inserter(s), R"("{}":[)", key);
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i) s += ',';
            if constexpr (std::is_same_v<T, float>) {
                if (std::isnan(v[i])) {
                    s += "NaN";
                } else {  // the shortest text that reads back as this float, and reads as a float
                    const std::size_t start = s.size();
                    fmt::format_to(std::back_inserter(s), "{}", v[i]);
                    if (s.find_first_of(".eEn", start) == std::string::npos) s += ".0";
                }
            } else {
                fmt::format_to(std::back_inserter(s), "{}", +v[i]);
            }
        }
        s += "],";
    }
    void append_tree(std::string& s, const gbdt_tree& t, std::size_t id) const {
        s += '{';
        append_array(s, "base_weights", t.base_weight);
        s += R"("categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[],)";
        append_array(s, "default_left", t.default_left);
        fmt::format_to(std::back_inserter(s), R"("id":{},)", id);
        append_array(s, "left_children", t.left);
        append_array(s, "loss_changes", t.loss_change);
        append_array(s, "parents", t.parent);
        append_array(s, "right_children", t.right);
        append_array(s, "split_conditions", t.condition);
        append_array(s, "split_indices", t.feature);
        append_array(s, "split_type", std::vector<int>(t.left.size(), 0));
        append_array(s, "sum_hessian", t.sum_hessian);
        fmt::format_to(std::back_inserter(s),
                       R"("tree_param":{{"num_deleted":"0","num_feature":"{}","num_nodes":"{}","size_leaf_vector":"0"}}}})",
                       num_features, t.left.size());
    }
};

namespace detail::gbdt {

// Threads started once per training and parked between steps: a training makes thousands of
// parallel steps, and starting threads for each one cost more than many of the steps themselves.
class thread_pool {
public:
    explicit thread_pool(unsigned threads) {
        for (unsigned t = 1; t < threads; ++t) workers_.emplace_back([this] { serve(); });
    }
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;
    ~thread_pool() {
        stop_.store(true, std::memory_order_relaxed);
        generation_.fetch_add(1, std::memory_order_release);
        generation_.notify_all();
    }  // then workers_ (declared last) join

    [[nodiscard]] std::size_t size() const noexcept { return workers_.size() + 1; }

    // Runs fn(i) for i in [0, n), the caller being one of the threads; returns when all have run.
    template <class Fn>
    void run(std::size_t n, const Fn& fn) {
        if (workers_.empty() || n <= 1) {
            for (std::size_t i = 0; i < n; ++i) fn(i);
            return;
        }
        job_ = &fn;
        call_ = [](const void* f, std::size_t i) { (*static_cast<const Fn*>(f))(i); };
        n_ = n;
        next_.store(0, std::memory_order_relaxed);
        pending_.store(workers_.size(), std::memory_order_relaxed);
        generation_.fetch_add(1, std::memory_order_release);
        generation_.notify_all();
        drain();
        // Every worker checks in, even one that found no work left: only then may the job change.
        for (std::size_t left; (left = pending_.load(std::memory_order_acquire)) != 0;) pending_.wait(left, std::memory_order_acquire);
    }

private:
    void drain() {
        for (std::size_t i; (i = next_.fetch_add(1, std::memory_order_relaxed)) < n_;) call_(job_, i);
    }
    void serve() {
        std::uint64_t seen = 0;
        for (;;) {
            generation_.wait(seen, std::memory_order_acquire);
            seen = generation_.load(std::memory_order_acquire);
            if (stop_.load(std::memory_order_relaxed)) return;
            drain();
            if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
        }
    }

    const void* job_ = nullptr;
    void (*call_)(const void*, std::size_t) = nullptr;
    std::size_t n_ = 0;
    std::atomic<std::size_t> next_{0}, pending_{0};
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<bool> stop_{false};
    std::vector<std::jthread> workers_;
};

constexpr std::uint8_t missing_bin = 255;

struct grad_pair {
    double g = 0, h = 0;
    grad_pair& operator+=(const grad_pair& o) noexcept { g += o.g; h += o.h; return *this; }
};
inline grad_pair operator-(grad_pair a, const grad_pair& b) noexcept { return {a.g - b.g, a.h - b.h}; }

// The features cut into bins: per feature the ascending cut floats (bin b holds
// cut[b-1] <= float(x) < cut[b]) and the binned values column by column.
struct binned_matrix {
    std::size_t rows = 0, cols = 0;
    std::vector<std::vector<float>> cuts;
    std::vector<std::uint8_t> bins;  // bins[f * rows + r]
    // The same bins for histograms: features in groups of four, a row's four bins in one word
    // (byte j: feature 4 g + j) so one load serves four histograms, and a missing value stored as
    // bins_of(f), its slot in the histogram. Training data only.
    std::vector<std::uint32_t> packed;  // packed[g * rows + r]

    [[nodiscard]] std::uint8_t bin(std::size_t f, std::size_t r) const noexcept { return bins[f * rows + r]; }
    [[nodiscard]] std::size_t bins_of(std::size_t f) const noexcept { return cuts[f].size() + 1; }

    static std::uint8_t bin_of(const std::vector<float>& cut, double x) noexcept {
        if (std::isnan(x)) return missing_bin;
        return static_cast<std::uint8_t>(std::upper_bound(cut.begin(), cut.end(), static_cast<float>(x)) - cut.begin());
    }
};

// Cut points: every distinct float value when there are few, else equal-count quantiles.
inline std::vector<float> choose_cuts(std::vector<float>& values, std::size_t max_bins) {
    std::sort(values.begin(), values.end());
    std::vector<float> distinct;
    for (float v : values)
        if (distinct.empty() || v != distinct.back()) distinct.push_back(v);
    std::vector<float> cuts;
    if (distinct.size() <= max_bins) {
        cuts.assign(distinct.begin() + (distinct.empty() ? 0 : 1), distinct.end());
        return cuts;
    }
    for (std::size_t k = 1; k < max_bins; ++k) {
        const float v = values[k * values.size() / max_bins];
        if (v != values.front() && (cuts.empty() || v > cuts.back())) cuts.push_back(v);
    }
    return cuts;
}

template <class M>
binned_matrix bin_matrix(const M& x, std::size_t max_bins, thread_pool& pool) {
    binned_matrix b;
    b.rows = static_cast<std::size_t>(x.rows());
    b.cols = static_cast<std::size_t>(x.cols());
    b.cuts.resize(b.cols);
    b.bins.resize(b.rows * b.cols);
    // Quantiles from at most 200,000 rows, evenly spaced: the sort is the cost of binning.
    const std::size_t step = std::max<std::size_t>(1, b.rows / 200'000);
    pool.run(b.cols, [&](std::size_t f) {
        std::vector<float> values;
        for (std::size_t r = 0; r < b.rows; r += step) {
            const double v = static_cast<double>(x(r, f));
            if (!std::isnan(v)) values.push_back(static_cast<float>(v));
        }
        b.cuts[f] = choose_cuts(values, max_bins);
        for (std::size_t r = 0; r < b.rows; ++r) b.bins[f * b.rows + r] = binned_matrix::bin_of(b.cuts[f], static_cast<double>(x(r, f)));
    });
    const std::size_t groups = (b.cols + 3) / 4;
    b.packed.resize(groups * b.rows);
    pool.run(groups, [&](std::size_t g) {
        for (std::size_t j = 0; j < 4 && 4 * g + j < b.cols; ++j) {
            const std::size_t f = 4 * g + j;
            const auto missing = static_cast<std::uint32_t>(b.bins_of(f));
            for (std::size_t r = 0; r < b.rows; ++r) {
                const std::uint8_t v = b.bins[f * b.rows + r];
                b.packed[g * b.rows + r] |= (v == missing_bin ? missing : v) << (8 * j);
            }
        }
    });
    return b;
}

template <class M>
binned_matrix bin_like(const M& x, const binned_matrix& like) {
    binned_matrix b;
    b.rows = static_cast<std::size_t>(x.rows());
    b.cols = like.cols;
    b.cuts = like.cuts;
    b.bins.resize(b.rows * b.cols);
    for (std::size_t f = 0; f < b.cols; ++f)
        for (std::size_t r = 0; r < b.rows; ++r) b.bins[f * b.rows + r] = binned_matrix::bin_of(b.cuts[f], static_cast<double>(x(r, f)));
    return b;
}

// A tree under construction, in binned form (split on bin <= split_bin).
struct grow_node {
    std::int32_t left = -1, right = -1, parent = std::numeric_limits<std::int32_t>::max();
    std::uint32_t feature = 0;
    std::uint8_t split_bin = 0;
    bool default_left = true;
    double weight = 0, loss_change = 0, hessian = 0;
};

struct split_choice {
    double loss_change = 0;
    std::uint32_t feature = 0;
    std::uint8_t bin = 0;
    bool default_left = true;
    grad_pair left, right;
    bool found = false;
};

// A node's histogram, per feature its bins then the missing bin (offsets from the trainer).
using histogram = std::vector<grad_pair>;

struct float_pair {
    float g, h;
};

// A leaf's rows after growing: rows[begin, end) of the row list grow() reordered.
struct leaf_rows {
    std::int32_t id;
    std::size_t begin, end;
};

class trainer {
public:
    trainer(const gbdt_params& p, thread_pool& pool, const binned_matrix& data) : p_(p), pool_(pool), data_(data) {
        offset_.assign(data.cols + 1, 0);
        for (std::size_t f = 0; f < data.cols; ++f) offset_[f + 1] = offset_[f] + data.bins_of(f) + 1;  // + missing
        ordered_.resize(data.rows);
        scratch_.resize(data.rows);
    }

    [[nodiscard]] double thresholded(double g) const noexcept {  // L1's soft threshold
        if (p_.alpha == 0) return g;
        return g > p_.alpha ? g - p_.alpha : g < -p_.alpha ? g + p_.alpha : 0.0;
    }
    [[nodiscard]] double gain(const grad_pair& s) const noexcept {
        const double t = thresholded(s.g);
        return t * t / (s.h + p_.lambda);
    }
    [[nodiscard]] double weight(const grad_pair& s) const noexcept { return -thresholded(s.g) / (s.h + p_.lambda); }

    // The best split of a node over the allowed features, from its histogram.
    split_choice best_split(const histogram& hist, const grad_pair& total, const std::vector<std::uint32_t>& features) const {
        split_choice best;
        const double parent_gain = gain(total);
        for (std::uint32_t f : features) {
            const std::size_t nb = data_.bins_of(f);
            const grad_pair* h = hist.data() + offset_[f];
            const grad_pair missing = h[nb];
            grad_pair left;
            for (std::size_t b = 0; b + 1 < nb; ++b) {
                left += h[b];
                for (const bool missing_left : {true, false}) {
                    grad_pair l = left;
                    if (missing_left) l += missing;
                    const grad_pair r = total - l;
                    if (l.h < p_.min_child_weight || r.h < p_.min_child_weight) continue;
                    const double change = gain(l) + gain(r) - parent_gain;
                    if (change > best.loss_change + 1e-12 || (!best.found && change > 0)) {
                        best = {change, f, static_cast<std::uint8_t>(b), missing_left, l, r, true};
                    }
                }
            }
        }
        best.found = best.found && best.loss_change > 1e-6 && best.loss_change >= p_.gamma;
        return best;
    }

    // Grows one tree on the rows listed in `rows` (reordered in place) with gradients g/h; `leaves`
    // receives where each leaf's rows are in `rows`.
    std::vector<grow_node> grow(std::vector<std::uint32_t>& rows, std::span<const float> g, std::span<const float> h,
                                const std::vector<std::uint32_t>& features, std::vector<leaf_rows>& leaves) {
        struct open_node {
            std::int32_t id;
            std::size_t begin, end;
            grad_pair total;
            histogram hist;
        };
        leaves.clear();
        // The round's features by packed group: a mask of the group's features in use.
        groups_.clear();
        for (std::uint32_t f : features) {
            if (groups_.empty() || groups_.back().group != f / 4) groups_.push_back({f / 4, 0});
            groups_.back().mask = static_cast<std::uint8_t>(groups_.back().mask | 1u << (f % 4));
        }
        // Gradients in the order of `rows`, refreshed where a partition moves rows: the histogram
        // loops then read them sequentially instead of at random.
        pool_.run((rows.size() + 8191) / 8192, [&](std::size_t c) {
            for (std::size_t i = c * 8192; i < std::min(rows.size(), (c + 1) * 8192); ++i) ordered_[i] = {g[rows[i]], h[rows[i]]};
        });

        std::vector<grow_node> tree(1);
        std::vector<open_node> level(1);
        level[0] = {0, 0, rows.size(), {}, take_histogram()};
        for (std::size_t i = 0; i < rows.size(); ++i) level[0].total += grad_pair{g[rows[i]], h[rows[i]]};
        tasks_.clear();
        for (std::uint32_t k = 0; k < groups_.size(); ++k) tasks_.push_back({0, groups_[k].group, groups_[k].mask});
        pool_.run(tasks_.size(), [&](std::size_t t) {
            build(level[0].hist, nullptr, rows, level[0].begin, level[0].end, tasks_[t].group, tasks_[t].mask);
        });

        std::vector<split_choice> choice;
        std::vector<std::size_t> mid, small;  // small: indices into next of children summed from rows
        std::vector<open_node> next;
        for (std::uint32_t depth = 0;; ++depth) {
            for (open_node& n : level) {
                tree[n.id].weight = weight(n.total);
                tree[n.id].hessian = n.total.h;
            }
            if (depth == p_.max_depth || level.empty()) {
                for (open_node& n : level) {
                    leaves.push_back({n.id, n.begin, n.end});
                    give_histogram(std::move(n.hist));
                }
                break;
            }
            // Per node: its best split, then its rows partitioned (left rows first, order kept) and
            // their gradients reordered to match.
            choice.assign(level.size(), {});
            mid.assign(level.size(), 0);
            pool_.run(level.size(), [&](std::size_t i) {
                choice[i] = best_split(level[i].hist, level[i].total, features);
                if (!choice[i].found) return;
                const open_node& n = level[i];
                const split_choice& c = choice[i];
                const std::uint8_t* col = data_.bins.data() + c.feature * data_.rows;
                std::size_t l = n.begin, r = n.end;
                for (std::size_t k = n.begin; k < n.end; ++k) {
                    const std::uint8_t b = col[rows[k]];
                    const bool go_left = b == missing_bin ? c.default_left : b <= c.bin;
                    if (go_left) scratch_[l++] = rows[k];
                    else scratch_[--r] = rows[k];
                }
                std::copy(scratch_.begin() + static_cast<std::ptrdiff_t>(n.begin), scratch_.begin() + static_cast<std::ptrdiff_t>(l),
                          rows.begin() + static_cast<std::ptrdiff_t>(n.begin));
                std::reverse_copy(scratch_.begin() + static_cast<std::ptrdiff_t>(l), scratch_.begin() + static_cast<std::ptrdiff_t>(n.end),
                                  rows.begin() + static_cast<std::ptrdiff_t>(l));
                for (std::size_t k = n.begin; k < n.end; ++k) ordered_[k] = {g[rows[k]], h[rows[k]]};
                mid[i] = l;
            });
            next.clear();
            small.clear();
            for (std::size_t i = 0; i < level.size(); ++i) {
                const split_choice& c = choice[i];
                open_node& n = level[i];
                if (!c.found) {
                    leaves.push_back({n.id, n.begin, n.end});
                    give_histogram(std::move(n.hist));
                    continue;
                }
                const std::int32_t left_id = static_cast<std::int32_t>(tree.size());
                tree.resize(tree.size() + 2);
                grow_node& parent = tree[n.id];
                parent.left = left_id;
                parent.right = left_id + 1;
                parent.feature = c.feature;
                parent.split_bin = c.bin;
                parent.default_left = c.default_left;
                parent.loss_change = c.loss_change;
                tree[left_id].parent = tree[left_id + 1].parent = n.id;
                open_node a{left_id, n.begin, mid[i], {}, {}}, b{left_id + 1, mid[i], n.end, {}, {}};
                const bool left_smaller = mid[i] - n.begin <= n.end - mid[i];
                (left_smaller ? a : b).hist = take_histogram();
                (left_smaller ? b : a).hist = std::move(n.hist);  // becomes the parent minus the sibling
                next.push_back(std::move(a));
                next.push_back(std::move(b));
                small.push_back(next.size() - (left_smaller ? 2 : 1));
            }
            // Sum the smaller child of each pair from its rows and subtract it from the larger (which
            // holds the parent's sums), by (pair, feature group), larger pairs first. The last level
            // needs only its totals: one feature's bins.
            const bool last = depth + 1 == p_.max_depth;
            order_.resize(small.size());
            std::iota(order_.begin(), order_.end(), std::size_t{0});
            std::sort(order_.begin(), order_.end(), [&](std::size_t x, std::size_t y) {
                const open_node &a = next[small[x]], &b = next[small[y]];
                return a.end - a.begin > b.end - b.begin || (a.end - a.begin == b.end - b.begin && x < y);
            });
            tasks_.clear();
            for (std::size_t pair : order_) {
                if (last) {
                    const std::uint32_t f = features.front();
                    tasks_.push_back({static_cast<std::uint32_t>(pair), f / 4, static_cast<std::uint8_t>(1u << (f % 4))});
                } else {
                    for (const feature_group& fg : groups_) tasks_.push_back({static_cast<std::uint32_t>(pair), fg.group, fg.mask});
                }
            }
            pool_.run(tasks_.size(), [&](std::size_t t) {
                open_node& s = next[small[tasks_[t].node]];
                build(s.hist, &next[small[tasks_[t].node] ^ 1].hist, rows, s.begin, s.end, tasks_[t].group, tasks_[t].mask);
            });
            // A node's totals: the sum over any one feature's bins, the missing bin included.
            for (open_node& n : next)
                for (std::size_t j = offset_[features.front()]; j < offset_[features.front() + 1]; ++j) n.total += n.hist[j];
            std::swap(level, next);
        }
        return tree;
    }

private:
    struct feature_group {
        std::uint32_t group;
        std::uint8_t mask;
    };
    struct build_task {
        std::uint32_t node, group;
        std::uint8_t mask;
    };

    histogram take_histogram() {
        if (spare_.empty()) return histogram(offset_.back());
        histogram h = std::move(spare_.back());
        spare_.pop_back();
        return h;
    }
    void give_histogram(histogram&& h) {
        if (h.size() == offset_.back()) spare_.push_back(std::move(h));
    }

    // Sums the features of `mask` in packed group `group` over rows[begin, end) into `hist`, each
    // bin in row order, then (with `larger`) subtracts them from `larger`.
    void build(histogram& hist, histogram* larger, const std::vector<std::uint32_t>& rows, std::size_t begin, std::size_t end,
               std::uint32_t group, std::uint8_t mask) const noexcept {
        const std::uint32_t* col = data_.packed.data() + static_cast<std::size_t>(group) * data_.rows;
        const std::uint32_t* row = rows.data();
        const float_pair* gh = ordered_.data();
        grad_pair* slot[4] = {};
        for (std::size_t j = 0; j < 4; ++j) {
            if (!(mask >> j & 1u)) continue;
            const std::size_t f = 4 * group + j;
            slot[j] = hist.data() + offset_[f];
            std::fill(slot[j], hist.data() + offset_[f + 1], grad_pair{});
        }
        if (mask == 0xF) {  // four histograms, four independent chains of adds
            grad_pair *h0 = slot[0], *h1 = slot[1], *h2 = slot[2], *h3 = slot[3];
            for (std::size_t i = begin; i < end; ++i) {
                const std::uint32_t w = col[row[i]];
                const double g = gh[i].g, h = gh[i].h;
                h0[w & 0xFF].g += g;
                h0[w & 0xFF].h += h;
                h1[w >> 8 & 0xFF].g += g;
                h1[w >> 8 & 0xFF].h += h;
                h2[w >> 16 & 0xFF].g += g;
                h2[w >> 16 & 0xFF].h += h;
                h3[w >> 24].g += g;
                h3[w >> 24].h += h;
            }
        } else {
            for (std::size_t j = 0; j < 4; ++j) {
                if (!(mask >> j & 1u)) continue;
                grad_pair* hj = slot[j];
                const unsigned shift = static_cast<unsigned>(8 * j);
                for (std::size_t i = begin; i < end; ++i) {
                    grad_pair& s = hj[col[row[i]] >> shift & 0xFF];
                    s.g += gh[i].g;
                    s.h += gh[i].h;
                }
            }
        }
        if (larger == nullptr) return;
        for (std::size_t j = 0; j < 4; ++j) {
            if (!(mask >> j & 1u)) continue;
            const std::size_t f = 4 * group + j;
            for (std::size_t k = offset_[f]; k < offset_[f + 1]; ++k) {
                (*larger)[k].g -= hist[k].g;
                (*larger)[k].h -= hist[k].h;
            }
        }
    }

    const gbdt_params& p_;
    thread_pool& pool_;
    const binned_matrix& data_;
    std::vector<std::size_t> offset_;  // per feature, into a histogram
    std::vector<float_pair> ordered_;
    std::vector<std::uint32_t> scratch_;
    std::vector<histogram> spare_;  // histograms of finished nodes, for the next ones
    std::vector<feature_group> groups_;
    std::vector<build_task> tasks_;
    std::vector<std::size_t> order_;
};

inline std::uint32_t leaf_of(const std::vector<grow_node>& tree, const binned_matrix& data, std::size_t r) noexcept {
    std::uint32_t n = 0;
    while (tree[n].left >= 0) {
        const grow_node& t = tree[n];
        const std::uint8_t b = data.bin(t.feature, r);
        const bool left = b == missing_bin ? t.default_left : b <= t.split_bin;
        n = static_cast<std::uint32_t>(left ? t.left : t.right);
    }
    return n;
}

}  // namespace detail::gbdt

/// Trains on the rows of `x` with labels `y` (logistic: 0/1; softmax: 0..num_classes-1; squared
/// error: any finite value). With a validation set, its loss is recorded every round, and with
/// early_stopping_rounds the model keeps the rounds up to the best.
template <row_matrix M, row_matrix V = M>
[[nodiscard]] result<gbdt_model> train_gbdt(const M& x, std::span<const double> y, const gbdt_params& p,
                                            const V* valid_x = nullptr, std::span<const double> valid_y = {}) {
    using namespace detail::gbdt;
    const auto n = static_cast<std::size_t>(x.rows());
    const auto d = static_cast<std::size_t>(x.cols());
    auto invalid = [](std::string what) { return error(errc::invalid_argument, "train_gbdt: " + what); };
    if (n == 0 || d == 0) return invalid("no rows or no features");
    if (y.size() != n) return invalid(fmt::format("{} labels for {} rows", y.size(), n));
    if (valid_x != nullptr && (static_cast<std::size_t>(valid_x->rows()) != valid_y.size() || static_cast<std::size_t>(valid_x->cols()) != d))
        return invalid("the validation set's shape does not match");
    const bool softmax = p.loss == gbdt_loss::softmax;
    const std::size_t k = softmax ? p.num_classes : 1;
    if (softmax && (p.num_classes < 2 || p.num_classes > 1024)) return invalid("softmax needs 2 to 1024 classes");
    if (p.max_depth < 1 || p.max_depth > 20) return invalid("max_depth must be 1 to 20");
    if (!(p.learning_rate > 0) || !(p.lambda >= 0) || !(p.alpha >= 0) || !(p.gamma >= 0) || !(p.min_child_weight >= 0))
        return invalid("learning_rate must be positive; lambda, alpha, gamma, min_child_weight not negative");
    if (!(p.subsample > 0 && p.subsample <= 1) || !(p.colsample_bytree > 0 && p.colsample_bytree <= 1))
        return invalid("subsample and colsample_bytree must be in (0, 1]");
    if (p.max_bins < 2 || p.max_bins > 256) return invalid("max_bins must be 2 to 256");
    const std::size_t classes = softmax ? k : p.loss == gbdt_loss::logistic ? 2 : 0;
    if (!p.class_weights.empty() && p.class_weights.size() != classes)
        return invalid(fmt::format("{} class weights for {} classes", p.class_weights.size(), classes));
    if (!p.feature_names.empty() && p.feature_names.size() != d)
        return invalid(fmt::format("{} feature names for {} features", p.feature_names.size(), d));
    if (p.loss == gbdt_loss::logistic && !(p.base_score > 0 && p.base_score < 1)) return invalid("base_score must be in (0, 1)");
    auto check_labels = [&](std::span<const double> labels, const char* which) -> result<void> {
        for (std::size_t i = 0; i < labels.size(); ++i) {
            const double v = labels[i];
            const bool ok = classes == 0 ? std::isfinite(v) : v >= 0 && v < static_cast<double>(classes) && v == std::floor(v);
            if (!ok) return invalid(fmt::format("{} label {} at row {} is not {}", which, v, i,
                                                classes == 0 ? "finite" : fmt::format("a class 0..{}", classes - 1)));
        }
        return {};
    };
    if (auto r = check_labels(y, "training"); !r) return r.error();
    if (auto r = check_labels(valid_y, "validation"); !r) return r.error();

    const unsigned threads = p.threads ? p.threads : std::max(1u, std::thread::hardware_concurrency());
    thread_pool pool(threads);
    const binned_matrix data = bin_matrix(x, p.max_bins - 1, pool);
    std::optional<binned_matrix> valid;
    if (valid_x != nullptr) valid = bin_like(*valid_x, data);

    gbdt_model model;
    model.loss = p.loss;
    model.num_classes = k;
    model.num_features = d;
    model.base_score = static_cast<float>(p.base_score);
    model.feature_names = p.feature_names;
    const float base_margin = p.loss == gbdt_loss::logistic ? -std::log(1.0f / model.base_score - 1.0f) : model.base_score;

    std::vector<double> margin(n * k, base_margin), valid_margin(valid ? valid->rows * k : 0, base_margin);
    std::vector<float> grad(n * k), hess(n * k);
    std::vector<double> row_weight(n, 1.0);
    if (!p.class_weights.empty())
        for (std::size_t i = 0; i < n; ++i) row_weight[i] = p.class_weights[static_cast<std::size_t>(y[i])];

    std::mt19937_64 rng(p.seed);
    trainer grower(p, pool, data);
    std::vector<leaf_rows> leaves;
    std::vector<std::uint32_t> tree_rows;
    std::vector<std::uint32_t> rows, features(d);
    std::iota(features.begin(), features.end(), 0u);
    const std::size_t chunk = 4096, chunks = (n + chunk - 1) / chunk;
    double best_loss = std::numeric_limits<double>::infinity();
    std::size_t best_round = 0;

    for (std::size_t round = 0; round < p.rounds; ++round) {
        // Gradients and hessians of the loss at the current margins, as XGBoost's objectives.
        pool.run(chunks, [&](std::size_t c) {
            for (std::size_t i = c * chunk; i < std::min(n, (c + 1) * chunk); ++i) {
                const double w = row_weight[i];
                if (p.loss == gbdt_loss::logistic) {
                    const double pr = 1.0 / (1.0 + std::exp(-margin[i]));
                    grad[i] = static_cast<float>((pr - y[i]) * w);
                    hess[i] = static_cast<float>(std::max(pr * (1.0 - pr), 1e-16) * w);
                } else if (p.loss == gbdt_loss::squared_error) {
                    grad[i] = static_cast<float>((margin[i] - y[i]) * w);
                    hess[i] = static_cast<float>(w);
                } else {
                    const double* m = margin.data() + i * k;
                    const double top = *std::max_element(m, m + k);
                    double sum = 0;
                    for (std::size_t j = 0; j < k; ++j) sum += std::exp(m[j] - top);
                    for (std::size_t j = 0; j < k; ++j) {
                        const double pr = std::exp(m[j] - top) / sum;
                        grad[j * n + i] = static_cast<float>((pr - (static_cast<std::size_t>(y[i]) == j ? 1.0 : 0.0)) * w);
                        hess[j * n + i] = static_cast<float>(std::max(2.0 * pr * (1.0 - pr), 1e-16) * w);
                    }
                }
            }
        });
        // Rows and features for this round's trees.
        rows.clear();
        std::uniform_real_distribution<double> coin(0.0, 1.0);
        for (std::uint32_t i = 0; i < n; ++i)
            if (p.subsample >= 1 || coin(rng) < p.subsample) rows.push_back(i);
        if (rows.empty()) rows.push_back(0);
        std::vector<std::uint32_t> round_features = features;
        if (p.colsample_bytree < 1) {
            std::shuffle(round_features.begin(), round_features.end(), rng);
            round_features.resize(std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(p.colsample_bytree * static_cast<double>(d)))));
            std::sort(round_features.begin(), round_features.end());
        }
        for (std::size_t j = 0; j < k; ++j) {
            tree_rows.assign(rows.begin(), rows.end());
            const std::span<const float> g(grad.data() + j * (softmax ? n : 0), n), h(hess.data() + j * (softmax ? n : 0), n);
            const auto grown = grower.grow(tree_rows, g, h, round_features, leaves);
            // Margins move by the new leaves' values, kept in float as the saved model has them.
            gbdt_tree t;
            t.group = static_cast<std::uint32_t>(j);
            for (const grow_node& gn : grown) {
                const bool leaf = gn.left < 0;
                t.left.push_back(leaf ? -1 : gn.left);
                t.right.push_back(leaf ? -1 : gn.right);
                t.parent.push_back(gn.parent);
                t.feature.push_back(leaf ? 0 : gn.feature);
                t.condition.push_back(leaf ? static_cast<float>(gn.weight * p.learning_rate) : data.cuts[gn.feature][gn.split_bin]);
                t.default_left.push_back(leaf ? 0 : gn.default_left);
                t.loss_change.push_back(static_cast<float>(gn.loss_change));
                t.sum_hessian.push_back(static_cast<float>(gn.hessian));
                t.base_weight.push_back(static_cast<float>(gn.weight));
            }
            if (tree_rows.size() == n) {  // every row is in some leaf's range: no need to walk the tree
                pool.run(leaves.size(), [&](std::size_t l) {
                    const float v = t.condition[static_cast<std::size_t>(leaves[l].id)];
                    for (std::size_t i = leaves[l].begin; i < leaves[l].end; ++i) margin[tree_rows[i] * k + j] += v;
                });
            } else {
                pool.run(chunks, [&](std::size_t c) {
                    for (std::size_t i = c * chunk; i < std::min(n, (c + 1) * chunk); ++i)
                        margin[i * k + j] += t.condition[leaf_of(grown, data, i)];
                });
            }
            if (valid)
                for (std::size_t i = 0; i < valid->rows; ++i) valid_margin[i * k + j] += t.condition[leaf_of(grown, *valid, i)];
            model.trees.push_back(std::move(t));
        }
        if (!valid) continue;
        double loss = 0;
        for (std::size_t i = 0; i < valid->rows; ++i) {
            const double* m = valid_margin.data() + i * k;
            if (p.loss == gbdt_loss::logistic) {
                const double pr = std::clamp(1.0 / (1.0 + std::exp(-m[0])), 1e-16, 1 - 1e-16);
                loss -= valid_y[i] == 1 ? std::log(pr) : std::log(1 - pr);
            } else if (p.loss == gbdt_loss::squared_error) {
                loss += (m[0] - valid_y[i]) * (m[0] - valid_y[i]);
            } else {
                const double top = *std::max_element(m, m + k);
                double sum = 0;
                for (std::size_t j = 0; j < k; ++j) sum += std::exp(m[j] - top);
                loss -= std::max(m[static_cast<std::size_t>(valid_y[i])] - top - std::log(sum), std::log(1e-16));
            }
        }
        loss /= static_cast<double>(std::max<std::size_t>(1, valid->rows));
        if (p.loss == gbdt_loss::squared_error) loss = std::sqrt(loss);
        model.validation_loss.push_back(loss);
        if (loss < best_loss) {
            best_loss = loss;
            best_round = round;
        } else if (p.early_stopping_rounds > 0 && round - best_round >= p.early_stopping_rounds) {
            break;
        }
    }
    model.best_round = valid ? best_round : (p.rounds ? p.rounds - 1 : 0);
    if (valid && p.early_stopping_rounds > 0) model.trees.resize(std::min(model.trees.size(), (best_round + 1) * k));
    return model;
}

}  // namespace pktdyn
