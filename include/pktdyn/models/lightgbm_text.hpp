// pktdyn — loads LightGBM models saved as text (`Booster.save_model("model.txt")`, format v2–v4).
//
// Supported: objectives binary, cross_entropy (sigmoid), multiclass (softmax), multiclassova
// (sigmoid per class), the regression family, lambdarank / rank_xendcg (raw scores), poisson /
// gamma / tweedie (exp), and `average_output` (random-forest mode); numerical splits with their
// decision_type bits — default_left, and missing type None (NaN is read as 0), Zero (|x| <= 1e-35
// and NaN take the default side) or NaN (NaN takes the default side) — compared as `x <= t` in
// double; categorical splits (the bitset's categories go left; negative values, values beyond int
// and NaN go right, as LightGBM does on x86). Refused with a message: linear trees, `sqrt`
// regression, unknown objectives, and any structural fault (lengths that disagree, children out
// of range, cycles, bad category bitsets).
//
// The text is held to what its header promises, so that a damaged file is refused rather than
// scored: num_class and num_tree_per_iteration agree with the objective (multiclass: num_class >= 2
// trees per iteration; every other objective: 1); trees are numbered Tree=0, 1, ... once each, and
// their count is a whole number of iterations; every tree has num_leaves, num_cat and leaf_value
// and arrays as long as num_leaves says; the text goes on to "end of trees" (LightGBM always writes
// it; without it the file was cut); and `tree_sizes`, when present, gives each tree's byte length
// as LightGBM counts it (from its "Tree=" line up to the next tree or "end of trees", blank lines
// included; LightGBM seeks to each tree by these sums). Each message names the line.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/capture/mapped_file.hpp"
#include "pktdyn/core/result.hpp"
#include "pktdyn/models/forest.hpp"

namespace pktdyn {

namespace detail::lgbm {

// The text as numbered `key=value` lines.
class lines {
public:
    explicit lines(std::string_view text) : text_(text) {}

    // The next line without its end (\n or \r\n); false at the end of the text.
    bool next(std::string_view& line) {
        if (pos_ >= text_.size()) return false;
        const std::size_t end = std::min(text_.find('\n', pos_), text_.size());
        line = text_.substr(pos_, end - pos_);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        start_ = pos_;
        pos_ = end + 1;
        ++number_;
        return true;
    }
    [[nodiscard]] std::size_t number() const noexcept { return number_; }
    /// The byte offset of the line `next` returned last.
    [[nodiscard]] std::size_t offset() const noexcept { return start_; }

private:
    std::string_view text_;
    std::size_t pos_ = 0, start_ = 0, number_ = 0;
};

struct key_value {
    std::string_view key, value;
};
inline std::optional<key_value> split_key(std::string_view line) {
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    return key_value{line.substr(0, eq), line.substr(eq + 1)};
}

// Space-separated numbers; false if any is not a number.
template <class T>
bool parse_list(std::string_view text, std::vector<T>& out) {
    out.clear();
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') ++i;
        if (i == text.size()) break;
        std::size_t j = i;
        while (j < text.size() && text[j] != ' ') ++j;
        T v{};
        const auto [end, ec] = std::from_chars(text.data() + i, text.data() + j, v);
        if (ec != std::errc{} || end != text.data() + j) return false;
        out.push_back(v);
        i = j;
    }
    return true;
}

struct objective_rule {
    std::string_view name;
    output_transform transform;
    bool multiclass = false;  ///< one tree per class per iteration, num_class >= 2
};
inline constexpr objective_rule objectives[] = {
    {"binary", output_transform::logistic},        {"cross_entropy", output_transform::logistic},
    {"xentropy", output_transform::logistic},      {"multiclass", output_transform::softmax, true},
    {"softmax", output_transform::softmax, true},        {"multiclassova", output_transform::logistic, true},
    {"multiclass_ova", output_transform::logistic, true}, {"ova", output_transform::logistic, true},
    {"ovr", output_transform::logistic, true},           {"regression", output_transform::identity},
    {"regression_l2", output_transform::identity}, {"regression_l1", output_transform::identity},
    {"l2", output_transform::identity},            {"l1", output_transform::identity},
    {"mse", output_transform::identity},           {"mae", output_transform::identity},
    {"huber", output_transform::identity},         {"fair", output_transform::identity},
    {"quantile", output_transform::identity},      {"mape", output_transform::identity},
    {"lambdarank", output_transform::identity},    {"rank_xendcg", output_transform::identity},
    {"poisson", output_transform::exponential},    {"gamma", output_transform::exponential},
    {"tweedie", output_transform::exponential},    {"custom", output_transform::identity},
};

// One "Tree=" block's arrays, where it starts, and its size as tree_sizes counts it.
struct tree_text {
    std::size_t index = 0, line = 0, offset = 0, bytes = 0, crs = 0;
    std::string_view missing;  ///< a key every tree has, absent from this one
    long num_leaves = -1, num_cat = 0;
    std::vector<int> split_feature, left_child, right_child, decision_type, cat_boundaries;
    std::vector<double> threshold, leaf_value;
    std::vector<std::uint32_t> cat_threshold;
    bool linear = false;
};

}  // namespace detail::lgbm

