// Alerts as JSON lines, read back by core/json.hpp's reader (and Python's json in the example
// test), and as text.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "pktdyn/core/json.hpp"
#include "pktdyn/export/alerts.hpp"
#include "support/flows.hpp"
#include "support/temp_dir.hpp"

using namespace pktdyn;

namespace {
alert example() {
    alert a;
    a.start = test::at_seconds(0);
    a.end = test::at_seconds(1.5);
    a.detector = "exfil.new_peer";
    a.entity = "10.1.2.3";
    a.peer = "203.0.113.7";
    a.severity = 65;
    a.technique = "T1048";
    a.add_flow("1:abc=");
    a.add_evidence("bytes_sent", "1200000000");
    a.add_evidence("note", "quote \" and \\ and \x01");
    a.sentence = "10.1.2.3 sent 1.2 GB to 203.0.113.7";
    return a;
}
std::string read(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

TEST_CASE("An alert as one JSON line", "[export][alerts]") {
    test::temp_dir dir;
    alert_jsonl_sink sink((dir.path() / "a.jsonl").string());
    REQUIRE(sink.begin());
    sink.consume(example());
    REQUIRE(sink.finish());
    const std::string text = read(dir.path() / "a.jsonl");
    REQUIRE(text.ends_with("}\n"));
    const auto v = json::parse(text);
    REQUIRE(v);
    CHECK(v->find("start")->number() == Approx(1'700'000'000.0));
    CHECK(v->find("end")->number() == Approx(1'700'000'001.5));
    CHECK(v->find("detector")->string() == "exfil.new_peer");
    CHECK(v->find("severity")->number() == 65);
    CHECK(v->find("community_ids")->size() == 1);
    CHECK(v->find("evidence")->find("note")->string() == "quote \" and \\ and \x01");
    CHECK(v->find("sentence")->string() == "10.1.2.3 sent 1.2 GB to 203.0.113.7");
}

TEST_CASE("An alert as text", "[export][alerts]") {
    test::temp_dir dir;
    alert_text_sink sink((dir.path() / "a.txt").string());
    REQUIRE(sink.begin());
    sink.consume(example());
    REQUIRE(sink.finish());
    const std::string text = read(dir.path() / "a.txt");
    CHECK(text.starts_with("[exfil.new_peer] severity 65 10.1.2.3 (T1048)\n  10.1.2.3 sent 1.2 GB to 203.0.113.7\n"));
    CHECK(text.find("2023-11-14 22:13:20 UTC") != std::string::npos);
    CHECK(text.find("flows: 1:abc=") != std::string::npos);
}

TEST_CASE("An alert sink that cannot open its file says so", "[export][alerts]") {
    alert_jsonl_sink sink("/nonexistent-dir/alerts.jsonl");
    const auto r = sink.begin();
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("/nonexistent-dir/alerts.jsonl") != std::string::npos);
}
