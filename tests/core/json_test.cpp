#include "pktdyn/core/json.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

namespace json = pktdyn::json;

TEST_CASE("a JSON document reads into values; arrays of numbers stay compact", "[core][json]") {
    auto doc = json::parse(R"({"a": [1, -2.5e3, 0], "b": {"c": "x\n\u00e9\ud83d\ude00"}, "d": [true, null, "s"], "e": []})");
    REQUIRE(doc);
    const json::value* a = doc->find("a");
    REQUIRE(a);
    CHECK(a->all_numbers());
    CHECK(a->numbers() == std::vector<double>{1, -2500, 0});
    CHECK(doc->find("b")->find("c")->string() == "x\n\xc3\xa9\xf0\x9f\x98\x80");
    const json::value* d = doc->find("d");
    REQUIRE(d->items().size() == 3);
    CHECK(d->items()[0].boolean());
    CHECK(d->items()[1].is(json::kind::null));
    CHECK(doc->find("e")->size() == 0);
    CHECK(doc->find("missing") == nullptr);
}

TEST_CASE("JSON reads XGBoost's non-finite literals", "[core][json]") {
    auto doc = json::parse("[NaN, Infinity, -Infinity, 1E-1]");
    REQUIRE(doc);
    REQUIRE(doc->all_numbers());
    CHECK(std::isnan(doc->numbers()[0]));
    CHECK(doc->numbers()[1] == INFINITY);
    CHECK(doc->numbers()[2] == -INFINITY);
    CHECK(doc->numbers()[3] == 0.1);
}

TEST_CASE("an array that mixes numbers and other values keeps every item in order", "[core][json]") {
    auto doc = json::parse(R"([1, 2, "three", 4])");
    REQUIRE(doc);
    REQUIRE(doc->items().size() == 4);
    CHECK(doc->items()[1].number() == 2);
    CHECK(doc->items()[2].string() == "three");
    CHECK(doc->items()[3].number() == 4);
}

TEST_CASE("malformed JSON is refused with the byte offset and what was expected", "[core][json]") {
    struct bad {
        std::string text, message;
    };
    const bad cases[] = {
        {"", "byte offset 0: expected a value, found the end of the text"},
        {"{\"a\" 1}", "byte offset 5: expected ':' after a member name, found '1'"},
        {"[1, 2", "byte offset 5: expected ',' or ']' in an array, found the end of the text"},
        {"[01]", "byte offset 2: expected ',' or ']' in an array, found '1'"},
        {"[1.]", "byte offset 3: expected a digit after '.'"},
        {"[1e]", "byte offset 3: expected a digit in the exponent"},
        {"[1e999]", "byte offset 1: expected a number within double's range"},
        {"[-]", "byte offset 1: expected a value"},
        {"\"abc", "expected '\"' to close the string, found the end of the text"},
        {"\"a\tb\"", "byte offset 2: expected no control character inside a string, found '\\x09'"},
        {"\"\\x\"", "byte offset 2: expected one of"},
        {"\"\\u12\"", "expected four hex digits after \\u"},
        {"\"\\ud800\"", "expected a low surrogate"},
        {"\"\\udc00\"", "expected no lone low surrogate"},
        {"{} x", "byte offset 3: expected the end of the document, found 'x'"},
        {"{1: 2}", "byte offset 1: expected a member name in quotes"},
        {"[nan]", "byte offset 1: expected a value, found 'n'"},
        {"[tru]", "byte offset 1: expected a value, found 't'"},
        {std::string("[\"\0\"]", 5), "expected no control character inside a string, found '\\x00'"},
    };
    for (const bad& b : cases) {
        auto doc = json::parse(b.text, "m.json");
        INFO(b.text);
        REQUIRE_FALSE(doc);
        CHECK_THAT(doc.error().message(), Catch::Contains("m.json: invalid JSON at ") && Catch::Contains(b.message));
    }
}

TEST_CASE("nesting deeper than the limit is refused, not recursed into", "[core][json]") {
    const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
    auto doc = json::parse(deep, "deep.json");
    REQUIRE_FALSE(doc);
    CHECK(doc.error().code() == pktdyn::errc::unsupported);
    CHECK_THAT(doc.error().message(), Catch::Contains("deeper than 64 levels at byte offset 64"));
    CHECK(json::parse(std::string(64, '[') + std::string(64, ']')));
}

TEST_CASE("every prefix of a document is refused without reading past it", "[core][json]") {
    const std::string text = R"({"k": [1.5, -2e-3, NaN, -Infinity], "s": "\u00e9\"", "o": {"t": true, "n": null}})";
    REQUIRE(json::parse(text));
    for (std::size_t n = 0; n < text.size(); ++n) {
        const std::string prefix = text.substr(0, n);  // its own allocation: ASan sees any overread
        CHECK_FALSE(json::parse(prefix));
    }
}

TEST_CASE("append_string writes RFC 8259 strings that read back as the text", "[core][json]") {
    // RFC 8259 §7: '"' and '\' escaped, U+0000..U+001F as \u00XX; UTF-8 passes as is.
    std::string out;
    json::append_string(out, "a\"b\\c\n\x01\xc3\xa9");
    CHECK(out == "\"a\\\"b\\\\c\\u000a\\u0001\xc3\xa9\"");
    auto back = json::parse(out);
    REQUIRE(back);
    CHECK(back->string() == "a\"b\\c\n\x01\xc3\xa9");
    // A byte that is not UTF-8 cannot be a JSON string's content: it is written as \u00XX, and the
    // document stays valid.
    out.clear();
    json::append_string(out, "x\xff");
    CHECK(out == "\"x\\u00ff\"");
    CHECK(json::parse(out));
    // The same writer into an fmt buffer, as the sinks use it.
    fmt::memory_buffer b;
    json::append_string(b, "q\"");
    CHECK(fmt::to_string(b) == "\"q\\\"\"");
}
