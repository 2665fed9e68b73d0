#include "pktdyn/export/npy.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <vector>

#include "support/temp_dir.hpp"

using namespace pktdyn;

TEST_CASE("a feature matrix written as .npy loads in numpy with its shape, dtype and values", "[export][npy]") {
    constexpr std::array<feature_info, 3> columns{{{"", "a", "1", ""}, {"flow", "b", "1", ""}, {"", "c", "1", ""}}};
    feature_matrix m(columns);
    const std::vector<double> r1{1.5, -2, 3e-9}, r2{4, std::numeric_limits<double>::quiet_NaN(), 6e300};
    m.add(r1, "1:one");
    m.add(r2, "1:two");
    CHECK(xt_view(m)(1, 2) == 6e300);
    test::temp_dir dir;
    const std::string base = (dir.path() / "features").string();
    REQUIRE_FALSE(write_npy(m, base));
    // Debian's numpy reads it back: shape, dtype, values (NaN included), column and row names.
    const std::string check =
        "/usr/bin/python3 -c \"import numpy as n, math, sys; a = n.load('" + base + ".npy'); "
        "assert a.shape == (2, 3) and a.dtype == n.float64, (a.shape, a.dtype); "
        "assert a[0, 0] == 1.5 and a[0, 2] == 3e-9 and math.isnan(a[1, 1]) and a[1, 2] == 6e300; "
        "assert open('" + base + ".columns.txt').read().split() == ['a', 'flow_b', 'c']; "
        "assert open('" + base + ".rows.txt').read().split() == ['1:one', '1:two']\"";
    CHECK(std::system(check.c_str()) == 0);
}
