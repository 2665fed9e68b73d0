#include "pktdyn/export/eigen.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace pktdyn;

TEST_CASE("the Eigen view maps the matrix without copying", "[export][eigen]") {
    constexpr std::array<feature_info, 3> columns{{{"", "a", "1", ""}, {"", "b", "1", ""}, {"", "c", "1", ""}}};
    feature_matrix m(columns);
    const std::vector<double> r1{1, 2, 3}, r2{4, 5, 6};
    m.add(r1);
    m.add(r2);
    const auto e = eigen_view(m);
    CHECK(e.rows() == 2);
    CHECK(e.cols() == 3);
    CHECK(e(1, 2) == 6);
    CHECK(e.data() == m.data().data());
    CHECK(e.row(0).sum() == 6);
}
