// pktdyn — scoring a batch of rows held in an Eigen matrix or an xtensor array.
//
// forest.hpp evaluates any `row_matrix` (rows(), cols(), m(r, c)); this header adapts xtensor's
// 2-D expressions to that and returns the predictions as a matrix of the same library, one row
// per input row and one column per output. Kept apart so that models/forest.hpp stays free of
// Eigen and xtensor.
#pragma once

#include <cstddef>
#include <span>

#include <Eigen/Core>
#include <xtensor/xexpression.hpp>
#include <xtensor/xtensor.hpp>

#include "pktdyn/models/forest.hpp"

namespace pktdyn {

using eigen_predictions = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Predictions (or margins) of every row of an Eigen matrix, row- or column-major.
template <class Derived>
[[nodiscard]] eigen_predictions predict(const forest& f, const Eigen::DenseBase<Derived>& x, bool margin = false) {
    eigen_predictions out(x.rows(), static_cast<Eigen::Index>(f.num_outputs()));
    const std::span<double> values(out.data(), static_cast<std::size_t>(out.size()));
    margin ? f.predict_margin(x.derived(), values) : f.predict(x.derived(), values);
    return out;
}

/// A 2-D xtensor expression seen as a row_matrix (no copy).
template <class E>
struct xtensor_rows {
    const E& e;
    [[nodiscard]] std::size_t rows() const noexcept { return e.shape()[0]; }
    [[nodiscard]] std::size_t cols() const noexcept { return e.shape()[1]; }
    [[nodiscard]] double operator()(std::size_t r, std::size_t c) const { return static_cast<double>(e(r, c)); }
};

/// Predictions (or margins) of every row of a 2-D xtensor expression (xtensor, xarray, views).
template <class E>
[[nodiscard]] xt::xtensor<double, 2> predict(const forest& f, const xt::xexpression<E>& x, bool margin = false) {
    const E& e = x.derived_cast();
    xt::xtensor<double, 2> out = xt::xtensor<double, 2>::from_shape({e.dimension() == 2 ? e.shape()[0] : 0, f.num_outputs()});
    if (e.dimension() != 2) return out;
    const xtensor_rows<E> rows{e};
    const std::span<double> values(out.data(), out.size());
    margin ? f.predict_margin(rows, values) : f.predict(rows, values);
    return out;
}

}  // namespace pktdyn
