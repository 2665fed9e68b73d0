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
