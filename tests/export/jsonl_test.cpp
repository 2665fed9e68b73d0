#include "pktdyn/export/jsonl.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "pktdyn/core/text.hpp"
#include "support/temp_dir.hpp"

using namespace pktdyn;

TEST_CASE("JSON lines: one object per row, keys the column names, null for no value", "[export][jsonl]") {
    test::temp_dir dir;
    const std::string path = (dir.path() / "flows.jsonl").string();
    schema s;
    s.add({"history", column_type::text});
    s.add({"packets", column_type::integer});
    s.add({"server_name", column_type::text});
    s.add({"iat_mean", column_type::real});
    jsonl_sink k(path);
    REQUIRE(k.begin(s));
    // A server name with every kind of byte a capture can hold, made pktdyn text.
    const std::string name = escape_text(std::string("q\"b\\\x01\xff\xe2\x80\xae", 9));
    const value r1[] = {value::of_text(""), value::of_count(3), value::of_optional_text(name), value::of_number(0.25)};
    k.consume(r1);
    text_buffer line;  // the same row as a shard prepares it (preparing_sink)
    static_assert(preparing_sink<jsonl_sink>);
    k.prepare(r1, line);
    k.consume_prepared(r1, std::string_view(line.data(), line.size()));
    REQUIRE(k.finish());
    std::ifstream in(path);
    std::stringstream all;
    all << in.rdbuf();
    const std::string one = std::string(R"({"history":"","packets":3,"server_name":"q\"b\\\\\\x01\\xff\\xe2\\x80\\xae","iat_mean":0.25})") + "\n";
    CHECK(all.str() == one + one);
    // Python's json module reads it and gets the same pktdyn text back.
    const std::string expected = (dir.path() / "name.txt").string();
    std::ofstream(expected, std::ios::binary) << name;
    const std::string check = "/usr/bin/python3 -c \"import json; r = json.loads(open('" + path + "').readline()); "
                              "assert r['server_name'] == open('" + expected + "').read(), r; "
                              "assert r['history'] == '' and r['packets'] == 3 and r['iat_mean'] == 0.25\"";
    CHECK(std::system(check.c_str()) == 0);
}
