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
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
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
        pos_ = end + 1;
        ++number_;
        return true;
    }
    [[nodiscard]] std::size_t number() const noexcept { return number_; }

private:
    std::string_view text_;
    std::size_t pos_ = 0, number_ = 0;
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
};
inline constexpr objective_rule objectives[] = {
    {"binary", output_transform::logistic},        {"cross_entropy", output_transform::logistic},
    {"xentropy", output_transform::logistic},      {"multiclass", output_transform::softmax},
    {"softmax", output_transform::softmax},        {"multiclassova", output_transform::logistic},
    {"multiclass_ova", output_transform::logistic}, {"ova", output_transform::logistic},
    {"ovr", output_transform::logistic},           {"regression", output_transform::identity},
    {"regression_l2", output_transform::identity}, {"regression_l1", output_transform::identity},
    {"l2", output_transform::identity},            {"l1", output_transform::identity},
    {"mse", output_transform::identity},           {"mae", output_transform::identity},
    {"huber", output_transform::identity},         {"fair", output_transform::identity},
    {"quantile", output_transform::identity},      {"mape", output_transform::identity},
    {"lambdarank", output_transform::identity},    {"rank_xendcg", output_transform::identity},
    {"poisson", output_transform::exponential},    {"gamma", output_transform::exponential},
    {"tweedie", output_transform::exponential},    {"custom", output_transform::identity},
};

// One "Tree=" block's arrays.
struct tree_text {
    std::size_t index = 0, line = 0;
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
    auto bad = [&](std::string what) {
        return error(errc::corrupt, fmt::format("{}: LightGBM model, line {}: {}", source, in.number(), what));
    };
    auto unsupported = [&](std::string what) {
        return error(errc::unsupported, fmt::format("{}: LightGBM model: {}", source, what));
    };
    std::string_view line;
    if (!in.next(line) || line != "tree") return bad("expected 'tree' on the first line (not a LightGBM text model)");

    // The header, up to the first tree.
    long num_class = 1, per_iteration = 1, max_feature = -1;
    bool average_output = false, header_done = false;
    std::string objective = "custom";
    double sigmoid = 1;
    std::vector<std::string> names;
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
        if (kv->key == "num_class" && !integer(kv->value, num_class)) return bad("num_class is not an integer");
        if (kv->key == "num_tree_per_iteration" && !integer(kv->value, per_iteration))
            return bad("num_tree_per_iteration is not an integer");
        if (kv->key == "max_feature_idx" && !integer(kv->value, max_feature)) return bad("max_feature_idx is not an integer");
        if (kv->key == "objective") objective = std::string(kv->value);
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
    if (max_feature < 0 || max_feature >= (1L << 24)) return bad("max_feature_idx missing or out of range");
    if (num_class < 1 || num_class > 65536 || per_iteration < 1 || per_iteration > 65536)
        return bad(fmt::format("num_class {} / num_tree_per_iteration {} out of range", num_class, per_iteration));
    const auto features = static_cast<std::size_t>(max_feature) + 1;
    const auto outputs = static_cast<std::size_t>(per_iteration);
    if (!names.empty() && names.size() != features)
        return bad(fmt::format("{} feature names for max_feature_idx {}", names.size(), max_feature));

    // "binary sigmoid:1", "multiclass num_class:3", "regression", ...
    const std::string_view objective_name = std::string_view(objective).substr(0, objective.find(' '));
    const objective_rule* rule = nullptr;
    for (const objective_rule& o : objectives)
        if (o.name == objective_name) rule = &o;
    if (rule == nullptr) return unsupported(fmt::format("objective '{}' is not supported", objective));
    for (std::size_t i = objective.find(' '); i != std::string::npos; i = objective.find(' ', i + 1)) {
        const std::string_view option = std::string_view(objective).substr(i + 1, objective.find(' ', i + 1) - i - 1);
        if (option == "sqrt") return unsupported("'regression sqrt' (a transformed label) is not supported");
        if (option.starts_with("sigmoid:")) {
            const auto v = option.substr(8);
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), sigmoid);
            if (ec != std::errc{} || end != v.data() + v.size() || !(sigmoid > 0)) return bad("objective's sigmoid is not a positive number");
        }
    }
    if (rule->transform == output_transform::softmax && (outputs < 2 || static_cast<long>(outputs) != num_class))
        return bad(fmt::format("objective {} with num_class {} and num_tree_per_iteration {}", objective, num_class, per_iteration));

    forest_builder builder(model_format::lightgbm, features, outputs);
    builder.transform(rule->transform, sigmoid).feature_names(std::move(names));

    // The trees: each a "Tree=i" line followed by key=value lines up to a blank line.
    std::vector<tree_text> trees;
    bool at_tree = header_done;
    while (at_tree) {
        tree_text t;
        t.index = trees.size();
        t.line = in.number();
        at_tree = false;
        while (in.next(line)) {
            if (line.starts_with("Tree=")) { at_tree = true; break; }
            if (line == "end of trees") break;
            const auto kv = split_key(line);
            if (!kv) continue;
            const auto& [key, value] = *kv;
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
        trees.push_back(std::move(t));
    }
    if (trees.empty()) return bad("no trees");
    if (trees.size() % outputs != 0)
        return bad(fmt::format("{} trees is not a whole number of iterations of {} trees", trees.size(), outputs));
    if (average_output) builder.average_over(static_cast<double>(trees.size() / outputs));

    std::vector<tree_node> nodes;
    for (const tree_text& t : trees) {
        const auto where = [&](std::string what) {
            return error(errc::corrupt, fmt::format("{}: LightGBM model: tree {} (line {}): {}", source, t.index, t.line, what));
        };
        if (t.linear) return unsupported(fmt::format("tree {} is a linear tree", t.index));
        if (t.num_leaves < 1 || t.num_leaves > (1L << 24)) return where("num_leaves missing or out of range");
        const auto leaves = static_cast<std::size_t>(t.num_leaves), splits = leaves - 1;
        if (t.leaf_value.size() != leaves) return where(fmt::format("{} leaf values for {} leaves", t.leaf_value.size(), leaves));
        nodes.assign(splits + leaves, tree_node{});
        // pktdyn's node list: splits 0..splits-1 as LightGBM numbers them, then leaf i at splits + i.
        for (std::size_t i = 0; i < leaves; ++i) nodes[splits + i].value = t.leaf_value[i];
        if (splits > 0) {
            for (const auto* v : {&t.split_feature, &t.left_child, &t.right_child, &t.decision_type})
                if (v->size() != splits) return where(fmt::format("node arrays hold {} values for {} splits", v->size(), splits));
            if (t.threshold.size() != splits) return where(fmt::format("{} thresholds for {} splits", t.threshold.size(), splits));
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
        if (auto e = builder.add_tree(nodes, t.index % outputs, fmt::format("{}: LightGBM model: tree {}", source, t.index)))
            return *e;
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
