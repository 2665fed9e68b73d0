// pktdyn — loads XGBoost models saved as JSON (`Booster.save_model("model.json")`, XGBoost ≥ 1.0).
//
// Supported: the gbtree booster with objectives binary:logistic, binary:logitraw, reg:logistic,
// reg:squarederror (and the other reg:* whose prediction is the margin), multi:softprob,
// multi:softmax, count:poisson, reg:gamma, reg:tweedie; numerical splits (`x < t` in float32,
// missing values by default_left) and categorical splits (XGBoost ≥ 1.5: the listed categories go
// right); base_score as each version writes it ("5E-1" up to 1.7, "[5E-1]" or one per class from
// 2.0), turned into a margin as the objective does. Refused, with a message saying so: dart and
// gblinear boosters, vector-leaf (multi-target) trees, unknown objectives, and any structural fault.
//
// Predictions equal XGBoost's: margins are float32 sums in tree order (see models/forest.hpp).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/capture/mapped_file.hpp"
#include "pktdyn/core/result.hpp"
#include "pktdyn/models/forest.hpp"
#include "pktdyn/core/json.hpp"

namespace pktdyn {

namespace detail::xgb {

inline error bad(std::string_view source, std::string what) {
    return error(errc::corrupt, fmt::format("{}: XGBoost model: {}", source, what));
}

// A member that must be present with the given kind.
inline result<const json::value*> member(const json::value& v, std::string_view key, json::kind k, std::string_view source,
                                         std::string_view where) {
    const json::value* m = v.is(json::kind::object) ? v.find(key) : nullptr;
    if (m == nullptr) return bad(source, fmt::format("{} has no '{}'", where, key));
    if (!m->is(k)) return bad(source, fmt::format("'{}' in {} is {}, expected {}", key, where, to_string(m->type()), to_string(k)));
    return m;
}

// XGBoost writes most scalar parameters as strings ("5E-1", "3").
inline result<double> number_in_string(const json::value& v, std::string_view key, std::string_view source) {
    const json::value* m = v.find(key);
    if (m == nullptr) return bad(source, fmt::format("learner_model_param has no '{}'", key));
    if (m->is(json::kind::number)) return m->number();
    if (!m->is(json::kind::string)) return bad(source, fmt::format("'{}' is {}, expected a string", key, to_string(m->type())));
    auto parsed = json::parse(m->string(), key);
    if (parsed && parsed->is(json::kind::number)) return parsed->number();
    return bad(source, fmt::format("'{}' is \"{}\", expected a number", key, m->string()));
}

// base_score: "5E-1" (≤ 1.7), "[5E-1]" or "[a,b,c]" (≥ 2.0).
inline result<std::vector<float>> base_scores(const json::value& param, std::size_t outputs, std::string_view source) {
    const json::value* m = param.find("base_score");
    if (m == nullptr) return std::vector<float>(outputs, 0.5f);  // XGBoost's default
    std::vector<double> values;
    if (m->is(json::kind::number)) {
        values.push_back(m->number());
    } else if (m->is(json::kind::string)) {
        auto parsed = json::parse(m->string(), "base_score");
        if (!parsed) return bad(source, fmt::format("base_score \"{}\" is not a number", m->string()));
        if (parsed->is(json::kind::number)) values.push_back(parsed->number());
        else if (parsed->all_numbers()) values = parsed->numbers();
    }
    if (values.size() == 1) values.resize(outputs, values[0]);
    if (values.size() != outputs) return bad(source, fmt::format("base_score has {} values for {} outputs", values.size(), outputs));
    return std::vector<float>(values.begin(), values.end());
}

struct objective_rule {
    std::string_view name;
    output_transform transform;
    enum class margin_of_base : std::uint8_t { same, logit, log } base;
};

inline constexpr objective_rule objectives[] = {
    {"binary:logistic", output_transform::logistic, objective_rule::margin_of_base::logit},
    {"reg:logistic", output_transform::logistic, objective_rule::margin_of_base::logit},
    {"binary:logitraw", output_transform::identity, objective_rule::margin_of_base::same},  // 1.7 keeps base_score as is,
    {"reg:squarederror", output_transform::identity, objective_rule::margin_of_base::same},
    {"reg:linear", output_transform::identity, objective_rule::margin_of_base::same},
    {"reg:squaredlogerror", output_transform::identity, objective_rule::margin_of_base::same},
    {"reg:pseudohubererror", output_transform::identity, objective_rule::margin_of_base::same},
    {"reg:absoluteerror", output_transform::identity, objective_rule::margin_of_base::same},
    {"multi:softprob", output_transform::softmax, objective_rule::margin_of_base::same},
    {"multi:softmax", output_transform::softmax, objective_rule::margin_of_base::same},
    {"count:poisson", output_transform::exponential, objective_rule::margin_of_base::log},
    {"reg:gamma", output_transform::exponential, objective_rule::margin_of_base::log},
    {"reg:tweedie", output_transform::exponential, objective_rule::margin_of_base::log},
};

// One tree's arrays, checked against each other, into tree_nodes.
inline result<void> read_tree(const json::value& tree, std::size_t index, std::size_t num_features,
                                      std::vector<tree_node>& nodes, std::string_view source) {
    const std::string where = fmt::format("tree {}", index);
    auto arr = [&](std::string_view key) -> result<const std::vector<double>*> {
        auto m = member(tree, key, json::kind::array, source, where);
        if (!m) return m.error();
        if (!(*m)->all_numbers() && (*m)->size() != 0)
            return bad(source, fmt::format("'{}' in {} holds something other than numbers", key, where));
        return &(*m)->numbers();
    };
    auto left = arr("left_children");
    auto right = arr("right_children");
    auto feature = arr("split_indices");
    auto condition = arr("split_conditions");
    auto default_left = arr("default_left");
    for (const auto* r : {&left, &right, &feature, &condition, &default_left})
        if (!*r) return r->error();
    const std::size_t n = (*left)->size();
    if (n == 0) return bad(source, fmt::format("{} has no nodes", where));
    for (const auto* r : {&right, &feature, &condition, &default_left})
        if ((**r)->size() != n) return bad(source, fmt::format("{}: node arrays of different lengths", where));
    if (const json::value* p = tree.find("tree_param")) {
        if (const json::value* leaf_vector = p->find("size_leaf_vector")) {
            auto s = number_in_string(*p, "size_leaf_vector", source);
            if (s && *s > 1) return error(errc::unsupported, fmt::format("{}: XGBoost model: {} has vector leaves (multi-target trees)", source, where));
            (void)leaf_vector;
        }
    }
    // Optional since XGBoost 1.5.
    std::vector<double> none;
    const std::vector<double>* split_type = &none;
    if (tree.find("split_type") != nullptr) {
        auto st = arr("split_type");
        if (!st) return st.error();
        if ((*st)->size() != n) return bad(source, fmt::format("{}: split_type has {} entries for {} nodes", where, (*st)->size(), n));
        split_type = *st;
    }

    nodes.assign(n, tree_node{});
    auto index_of = [&](double v, std::uint32_t& out) {
        if (!(v >= 0 && v < static_cast<double>(n)) || v != std::floor(v)) return false;
        out = static_cast<std::uint32_t>(v);
        return true;
    };
    for (std::size_t i = 0; i < n; ++i) {
        tree_node& t = nodes[i];
        const double l = (**left)[i], r = (**right)[i];
        if (l == -1) {
            if (r != -1) return bad(source, fmt::format("{} node {}: a left child of -1 but a right child of {}", where, i, r));
            t.type = tree_node::kind::leaf;
            t.value = static_cast<float>((**condition)[i]);
            continue;
        }
        if (!index_of(l, t.left) || !index_of(r, t.right))
            return bad(source, fmt::format("{} node {}: child {} or {} is not a node of the tree", where, i, l, r));
        const double f = (**feature)[i];
        if (!(f >= 0 && f < static_cast<double>(num_features)) || f != std::floor(f))
            return bad(source, fmt::format("{} node {}: split feature {} is not one of the {} features", where, i, f, num_features));
        t.feature = static_cast<std::uint32_t>(f);
        t.default_right = (**default_left)[i] == 0;
        const double type = split_type->empty() ? 0 : (*split_type)[i];
        if (type == 0) {
            t.type = tree_node::kind::numerical;
            t.threshold = forest::threshold_for_float_less(static_cast<float>((**condition)[i]));
        } else if (type == 1) {
            t.type = tree_node::kind::categorical;
            t.set_goes_left = false;  // XGBoost: the listed categories go right
        } else {
            return bad(source, fmt::format("{} node {}: split_type {} (expected 0 or 1)", where, i, type));
        }
    }
    // Categorical splits: categories_nodes[k] lists categories[segments[k] .. + sizes[k]].
    std::vector<bool> listed(n, false);
    auto check_all_listed = [&]() -> result<void> {
        for (std::size_t i = 0; i < n; ++i)
            if (nodes[i].type == tree_node::kind::categorical && !listed[i])
                return bad(source, fmt::format("{} node {} is categorical but the tree lists no categories for it", where, i));
        return {};
    };
    if (tree.find("categories_nodes") == nullptr) return check_all_listed();
    auto cat_nodes = arr("categories_nodes");
    auto segments = arr("categories_segments");
    auto sizes = arr("categories_sizes");
    auto cats = arr("categories");
    for (const auto* r : {&cat_nodes, &segments, &sizes, &cats})
        if (!*r) return r->error();
    const std::size_t k = (*cat_nodes)->size();
    if ((*segments)->size() != k || (*sizes)->size() != k)
        return bad(source, fmt::format("{}: categories_nodes, _segments and _sizes differ in length", where));
    constexpr double max_category = 16777215;  // XGBoost's bound (categories are exact in float32)
    std::size_t words_total = 0;
    for (std::size_t j = 0; j < k; ++j) {
        std::uint32_t node = 0;
        if (!index_of((**cat_nodes)[j], node) || nodes[node].type != tree_node::kind::categorical)
            return bad(source, fmt::format("{}: categories_nodes[{}] = {} is not a categorical split", where, j, (**cat_nodes)[j]));
        if (listed[node]) return bad(source, fmt::format("{}: node {} listed twice in categories_nodes", where, node));
        listed[node] = true;
        const double begin = (**segments)[j], count = (**sizes)[j];
        if (!(begin >= 0 && count >= 0 && begin + count <= static_cast<double>((*cats)->size())) || begin != std::floor(begin) ||
            count != std::floor(count))
            return bad(source, fmt::format("{}: categories of node {} lie outside 'categories'", where, node));
        std::vector<std::uint32_t>& bits = nodes[node].categories;
        for (std::size_t c = static_cast<std::size_t>(begin); c < static_cast<std::size_t>(begin + count); ++c) {
            const double v = (**cats)[c];
            if (!(v >= 0 && v <= max_category) || v != std::floor(v))
                return bad(source, fmt::format("{} node {}: category {} is not an integer in [0, 2^24)", where, node, v));
            const auto cat = static_cast<std::uint32_t>(v);
            if (cat / 32 >= bits.size()) {
                words_total += cat / 32 + 1 - bits.size();
                if (words_total > (std::size_t{1} << 24)) return bad(source, "categorical splits too large");
                bits.resize(cat / 32 + 1, 0);
            }
            bits[cat / 32] |= 1u << (cat % 32);
        }
    }
    return check_all_listed();
}

}  // namespace detail::xgb

/// Loads an XGBoost JSON model from its parsed document (for callers that also read the learner's
/// `attributes`, as models/app_classifier.hpp does). `source` names it in messages.
[[nodiscard]] inline result<forest> load_xgboost_json(const json::value& doc, std::string_view source) {
    using namespace detail::xgb;
    auto learner = member(doc, "learner", json::kind::object, source, "the document");
    if (!learner) return learner.error();
    const json::value& L = **learner;
    auto param = member(L, "learner_model_param", json::kind::object, source, "learner");
    if (!param) return param.error();
    auto num_class = number_in_string(**param, "num_class", source);
    auto num_feature = number_in_string(**param, "num_feature", source);
    if (!num_class) return num_class.error();
    if (!num_feature) return num_feature.error();
    if (!(*num_class >= 0 && *num_class <= 65536) || !(*num_feature >= 0 && *num_feature <= (1 << 24)))
        return bad(source, fmt::format("num_class {} or num_feature {} out of range", *num_class, *num_feature));
    if ((*param)->find("num_target") != nullptr) {
        auto targets = number_in_string(**param, "num_target", source);
        if (targets && *targets > 1)
            return error(errc::unsupported, fmt::format("{}: XGBoost model: {} targets (multi-target models are not supported)",
                                                        source, *targets));
    }
    const auto outputs = std::max<std::size_t>(1, static_cast<std::size_t>(*num_class));
    const auto features = static_cast<std::size_t>(*num_feature);

    auto objective = member(L, "objective", json::kind::object, source, "learner");
    if (!objective) return objective.error();
    auto objective_name = member(**objective, "name", json::kind::string, source, "objective");
    if (!objective_name) return objective_name.error();
    const objective_rule* rule = nullptr;
    for (const objective_rule& o : objectives)
        if (o.name == (*objective_name)->string()) rule = &o;
    if (rule == nullptr)
        return error(errc::unsupported, fmt::format("{}: XGBoost model: objective '{}' is not supported", source,
                                                    (*objective_name)->string()));
    if ((rule->transform == output_transform::softmax) != (outputs > 1))
        return bad(source, fmt::format("objective {} with num_class {}", rule->name, *num_class));

    auto scores = base_scores(**param, outputs, source);
    if (!scores) return scores.error();
    std::vector<double> margins;
    for (float b : *scores) {  // as XGBoost's ObjFunction::ProbToMargin, in float
        switch (rule->base) {
            case objective_rule::margin_of_base::same: margins.push_back(b); break;
            case objective_rule::margin_of_base::logit:
                if (!(b > 0 && b < 1)) return bad(source, fmt::format("base_score {} is not a probability in (0, 1)", b));
                margins.push_back(-std::log(1.0f / b - 1.0f));
                break;
            case objective_rule::margin_of_base::log:
                if (!(b > 0)) return bad(source, fmt::format("base_score {} is not positive", b));
                margins.push_back(std::log(b));
                break;
        }
    }

    auto booster = member(L, "gradient_booster", json::kind::object, source, "learner");
    if (!booster) return booster.error();
    auto booster_name = member(**booster, "name", json::kind::string, source, "gradient_booster");
    if (!booster_name) return booster_name.error();
    if ((*booster_name)->string() != "gbtree")
        return error(errc::unsupported, fmt::format("{}: XGBoost model: booster '{}' is not supported (only gbtree)", source,
                                                    (*booster_name)->string()));
    auto model = member(**booster, "model", json::kind::object, source, "gradient_booster");
    if (!model) return model.error();
    auto trees = member(**model, "trees", json::kind::array, source, "the gbtree model");
    auto tree_info = member(**model, "tree_info", json::kind::array, source, "the gbtree model");
    if (!trees) return trees.error();
    if (!tree_info) return tree_info.error();
    const std::size_t num_trees = (*trees)->size();
    if (num_trees > 0 && (*trees)->all_numbers()) return bad(source, "'trees' holds numbers, expected objects");
    if ((*tree_info)->size() != num_trees || (!(*tree_info)->all_numbers() && num_trees > 0))
        return bad(source, fmt::format("tree_info has {} entries for {} trees", (*tree_info)->size(), num_trees));

    std::vector<std::string> names;
    if (const json::value* fn = L.find("feature_names"); fn != nullptr && fn->is(json::kind::array) && fn->size() > 0) {
        for (const json::value& n : fn->items()) {
            if (!n.is(json::kind::string)) return bad(source, "feature_names holds something other than strings");
            names.push_back(n.string());
        }
        if (names.size() != features)
            return bad(source, fmt::format("{} feature names for num_feature {}", names.size(), features));
        // XGBoost refuses such names when it trains; here two features would read the same column.
        if (const auto twice = pktdyn::detail::first_repeat(std::span<const std::string>(names)))
            return bad(source, fmt::format("feature_names holds '{}' twice (features {} and {}): expected each name once",
                                           names[twice->first], twice->first, twice->second));
    }

    forest_builder builder(model_format::xgboost, features, outputs);
    builder.transform(rule->transform).base_margin(std::move(margins)).feature_names(std::move(names));
    std::vector<tree_node> nodes;
    for (std::size_t t = 0; t < num_trees; ++t) {
        const json::value& tree = (*trees)->items()[t];
        const double group = (*tree_info)->numbers()[t];
        if (!(group >= 0 && group < static_cast<double>(outputs)) || group != std::floor(group))
            return bad(source, fmt::format("tree {} belongs to output {} of {}", t, group, outputs));
        if (auto r = read_tree(tree, t, features, nodes, source); !r) return r.error();
        if (auto r = builder.add_tree(nodes, static_cast<std::size_t>(group), fmt::format("{}: XGBoost model: tree {}", source, t)); !r)
            return r.error();
    }
    return std::move(builder).finish();
}

/// Loads an XGBoost JSON model from its text. `source` names it in messages.
[[nodiscard]] inline result<forest> load_xgboost_json(std::string_view text, std::string_view source = "model") {
    auto doc = json::parse(text, source);
    if (!doc) return doc.error();
    return load_xgboost_json(*doc, source);
}

/// Loads an XGBoost JSON model file.
[[nodiscard]] inline result<forest> load_xgboost_json_file(const std::filesystem::path& path) {
    auto file = mapped_file::open(path);
    if (!file) return file.error();
    const auto bytes = file->bytes();
    return load_xgboost_json(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path.string());
}

}  // namespace pktdyn
