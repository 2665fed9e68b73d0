// pktdyn — a model in a pipeline: the `scorer` contract, and a tree ensemble as one.
//
// A scorer binds once, when the pipeline is built, to the columns it will be given (by name: a
// model trained on the flow meter's CSV finds its features wherever they are), then scores each
// row without allocating:
//   result<void> bind(std::span<const std::string> columns)   name → column; an error names a
//                                                              feature the columns lack
//   std::span<const std::string> outputs() const              names of the values it writes
//   void score(std::span<const double> row, std::span<double> out) const noexcept
//                                                              row: every column as a double
//                                                              (NaN: no value); out: outputs().size()
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/core/result.hpp"
#include "pktdyn/models/forest.hpp"

namespace pktdyn {

template <class M>
concept scorer = requires(M& m, const M& c, std::span<const std::string> columns, std::span<const double> row,
                          std::span<double> out) {
    { m.bind(columns) } -> std::same_as<result<void>>;
    { c.outputs() } -> std::convertible_to<std::span<const std::string>>;
    { c.score(row, out) } noexcept;
};

/// A scorer that also reads the row's text columns and writes text values (a classifier's class
/// name, a rule set's reasons). It binds as a scorer does, to every column, text ones included, and
///   std::span<const std::string> text_outputs() const         names of the text values it writes
///   void score(std::span<const double> row, std::span<const std::string_view> texts,
///              std::span<double> out, std::span<std::string_view> text_out) const noexcept
///       texts: each column's text ("" for numbers and missing values); text_out: views that stay
///       valid until its next score() (an empty view: no value)
/// A pipeline writes a text scorer's text outputs first, then its numbers.
template <class M>
concept text_scorer = requires(M& m, const M& c, std::span<const std::string> columns, std::span<const double> row,
                               std::span<const std::string_view> texts, std::span<double> out, std::span<std::string_view> text_out) {
    { m.bind(columns) } -> std::same_as<result<void>>;
    { c.outputs() } -> std::convertible_to<std::span<const std::string>>;
    { c.text_outputs() } -> std::convertible_to<std::span<const std::string>>;
    { c.score(row, texts, out, text_out) } noexcept;
};

/// A scorer's bind for columns it reads by name: each of `names` found among `columns`, its
/// position written to `at`; else an error "<who> needs the column '<name>' (<hint>)".
template <std::size_t N>
result<void> find_columns(std::span<const std::string> columns, const std::array<std::string_view, N>& names,
                          std::array<std::size_t, N>& at, std::string_view who, std::string_view hint) {
    for (std::size_t i = 0; i < N; ++i) {
        const auto it = std::find(columns.begin(), columns.end(), names[i]);
        if (it == columns.end())
            return error{errc::invalid_argument, fmt::format("{} needs the column '{}' ({})", who, names[i], hint)};
        at[i] = static_cast<std::size_t>(it - columns.begin());
    }
    return {};
}

namespace detail::scorer {
template <class M>
concept names_bind = requires { &M::bind; };
template <class M>
concept binds = requires(M& m, std::span<const std::string> columns) { m.bind(columns); };
template <class M>
concept binds_with_result = requires(M& m, std::span<const std::string> columns) {
    { m.bind(columns) } -> std::same_as<result<void>>;
};
template <class M>
concept has_outputs = requires(const M& c) { { c.outputs() } -> std::convertible_to<std::span<const std::string>>; };
template <class M>
concept names_score = requires { &M::score; };
template <class M>
concept scores = requires(const M& c, std::span<const double> row, std::span<double> out) { c.score(row, out); };
template <class M>
concept scores_noexcept = requires(const M& c, std::span<const double> row, std::span<double> out) {
    { c.score(row, out) } noexcept;
};
}  // namespace detail::scorer

/// Fails compilation with a message naming the requirement M misses; true when M is a scorer.
template <class M>
consteval bool diagnose_scorer() {
    namespace r = detail::scorer;
    static_assert(r::names_bind<M> || r::binds<M>,
                  "pktdyn::scorer: no member `bind`; add `pktdyn::result<void> bind(std::span<const std::string> columns)`");
    static_assert(!r::names_bind<M> || r::binds<M>,
                  "pktdyn::scorer: `bind` cannot be called as bind(std::span<const std::string> columns)");
    static_assert(!r::binds<M> || r::binds_with_result<M>,
                  "pktdyn::scorer: `bind` must return pktdyn::result<void> (an error names the feature it cannot find)");
    static_assert(r::has_outputs<M>,
                  "pktdyn::scorer: no `std::span<const std::string> outputs() const` (the names of the values it writes)");
    static_assert(r::names_score<M> || r::scores<M>,
                  "pktdyn::scorer: no member `score`; add `void score(std::span<const double> row, std::span<double> out) "
                  "const noexcept`");
    static_assert(!r::names_score<M> || r::scores<M>,
                  "pktdyn::scorer: `score` cannot be called as score(std::span<const double> row, std::span<double> out) "
                  "on a const scorer");
    static_assert(!r::scores<M> || r::scores_noexcept<M>,
                  "pktdyn::scorer: `score` must be noexcept (it runs once per flow and must not allocate)");
    return scorer<M>;
}

/// A tree ensemble (models/forest.hpp: XGBoost JSON, LightGBM text, pktdyn's trainer) as a scorer:
/// its features found among the columns by name (or by position when it has no names and the
/// widths match), its outputs the class probabilities `p_<class>` (or one `prediction`).
class forest_scorer {
public:
    /// `prefix`: written before each output name (e.g. "app_" for app_p_web); `classes`: the class
    /// names for the outputs (by default 0..K-1).
    explicit forest_scorer(forest model, std::string prefix = {}, std::vector<std::string> classes = {})
        : model_(std::move(model)) {
        const std::size_t k = model_.num_outputs();
        const bool probabilities = model_.transform() == output_transform::logistic || model_.transform() == output_transform::softmax;
        const std::size_t n = probabilities && k == 1 ? 2 : k;  // a logistic model: both classes
        if (!probabilities) {
            outputs_.push_back(prefix + "prediction");
        } else {
            for (std::size_t c = 0; c < n; ++c)
                outputs_.push_back(prefix + "p_" + (c < classes.size() ? classes[c] : std::to_string(c)));
        }
        two_classes_from_one_ = probabilities && k == 1;
    }

