#include "pktdyn/export/npy_sink.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "pktdyn/export/npy.hpp"
#include "support/temp_dir.hpp"

using namespace pktdyn;

namespace {
std::string bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
}
}  // namespace

TEST_CASE("the streamed .npy equals the whole-matrix writer byte for byte, and numpy loads it", "[export][npy_sink]") {
    test::temp_dir dir;
    schema s;
    s.add({"community_id", column_type::text});
    s.add({"packets", column_type::integer});  // a record column: not in the matrix
    s.add({"a", column_type::real, column_role::feature});
    s.add({"flow_b", column_type::real, column_role::feature});
    const double nan = std::numeric_limits<double>::quiet_NaN();
    npy_sink k((dir.path() / "streamed.npy").string());  // ".npy" used as given
    REQUIRE(k.begin(s));
    feature_matrix whole(std::array<feature_info, 2>{{{"", "a", "", ""}, {"flow", "b", "", ""}}});
    for (int r = 0; r < 1000; ++r) {
        const double x = r * 0.5, y = r % 7 == 0 ? nan : -r * 1e-9;
        const value row[] = {value::of_text("1:id"), value::of_count(9), value::of_number(x), value::of_number(y)};
        k.consume(row);
        whole.add(std::array<double, 2>{x, y}, "1:id");
    }
    REQUIRE(k.finish());
    CHECK(k.rows() == 1000);
    REQUIRE(write_npy(whole, (dir.path() / "whole").string()));
    const auto base = [&](const char* name) { return (dir.path() / name).string(); };
    CHECK(bytes_of(base("streamed.npy")) == bytes_of(base("whole.npy")));
    CHECK(bytes_of(base("streamed.columns.txt")) == bytes_of(base("whole.columns.txt")));
    CHECK(bytes_of(base("streamed.rows.txt")) == bytes_of(base("whole.rows.txt")));
    const std::string check = "/usr/bin/python3 -c \"import numpy as n, math; a = n.load('" + base("streamed.npy") +
                              "'); assert a.shape == (1000, 2) and a[999, 0] == 499.5 and math.isnan(a[7, 1])\"";
    CHECK(std::system(check.c_str()) == 0);
}

TEST_CASE("an empty stream is a 0-row matrix", "[export][npy_sink]") {
    test::temp_dir dir;
    schema s;
    s.add({"a", column_type::real, column_role::feature});
    npy_sink k((dir.path() / "empty").string());
    REQUIRE(k.begin(s));
    REQUIRE(k.finish());
    auto back = read_npy(dir.path() / "empty.npy");
    REQUIRE(back);
    CHECK(back->rows == 0);
    CHECK(back->columns == 1);
}
