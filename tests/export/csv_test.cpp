#include "pktdyn/export/csv.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "support/temp_dir.hpp"

using namespace pktdyn;

TEST_CASE("CSV: a header naming every column, then one line per row", "[export][csv]") {
    test::temp_dir dir;
    const std::string path = (dir.path() / "flows.csv").string();
    schema s;
    s.add({"community_id", column_type::text});
    s.add({"packets", column_type::integer});
    s.add({"server_name", column_type::text});
    s.add({"rtt_s", column_type::seconds});
    csv_sink k(path);
    REQUIRE(k.begin(s));
    const value r1[] = {value::of_text("1:abc="), value::of_count(3), value::of_optional_text("a,b"), value::of_seconds(duration{20'000'000})};
    const value r2[] = {value::of_text("1:def="), value::of_count(0), value::none(), value::none()};
    k.consume(r1);
    text_buffer line;  // the second row as a shard prepares it (preparing_sink)
    static_assert(preparing_sink<csv_sink>);
    k.prepare(r2, line);
    k.consume_prepared(r2, std::string_view(line.data(), line.size()));
    REQUIRE(k.finish());
    std::ifstream in(path);
    std::stringstream all;
    all << in.rdbuf();
    CHECK(all.str() == "community_id,packets,server_name,rtt_s\n1:abc=,3,\"a,b\",0.020000000\n1:def=,0,,\n");
}

TEST_CASE("CSV to a full disk fails at finish with the file named", "[export][csv]") {
    csv_sink k("/dev/full");
    schema s;
    s.add({"n", column_type::integer});
    REQUIRE(k.begin(s));
    const value r[] = {value::of_count(1)};
    for (int i = 0; i < 100'000; ++i) k.consume(r);
    const auto done = k.finish();
    REQUIRE_FALSE(done);
    CHECK_THAT(done.error().message(), Catch::Contains("/dev/full"));
}
