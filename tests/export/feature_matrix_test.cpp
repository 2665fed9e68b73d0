#include "pktdyn/export/feature_matrix.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace pktdyn;

TEST_CASE("rows are appended in order, row-major, with their identifiers", "[export][feature_matrix]") {
    constexpr std::array<feature_info, 2> columns{{{"", "a", "1", "first"}, {"orig", "b", "1", "second"}}};
    feature_matrix m(columns);
    const std::vector<double> r1{1, 2}, r2{3, 4};
    m.add(r1, "1:x");
    m.add(r2, "1:y");
    CHECK(m.rows() == 2);
    CHECK(m.columns() == 2);
    CHECK(m.names() == std::vector<std::string>{"a", "orig_b"});
    CHECK(m(1, 0) == 3);
    CHECK(m.data() == std::vector<double>{1, 2, 3, 4});
    CHECK(m.ids()[1] == "1:y");
}
