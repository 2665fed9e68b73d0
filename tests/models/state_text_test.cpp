#include "pktdyn/models/state_text.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using pktdyn::state_reader;
using pktdyn::state_writer;

TEST_CASE("state text reads back to the same bits", "[anomaly][state_text]") {
    const double third = 1.0 / 3.0, tiny = 4.9e-324, inf = std::numeric_limits<double>::infinity();
    const std::vector<double> window{0.1, -2.5e300, 7};
    const std::vector<std::uint32_t> counts{3, 0, 4'000'000'000U};
    const std::string text = state_writer("pktdyn.test", 2)
                                 .field("third", third)
                                 .field("tiny", tiny)
                                 .field("inf", inf)
                                 .field("n", std::uint64_t{18'446'744'073'709'551'615ULL})
                                 .field("window", window)
                                 .field("counts", counts)
                                 .str();
    CHECK(text.starts_with("pktdyn.test 2\nthird 0.3333333333333333\n"));

    double a = 0, b = 0, c = 0;
    std::uint64_t n = 0;
    std::vector<double> w(3);
    std::vector<std::uint32_t> k;
    state_reader r(text, "pktdyn.test", 2);
    r.field("third", a).field("tiny", b).field("inf", c).field("n", n).field("window", std::span<double>(w));
    r.field("counts", k, 10);
    REQUIRE(r.finish());
    CHECK(a == third);
    CHECK(b == tiny);
    CHECK(c == inf);
    CHECK(n == 18'446'744'073'709'551'615ULL);
    CHECK(w == window);
    CHECK(k == counts);
}

namespace {
std::string first_error(const std::string& text) {
    double x = 0;
    std::vector<double> v(2);
    state_reader r(text, "pktdyn.test", 1);
    r.field("x", x).field("v", std::span<double>(v));
    const auto e = r.finish();
    return e ? std::string("no error") : e.error().message();
}
}  // namespace

TEST_CASE("malformed state text is an error naming the line and what was expected", "[anomaly][state_text]") {
    CHECK(first_error("pktdyn.test 1\nx 1.5\nv 2 1 2\n") == "no error");
    CHECK(first_error("\n  pktdyn.test 1\n\nx 1.5\nv 2 1 2\n\n") == "no error");  // blank lines do not count
    CHECK(first_error("") == "pktdyn.test state, line 0: expected pktdyn.test state, found an empty text");
    CHECK(first_error("pktdyn.other 1\n") == "pktdyn.test state, line 1: expected 'pktdyn.test', found 'pktdyn.other'");
    CHECK(first_error("pktdyn.test 2\nx 1\n") == "pktdyn.test state: format version 2, this build reads version 1");
    CHECK(first_error("pktdyn.test 1\ny 1.5\n") == "pktdyn.test state, line 2: expected 'x', found 'y'");
    CHECK(first_error("pktdyn.test 1\nx 1.5z\n") == "pktdyn.test state, line 2: expected a number, found '1.5z'");
    CHECK(first_error("pktdyn.test 1\nx\n") == "pktdyn.test state, line 2: expected a number, found the end of the line");
    CHECK(first_error("pktdyn.test 1\nx 1 2\n") == "pktdyn.test state, line 2: expected the end of the line, found '2'");
    CHECK(first_error("pktdyn.test 1\nx 1\nv 3 1 2 3\n") ==
          "pktdyn.test state, line 3: expected 2 values for 'v', found 3");
    CHECK(first_error("pktdyn.test 1\nx 1\nv 2 1\n") ==
          "pktdyn.test state, line 3: expected a number, found the end of the line");
    CHECK(first_error("pktdyn.test 1\nx 1\n") == "pktdyn.test state, line 2: expected 'v', found the end of the text");
    CHECK(first_error("pktdyn.test 1\nx 1\nv 2 1 2\nextra\n") ==
          "pktdyn.test state, line 4: expected the end of the text, found 'extra'");
    CHECK(first_error("pktdyn.test 1\nx 1\nv -2 1 2\n") ==
          "pktdyn.test state, line 3: expected an integer in range, found '-2'");
}

TEST_CASE("a corrupt length cannot make the reader allocate", "[anomaly][state_text]") {
    std::vector<double> v;
    state_reader r("pktdyn.test 1\nv 99999999999 1\n", "pktdyn.test", 1);
    r.field("v", v, 1000);
    const auto e = r.finish();
    REQUIRE_FALSE(e);
    CHECK(e.error().code() == pktdyn::errc::corrupt);
    CHECK(e.error().message() == "pktdyn.test state, line 2: expected at most 1000 values for 'v', found 99999999999");
    CHECK(v.empty());
}

TEST_CASE("a caller's own check becomes the reader's error", "[anomaly][state_text]") {
    double alpha = 0;
    state_reader r("pktdyn.test 1\nalpha 7\n", "pktdyn.test", 1);
    r.field("alpha", alpha);
    if (!(alpha > 0 && alpha <= 1)) r.reject("alpha must lie in (0, 1], found 7");
    const auto e = r.finish();
    REQUIRE_FALSE(e);
    CHECK(e.error().message() == "pktdyn.test state, line 2: alpha must lie in (0, 1], found 7");
}

TEST_CASE("a length the line cannot hold allocates nothing", "[anomaly][state_text]") {
    std::vector<double> v;
    state_reader r("pktdyn.test 1\nv 900 1 2\n", "pktdyn.test", 1);
    r.field("v", v, 1000);
    const auto e = r.finish();
    REQUIRE_FALSE(e);
    CHECK(e.error().message() == "pktdyn.test state, line 2: expected 900 values for 'v', found a shorter line");
    CHECK(v.capacity() == 0);
}