/// Loads a LightGBM text model from its text. `source` names it in messages.
[[nodiscard]] inline result<forest> load_lightgbm_text(std::string_view text, std::string_view source = "model") {
    using namespace detail::lgbm;
    lines in(text);
    auto bad_at = [&](std::size_t line, std::string what) {
        return error(errc::corrupt, fmt::format("{}: LightGBM model, line {}: {}", source, line, what));
    };
    auto bad = [&](std::string what) { return bad_at(in.number(), std::move(what)); };
    auto unsupported = [&](std::string what) {
        return error(errc::unsupported, fmt::format("{}: LightGBM model: {}", source, what));
    };
    std::string_view line;
    if (!in.next(line) || line != "tree") return bad("expected 'tree' on the first line (not a LightGBM text model)");

    // The header, up to the first tree. Each key pktdyn reads is remembered with its line, for
    // messages and to refuse a key given twice.
    long num_class = 1, per_iteration = 1, max_feature = -1;
    bool average_output = false, header_done = false;
    std::string objective = "custom";
    double sigmoid = 1;
    std::vector<std::string> names;
    std::vector<std::size_t> tree_sizes;
    std::size_t num_class_line = 0, per_iteration_line = 0, max_feature_line = 0, objective_line = 0, names_line = 0,
                tree_sizes_line = 0;
    auto integer = [](std::string_view v, long& out) {
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
        return ec == std::errc{} && end == v.data() + v.size();
    };
    while (!header_done && in.next(line)) {
        if (line.starts_with("Tree=")) { header_done = true; break; }
        if (line == "average_output") { average_output = true; continue; }
        if (line == "end of trees") break;
        const auto kv = split_key(line);
        if (!kv) continue;  // blank lines and flags pktdyn does not need
        std::size_t* seen = kv->key == "num_class"                ? &num_class_line
                            : kv->key == "num_tree_per_iteration" ? &per_iteration_line
                            : kv->key == "max_feature_idx"        ? &max_feature_line
                            : kv->key == "objective"              ? &objective_line
                            : kv->key == "feature_names"          ? &names_line
                            : kv->key == "tree_sizes"             ? &tree_sizes_line
                                                                  : nullptr;
        if (seen == nullptr) continue;
        if (*seen != 0) return bad(fmt::format("'{}' a second time (first on line {}): expected each header key once", kv->key, *seen));
        *seen = in.number();
        if (kv->key == "num_class" && !integer(kv->value, num_class)) return bad("num_class is not an integer");
        if (kv->key == "num_tree_per_iteration" && !integer(kv->value, per_iteration))
            return bad("num_tree_per_iteration is not an integer");
        if (kv->key == "max_feature_idx" && !integer(kv->value, max_feature)) return bad("max_feature_idx is not an integer");
        if (kv->key == "objective") objective = std::string(kv->value);
        if (kv->key == "tree_sizes" && !parse_list(kv->value, tree_sizes))
            return bad(fmt::format("tree_sizes '{}' is not a list of byte counts", kv->value.substr(0, 40)));
        if (kv->key == "feature_names") {
            names.clear();
            std::size_t i = 0;
            const std::string_view v = kv->value;
            while (i < v.size()) {
                const std::size_t j = std::min(v.find(' ', i), v.size());
                if (j > i) names.emplace_back(v.substr(i, j - i));
                i = j + 1;
            }
        }
    }
    const std::size_t header_end = in.number();
    if (num_class_line == 0)
        return bad_at(header_end, "the header ends without num_class (LightGBM writes it in every model, and refuses one without)");
    // As LightGBM: without num_tree_per_iteration, one tree per class per iteration.
    if (per_iteration_line == 0) per_iteration = num_class;
    if (max_feature < 0 || max_feature >= (1L << 24))
        return bad_at(max_feature_line != 0 ? max_feature_line : header_end, "max_feature_idx missing or out of range");
    if (num_class < 1 || num_class > 65536 || per_iteration < 1 || per_iteration > 65536)
        return bad_at(num_class_line, fmt::format("num_class {} / num_tree_per_iteration {} out of range", num_class, per_iteration));
    const auto features = static_cast<std::size_t>(max_feature) + 1;
    const auto outputs = static_cast<std::size_t>(per_iteration);
    if (!names.empty() && names.size() != features)
        return bad_at(names_line, fmt::format("{} feature names for max_feature_idx {}", names.size(), max_feature));
    if (const auto twice = pktdyn::detail::first_repeat(std::span<const std::string>(names)))
        return bad_at(names_line, fmt::format("feature_names holds '{}' twice (features {} and {}): expected each name once",
                                              names[twice->first], twice->first, twice->second));

    // "binary sigmoid:1", "multiclass num_class:3", "regression", ...
    const std::string_view objective_name = std::string_view(objective).substr(0, objective.find(' '));
    const objective_rule* rule = nullptr;
    for (const objective_rule& o : objectives)
        if (o.name == objective_name) rule = &o;
    if (rule == nullptr) return unsupported(fmt::format("objective '{}' is not supported", objective));
    long objective_classes = 0;  // the objective's own num_class:K, when it carries one
    for (std::size_t i = objective.find(' '); i != std::string::npos; i = objective.find(' ', i + 1)) {
        const std::string_view option = std::string_view(objective).substr(i + 1, objective.find(' ', i + 1) - i - 1);
        if (option == "sqrt") return unsupported("'regression sqrt' (a transformed label) is not supported");
        if (option.starts_with("sigmoid:")) {
            const auto v = option.substr(8);
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), sigmoid);
            if (ec != std::errc{} || end != v.data() + v.size() || !(sigmoid > 0))
                return bad_at(objective_line, "objective's sigmoid is not a positive number");
        }
        if (option.starts_with("num_class:") && !integer(option.substr(10), objective_classes))
            return bad_at(objective_line, fmt::format("objective's '{}' is not an integer", option));
    }
    // What the objective promises about the outputs. LightGBM's multiclass objectives grow one tree
    // per class per iteration; every other objective one tree with num_class=1. Without an
    // objective (a custom one in Python), the header alone says.
    const std::string objective_at = objective_line != 0 ? fmt::format("the objective '{}' (line {})", objective, objective_line)
                                                         : std::string("a model without an objective");
    if (rule->multiclass) {
        if (num_class < 2)
            return bad_at(num_class_line, fmt::format("num_class={} contradicts {}: a multiclass objective needs num_class 2 "
                                                      "or more", num_class, objective_at));
        if (objective_classes != 0 && objective_classes != num_class)
            return bad_at(objective_line, fmt::format("the objective '{}' says num_class:{}, but num_class={} (line {})", objective,
                                                      objective_classes, num_class, num_class_line));
    } else if (objective_line != 0 && num_class != 1) {
        return bad_at(num_class_line, fmt::format("num_class={} contradicts {}, which has one output: expected num_class=1",
                                                  num_class, objective_at));
    }
    if (per_iteration != num_class)
        return bad_at(per_iteration_line, fmt::format("num_tree_per_iteration={} contradicts num_class={} (line {}) and {}: "
                                                      "expected num_tree_per_iteration={}, one tree per class per iteration",
                                                      per_iteration, num_class, num_class_line, objective_at, num_class));

    forest_builder builder(model_format::lightgbm, features, outputs);
    builder.transform(rule->transform, sigmoid).feature_names(std::move(names));

    // The trees: each "Tree=i" (i counting from 0) followed by key=value lines up to a blank line,
    // then blank lines up to the next tree or "end of trees", which LightGBM always writes: a text
    // that ends without it was cut short.
    std::vector<tree_text> trees;
    bool at_tree = header_done, ended = false;
    while (at_tree) {
        tree_text t;
        t.index = trees.size();
        t.line = in.number();
        t.offset = in.offset();
        long number = -1;
        if (!integer(line.substr(5), number) || number != static_cast<long>(t.index)) {
            for (const tree_text& earlier : trees)
                if (number == static_cast<long>(earlier.index))
                    return bad(fmt::format("Tree={} a second time (first on line {}): expected Tree={}", number, earlier.line, t.index));
            return bad(fmt::format("'{}': expected Tree={} (trees are numbered from 0, in order)", line.substr(0, 40), t.index));
        }
        at_tree = false;
        bool keys_done = false;  // the blank line after the keys was seen
        std::vector<std::pair<std::string_view, std::size_t>> keys;
        while (in.next(line)) {
            if (line.starts_with("Tree=")) { at_tree = true; break; }
            if (line == "end of trees") { ended = true; break; }
            if (line.empty()) { keys_done = !keys.empty() || keys_done; continue; }
            if (keys_done)
                return bad(fmt::format("'{}' after the blank line that ends tree {}: expected 'Tree={}' or 'end of trees'",
                                       line.substr(0, 40), t.index, t.index + 1));
            const auto kv = split_key(line);
            if (!kv) return bad(fmt::format("tree {}: '{}' is not a key=value line", t.index, line.substr(0, 40)));
            const auto& [key, value] = *kv;
            for (const auto& [k, at] : keys)
                if (k == key) return bad(fmt::format("tree {}: '{}' a second time (first on line {})", t.index, key, at));
            keys.emplace_back(key, in.number());
            bool ok = true;
            if (key == "num_leaves") ok = integer(value, t.num_leaves);
            else if (key == "num_cat") ok = integer(value, t.num_cat);
            else if (key == "split_feature") ok = parse_list(value, t.split_feature);
            else if (key == "threshold") ok = parse_list(value, t.threshold);
            else if (key == "decision_type") ok = parse_list(value, t.decision_type);
            else if (key == "left_child") ok = parse_list(value, t.left_child);
            else if (key == "right_child") ok = parse_list(value, t.right_child);
            else if (key == "leaf_value") ok = parse_list(value, t.leaf_value);
            else if (key == "cat_boundaries") ok = parse_list(value, t.cat_boundaries);
            else if (key == "cat_threshold") ok = parse_list(value, t.cat_threshold);
            else if (key == "is_linear") t.linear = value != "0";
            if (!ok) return bad(fmt::format("tree {}: '{}' is not a list of numbers", t.index, key));
        }
        // The tree's bytes as tree_sizes counts them: from its "Tree=" line to the next tree's, or to
        // "end of trees"; a checkout that made the line ends \r\n also counts each as one byte.
        const std::size_t block_end = at_tree || ended ? in.offset() : text.size();
        const std::string_view block = text.substr(t.offset, block_end - t.offset);
        t.bytes = block.size();
        for (std::size_t at = block.find("\r\n"); at != std::string_view::npos; at = block.find("\r\n", at + 2)) ++t.crs;
        for (const char* required : {"num_leaves", "num_cat", "leaf_value"})
            if (t.missing.empty() && std::none_of(keys.begin(), keys.end(), [&](const auto& k) { return k.first == required; }))
                t.missing = required;
        trees.push_back(std::move(t));
    }
    if (trees.empty()) return bad("no trees: expected a 'Tree=0' line after the header");
    if (!ended)
        return bad(fmt::format("the text ends inside tree {} (Tree={} on line {}): expected 'end of trees' after the last tree "
                               "(the model is cut short)", trees.back().index, trees.back().index, trees.back().line));
    if (trees.size() % outputs != 0)
        return bad_at(per_iteration_line != 0 ? per_iteration_line : num_class_line,
                      fmt::format("{} trees is not a whole number of iterations of {} trees", trees.size(), outputs));
    if (tree_sizes_line != 0 && tree_sizes.size() != trees.size())
        return bad_at(tree_sizes_line, fmt::format("tree_sizes lists {} sizes, but the model holds {} trees (Tree= lines)",
                                                   tree_sizes.size(), trees.size()));
    if (average_output) builder.average_over(static_cast<double>(trees.size() / outputs));

    std::vector<tree_node> nodes;
    for (const tree_text& t : trees) {
        const auto where = [&](std::string what) {
            return error(errc::corrupt, fmt::format("{}: LightGBM model: tree {} (line {}): {}", source, t.index, t.line, what));
        };
        if (!t.missing.empty())
            return where(fmt::format("no '{}' line: LightGBM writes num_leaves, num_cat and leaf_value in every tree (cut short?)",
                                     t.missing));
        if (t.linear) return unsupported(fmt::format("tree {} is a linear tree", t.index));
        if (t.num_leaves < 1 || t.num_leaves > (1L << 24)) return where("num_leaves missing or out of range");
        const auto leaves = static_cast<std::size_t>(t.num_leaves), splits = leaves - 1;
        if (t.leaf_value.size() != leaves)
            return where(fmt::format("{} leaf values for {} leaves (num_leaves={})", t.leaf_value.size(), leaves, leaves));
        nodes.assign(splits + leaves, tree_node{});
        // pktdyn's node list: splits 0..splits-1 as LightGBM numbers them, then leaf i at splits + i.
        for (std::size_t i = 0; i < leaves; ++i) nodes[splits + i].value = t.leaf_value[i];
        if (splits > 0) {
            const std::pair<std::string_view, std::size_t> arrays[] = {
                {"split_feature", t.split_feature.size()}, {"threshold", t.threshold.size()},
                {"decision_type", t.decision_type.size()}, {"left_child", t.left_child.size()},
                {"right_child", t.right_child.size()}};
            for (const auto& [key, size] : arrays)
                if (size != splits)
                    return where(fmt::format("'{}' holds {} values, expected {} (one per split: num_leaves={} - 1){}", key, size,
                                             splits, leaves, size == 0 ? " (cut short?)" : ""));
            if (t.num_cat < 0 || (t.num_cat > 0 && t.cat_boundaries.size() != static_cast<std::size_t>(t.num_cat) + 1))
                return where("cat_boundaries does not hold num_cat + 1 values");
        }
        auto child = [&](int c, std::uint32_t& out) {
            const long long index = c >= 0 ? c : static_cast<long long>(splits) + ~static_cast<long long>(c);
            if (c >= 0 ? static_cast<std::size_t>(c) >= splits : static_cast<std::size_t>(~static_cast<long long>(c)) >= leaves)
                return false;
            out = static_cast<std::uint32_t>(index);
            return true;
        };
        for (std::size_t i = 0; i < splits; ++i) {
            tree_node& n = nodes[i];
            if (!child(t.left_child[i], n.left) || !child(t.right_child[i], n.right))
                return where(fmt::format("split {}: child {} or {} out of range", i, t.left_child[i], t.right_child[i]));
            if (t.split_feature[i] < 0 || static_cast<std::size_t>(t.split_feature[i]) >= features)
                return where(fmt::format("split {}: feature {} is not one of the {} features", i, t.split_feature[i], features));
            n.feature = static_cast<std::uint32_t>(t.split_feature[i]);
            const int dt = t.decision_type[i];
            if (dt < 0 || dt > 15) return where(fmt::format("split {}: decision_type {} has unknown bits", i, dt));
            const bool categorical = dt & 1, default_left = dt & 2;
            const int missing = (dt >> 2) & 3;
            if (missing == 3) return where(fmt::format("split {}: missing type 3 is not None, Zero or NaN", i));
            const double th = t.threshold[i];
            if (categorical) {
                // The threshold indexes cat_boundaries, which delimits the split's words in cat_threshold.
                if (!(th >= 0 && th < static_cast<double>(t.num_cat)) || th != static_cast<double>(static_cast<long>(th)))
                    return where(fmt::format("split {}: category set {} is not one of the {}", i, th, t.num_cat));
                const auto c = static_cast<std::size_t>(th);
                const int b0 = t.cat_boundaries[c], b1 = t.cat_boundaries[c + 1];
                if (b0 < 0 || b1 < b0 || static_cast<std::size_t>(b1) > t.cat_threshold.size())
                    return where(fmt::format("split {}: category set {} lies outside cat_threshold", i, c));
                n.type = tree_node::kind::categorical;
                n.categories.assign(t.cat_threshold.begin() + b0, t.cat_threshold.begin() + b1);
                n.set_goes_left = true;
                n.default_right = true;  // NaN goes right, whatever the missing type
                continue;
            }
            if (!std::isfinite(th)) return where(fmt::format("split {}: threshold {} is not finite", i, th));
            n.threshold = forest::threshold_for_less_equal(th);
            constexpr double zero = static_cast<double>(1e-35f);
            if (missing == 0) {  // None: NaN is read as 0
                n.type = tree_node::kind::numerical;
                n.default_right = !(0.0 <= th);
            } else if (missing == 2) {  // NaN: only NaN is missing
                n.type = tree_node::kind::numerical;
                n.default_right = !default_left;
            } else {  // Zero: the band around 0 and NaN are missing; a plain split when the band agrees
                n.default_right = !default_left;
                const bool band_agrees = default_left ? zero <= th : -zero > th;
                n.type = band_agrees ? tree_node::kind::numerical : tree_node::kind::zero_band;
            }
        }
        // The root is split 0 (or the only leaf): first in the list, as add_tree wants.
        if (auto r = builder.add_tree(nodes, t.index % outputs, fmt::format("{}: LightGBM model: tree {}", source, t.index)); !r)
            return r.error();
    }
    // Last, so that a tree whose content is wrong says so rather than that its size changed.
    for (std::size_t i = 0; i < tree_sizes.size(); ++i) {
        const tree_text& t = trees[i];
        if (tree_sizes[i] != t.bytes && tree_sizes[i] != t.bytes - t.crs)
            return bad_at(tree_sizes_line, fmt::format("tree_sizes says tree {} takes {} bytes, but Tree={} (line {}) up to {} "
                                                       "takes {} bytes", i, tree_sizes[i], i, t.line,
                                                       i + 1 < trees.size() ? fmt::format("Tree={}", i + 1) : "'end of trees'",
                                                       t.bytes));
    }
    return std::move(builder).finish();
}

/// Loads a LightGBM text model file.
[[nodiscard]] inline result<forest> load_lightgbm_text_file(const std::filesystem::path& path) {
    auto file = mapped_file::open(path);
    if (!file) return file.error();
    const auto bytes = file->bytes();
    return load_lightgbm_text(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path.string());
}

}  // namespace pktdyn
