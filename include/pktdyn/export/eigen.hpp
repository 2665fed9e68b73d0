// pktdyn — a feature matrix as an Eigen matrix (a row-major map over its storage, no copy), for
// models that take Eigen.
#pragma once

#include <Eigen/Core>

#include "pktdyn/export/feature_matrix.hpp"

namespace pktdyn {

using eigen_feature_map = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

[[nodiscard]] inline eigen_feature_map eigen_view(const feature_matrix& m) {
    return {m.data().data(), static_cast<Eigen::Index>(m.rows()), static_cast<Eigen::Index>(m.columns())};
}

}  // namespace pktdyn
