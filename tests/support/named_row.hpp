// A row for a scorer's tests: columns by name, numbers NaN and texts empty until set, in the shape a
// (text) scorer binds to and scores.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

namespace pktdyn::test {

struct named_row {
    std::vector<std::string> names;
    std::vector<double> numbers;
    std::vector<std::string_view> texts;

    /// Columns named by each list (arrays or vectors of names), in order.
    template <class... Lists>
    explicit named_row(const Lists&... lists) {
        (names.insert(names.end(), std::begin(lists), std::end(lists)), ...);
        numbers.assign(names.size(), std::nan(""));
        texts.assign(names.size(), std::string_view{});
    }
    [[nodiscard]] std::size_t at(std::string_view name) const {
        return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
    }
    named_row& set(std::string_view name, double v) {
        numbers.at(at(name)) = v;
        return *this;
    }
    named_row& set(std::string_view name, std::string_view v) {
        texts.at(at(name)) = v;
        return *this;
    }
};

}  // namespace pktdyn::test
