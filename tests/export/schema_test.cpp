#include "pktdyn/export/schema.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace pktdyn;

TEST_CASE("a schema names, types and documents its columns; values know their kind", "[export][schema]") {
    schema s;
    s.add({"packets", column_type::integer, column_role::record, "packets", "packets sent"});
    s.add({"flow_iat_mean", column_type::real, column_role::feature, "s", "mean gap"});
    CHECK(s.size() == 2);
    CHECK(s.find("flow_iat_mean") == 1);
    CHECK(s.find("nothing") == 2);
    CHECK(s[1].role == column_role::feature);

    CHECK(value::of_count(7).as_double() == 7);
    CHECK(value::of_seconds(std::chrono::milliseconds(1500)).as_double() == Approx(1.5));
    CHECK(value::of_number(std::nan("")).type == value::kind::missing);
    CHECK(std::isnan(value::of_text("x").as_double()));
    CHECK(value::of_optional_text("").type == value::kind::missing);
}