    result<void> bind(std::span<const std::string> columns) {
        where_.clear();
        if (!model_.has_feature_names()) {
            if (columns.size() != model_.num_features())
                return error{errc::invalid_argument,
                             fmt::format("the model has no feature names and {} features, but the rows have {} columns",
                                         model_.num_features(), columns.size())};
            for (std::size_t i = 0; i < columns.size(); ++i) where_.push_back(i);
        } else {
            for (const auto& name : model_.feature_names()) {
                const auto it = std::find(columns.begin(), columns.end(), name);
                if (it == columns.end())
                    return error{errc::invalid_argument, fmt::format("the model's feature '{}' is not among the {} columns",
                                                                     name, columns.size())};
                where_.push_back(static_cast<std::size_t>(it - columns.begin()));
            }
        }
        gathered_.assign(where_.size(), std::numeric_limits<double>::quiet_NaN());
        margins_.assign(model_.num_outputs(), 0.0);
        return {};
    }
    [[nodiscard]] std::span<const std::string> outputs() const noexcept { return outputs_; }
    void score(std::span<const double> row, std::span<double> out) const noexcept {
        for (std::size_t i = 0; i < where_.size(); ++i) gathered_[i] = where_[i] < row.size() ? row[where_[i]] : std::nan("");
        if (two_classes_from_one_) {
            model_.predict(gathered_, std::span(margins_).first(1));
            out[0] = 1 - margins_[0];
            out[1] = margins_[0];
        } else {
            model_.predict(gathered_, out.first(model_.num_outputs()));
        }
    }
    [[nodiscard]] const forest& model() const noexcept { return model_; }

private:
    forest model_;
    std::vector<std::string> outputs_;
    std::vector<std::size_t> where_;
    mutable std::vector<double> gathered_, margins_;  // sized at bind(): scoring allocates nothing
    bool two_classes_from_one_ = false;
};

static_assert(diagnose_scorer<forest_scorer>());

}  // namespace pktdyn
