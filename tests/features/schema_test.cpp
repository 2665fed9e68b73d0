#include "pktdyn/features/schema.hpp"

#include <catch2/catch.hpp>
#include <algorithm>
#include <set>

using namespace pktdyn;

TEST_CASE("the standard feature set: unique columns, each with a unit and a definition", "[features][schema]") {
    constexpr auto features = standard_features::features();
    static_assert(features.size() == standard_features::width);
    std::set<std::string> columns;
    for (const auto& f : features) {
        INFO(f.column());
        CHECK_FALSE(f.unit.empty());
        CHECK_FALSE(f.definition.empty());
        columns.insert(f.column());
    }
    CHECK(columns.size() == features.size());
    const std::string table = feature_table<standard_features>();
    CHECK(std::count(table.begin(), table.end(), '\n') == static_cast<std::ptrdiff_t>(features.size() + 2));
    CHECK(table.find("| `resp_iat_p99` | s |") != std::string::npos);
}
