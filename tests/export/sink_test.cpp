#include "pktdyn/export/sink.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace pktdyn;

namespace {
// A sink that remembers what it was given, and can fail at the end.
struct recording {
    std::vector<std::string>* log;
    bool fail = false;
    result<void> begin(const schema& s) {
        log->push_back("begin " + std::to_string(s.size()));
        return {};
    }
    void consume(std::span<const value> row) { log->push_back("row " + std::to_string(row[0].u)); }
    result<void> finish() {
        log->push_back("finish");
        if (fail) return error{errc::io_error, "writing x: No space left on device"};
        return {};
    }
};
}  // namespace

static_assert(diagnose_sink<recording>());
static_assert(!sink<int>);

TEST_CASE("a callback sink hands each row to the user with the schema", "[export][sink]") {
    schema s;
    s.add({"n", column_type::integer});
    std::vector<std::uint64_t> seen;
    callback_sink k([&](const schema& columns, std::span<const value> row) {
        CHECK(columns[0].name == "n");
        seen.push_back(row[0].u);
    });
    static_assert(diagnose_sink<decltype(k)>());
    REQUIRE(k.begin(s));
    const value a[] = {value::of_count(1)}, b[] = {value::of_count(2)};
    k.consume(a);
    k.consume(b);
    REQUIRE(k.finish());
    CHECK(seen == std::vector<std::uint64_t>{1, 2});
}

TEST_CASE("tee gives every row to each sink in order and reports the first error", "[export][sink]") {
    std::vector<std::string> one, two;
    auto both = tee(recording{&one}, recording{&two, true});
    schema s;
    s.add({"n", column_type::integer});
    REQUIRE(both.begin(s));
    const value row[] = {value::of_count(5)};
    both.consume(row);
    const auto done = both.finish();
    REQUIRE_FALSE(done);
    CHECK(done.error().message() == "writing x: No space left on device");
    CHECK(one == std::vector<std::string>{"begin 1", "row 5", "finish"});
    CHECK(two == one);
}

namespace {
// A sink that formats on any thread: "<n>;" per row.
struct preparing {
    std::string* out;
    result<void> begin(const schema&) { return {}; }
    void consume(std::span<const value> row) { *out += std::to_string(row[0].u) + ";"; }
    void prepare(std::span<const value> row, text_buffer& b) const { fmt::format_to(std::back_inserter(b), "{};", row[0].u); }
    void consume_prepared(std::span<const value>, std::string_view bytes) { *out += std::string(bytes); }
    result<void> finish() { return {}; }
};
}  // namespace

static_assert(preparing_sink<preparing>);
static_assert(!preparing_sink<recording>);

TEST_CASE("rows prepared elsewhere reach each sink of a tee as if consumed there", "[export][sink]") {
    // What a sharded pipeline does: prepare in the shard (framed per preparing sink), then hand the
    // bytes, and the values to the sinks that read them, to the sinks in row order.
    schema s;
    s.add({"n", column_type::integer});
    std::string direct, prepared_text, second;
    std::vector<std::string> log;
    auto k = tee(preparing{&prepared_text}, recording{&log}, preparing{&second});
    static_assert(preparing_sink<decltype(k)>);
    REQUIRE(k.begin(s));
    CHECK(detail::sink::needs_values(k));  // `recording` reads values
    CHECK_FALSE(detail::sink::needs_values(tee(preparing{&direct})));
    for (std::uint64_t n : {7u, 42u}) {
        const value row[] = {value::of_count(n)};
        text_buffer b;
        detail::sink::prepare_framed(k, row, b);
        const auto rest = detail::sink::consume_framed(k, row, std::string_view(b.data(), b.size()));
        CHECK(rest.empty());  // every frame taken
        preparing{&direct}.consume(row);
    }
    CHECK(prepared_text == "7;42;");
    CHECK(prepared_text == direct);
    CHECK(second == direct);
    CHECK(log == std::vector<std::string>{"begin 1", "row 7", "row 42"});
}

TEST_CASE("one_of_sinks prepares through its chosen sink and consumes values for the others", "[export][sink]") {
    schema s;
    s.add({"n", column_type::integer});
    const value row[] = {value::of_count(5)};
    std::string text;
    one_of_sinks<preparing, recording> chosen;
    chosen.emplace<preparing>(&text);
    CHECK_FALSE(detail::sink::needs_values(chosen));
    text_buffer b;
    chosen.prepare(row, b);
    chosen.consume_prepared(row, std::string_view(b.data(), b.size()));
    CHECK(text == "5;");
    std::vector<std::string> log;
    chosen.emplace<recording>(&log);
    CHECK(detail::sink::needs_values(chosen));
    REQUIRE(chosen.begin(s));
    chosen.consume_prepared(row, {});
    CHECK(log == std::vector<std::string>{"begin 1", "row 5"});
    one_of_sinks<preparing, recording> none;
    CHECK_FALSE(detail::sink::needs_values(none));
}

TEST_CASE("by_reference: the pipeline writes to a sink the caller keeps", "[export][sink]") {
    std::size_t rows = 0;
    auto counting = pktdyn::callback_sink([&](const pktdyn::schema&, std::span<const pktdyn::value>) { ++rows; });
    auto ref = pktdyn::by_reference(counting);
    pktdyn::schema s;
    s.add({"x"});
    REQUIRE(ref.begin(s));
    const std::vector<pktdyn::value> row{pktdyn::value::of_count(1)};
    ref.consume(row);
    ref.consume(row);
    REQUIRE(ref.finish());
    CHECK(rows == 2);
}
