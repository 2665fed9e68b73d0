#include "pktdyn/export/format.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "pktdyn/core/json.hpp"

using namespace pktdyn;

namespace {
std::string csv(const value& v) {
    text_buffer b;
    append_csv(b, v);
    return fmt::to_string(b);
}
std::string as_json(const value& v) {
    text_buffer b;
    append_json(b, v);
    return fmt::to_string(b);
}
}  // namespace

TEST_CASE("values as CSV and JSON: digits, shortest doubles, seconds with nanosecond digits", "[export][format]") {
    CHECK(csv(value::of_count(18446744073709551615ull)) == "18446744073709551615");
    CHECK(csv(value::of_number(0.1)) == "0.1");
    CHECK(csv(value::of_number(1e300)) == "1e+300");
    CHECK(csv(value::of_fixed1(2.25)) == "2.2");  // round half to even, as printf
    CHECK(csv(value::of_seconds(duration{-1'500'000'000})) == "-1.500000000");
    CHECK(csv(value::of_seconds(duration{1})) == "0.000000001");
    CHECK(csv(value::of_time(from_ns(1'581'109'488'041'083'000))) == "1581109488.041083000");
    CHECK(csv(value::of_number(std::nan(""))) == "");
    CHECK(as_json(value::of_number(std::nan(""))) == "null");
    CHECK(as_json(value::none()) == "null");
    CHECK(as_json(value::of_text("")) == "\"\"");   // present but empty
    CHECK(as_json(value::of_optional_text("")) == "null");
    CHECK(csv(value::of_text("a,b")) == "\"a,b\"");
    CHECK(csv(value::of_text("say \"hi\"")) == "\"say \"\"hi\"\"\"");
    CHECK(csv(value::of_text("plain")) == "plain");
}

TEST_CASE("JSON strings are valid JSON for any bytes, and exact for text", "[export][format]") {
    CHECK(as_json(value::of_text("quote\" back\\ tab\t nul" + std::string(1, '\0'))) ==
          "\"quote\\\" back\\\\ tab\\u0009 nul\\u0000\"");
    CHECK(as_json(value::of_text("b\xc3\xbc" "cher")) == "\"b\xc3\xbc" "cher\"");   // UTF-8 kept
    CHECK(as_json(value::of_text("\xff")) == "\"\\u00ff\"");                        // a stray byte: a guard
    // Any bytes parse back as one JSON string; pktdyn text (core/text.hpp) comes back exactly.
    std::mt19937 rng(3);
    for (int round = 0; round < 5000; ++round) {
        std::string raw(rng() % 20, '\0');
        for (auto& c : raw) c = static_cast<char>(rng());
        const auto raw_json = json::parse(as_json(value::of_text(raw)));
        REQUIRE(raw_json);
        CHECK(raw_json->is(json::kind::string));
        const std::string text = escape_text(raw);
        const auto text_json = json::parse(as_json(value::of_text(text)));
        REQUIRE(text_json);
        CHECK(text_json->string() == text);
    }
}
