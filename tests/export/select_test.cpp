#include "pktdyn/export/select.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "pktdyn/export/csv.hpp"
#include "pktdyn/export/format.hpp"
#include "support/temp_dir.hpp"

using namespace pktdyn;

namespace {
std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
schema three() {
    schema s;
    s.add({"a", column_type::integer});
    s.add({"b", column_type::text});
    s.add({"c", column_type::real});
    return s;
}
}  // namespace

TEST_CASE("a selected sink sees the columns named, in that order, with their descriptions", "[export][select]") {
    std::vector<std::string> seen;
    auto k = select_columns(callback_sink([&](const schema& s, std::span<const value> row) {
                                REQUIRE(s.size() == 2);
                                CHECK(s[0].name == "c");
                                CHECK(s[1].type == column_type::integer);
                                seen.push_back(fmt::format("{} {}", row[0].as_double(), row[1].u));
                            }),
                            {"c", "a"});
    const schema s = three();
    REQUIRE(k.begin(s));
    const value row[] = {value::of_count(7), value::of_text("x"), value::of_number(0.5)};
    k.consume(row);
    REQUIRE(k.finish());
    CHECK(seen == std::vector<std::string>{"0.5 7"});
}

TEST_CASE("a selected CSV sink writes the same bytes prepared on another thread as consumed here", "[export][select]") {
    test::temp_dir dir;
    const value row[] = {value::of_count(7), value::of_text("x,y"), value::of_number(0.25)};
    const schema s = three();
    auto direct = select_columns(csv_sink((dir.path() / "direct.csv").string()), {"b", "c"});
    auto prepared = select_columns(csv_sink((dir.path() / "prepared.csv").string()), {"b", "c"});
    REQUIRE(direct.begin(s));
    REQUIRE(prepared.begin(s));
    direct.consume(row);
    text_buffer bytes;
    prepared.prepare(row, bytes);
    prepared.consume_prepared({}, std::string_view(bytes.data(), bytes.size()));
    REQUIRE(direct.finish());
    REQUIRE(prepared.finish());
    CHECK(read(dir.path() / "direct.csv") == "b,c\n\"x,y\",0.25\n");
    CHECK(read(dir.path() / "prepared.csv") == read(dir.path() / "direct.csv"));
}

TEST_CASE("selecting a column the rows lack fails when the sink starts, naming it", "[export][select]") {
    auto k = select_columns(callback_sink([](const schema&, std::span<const value>) {}), {"a", "missing"});
    const auto r = k.begin(three());
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message(), Catch::Contains("no column 'missing'"));
}
