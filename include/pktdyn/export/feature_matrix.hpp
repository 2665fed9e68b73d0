// pktdyn — feature rows collected into one row-major matrix of doubles, with its column names and an
// identifier per row (the flow's Community ID, so rows join with flow records and Zeek logs).
// Dependency-free; export/npy.hpp writes it as a NumPy .npy file, export/eigen.hpp views it as an
// Eigen matrix, and xt_view() (export/npy.hpp) as an xtensor expression, without copying.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "pktdyn/features/accumulator.hpp"

namespace pktdyn {

class feature_matrix {
public:
    feature_matrix() = default;
    explicit feature_matrix(std::span<const feature_info> columns) {
        names_.reserve(columns.size());
        for (const auto& c : columns) names_.push_back(c.column());
    }

    /// Appends a row (its width must be the number of columns).
    void add(std::span<const double> row, std::string id = {}) {
        values_.insert(values_.end(), row.begin(), row.end());
        ids_.push_back(std::move(id));
    }

    [[nodiscard]] std::size_t rows() const noexcept { return ids_.size(); }
    [[nodiscard]] std::size_t columns() const noexcept { return names_.size(); }
    [[nodiscard]] const std::vector<std::string>& names() const noexcept { return names_; }
    [[nodiscard]] const std::vector<std::string>& ids() const noexcept { return ids_; }
    /// Row-major: value (r, c) is data()[r * columns() + c].
    [[nodiscard]] const std::vector<double>& data() const noexcept { return values_; }
    [[nodiscard]] double operator()(std::size_t r, std::size_t c) const noexcept { return values_[r * columns() + c]; }

private:
    std::vector<std::string> names_, ids_;
    std::vector<double> values_;
};

}  // namespace pktdyn
