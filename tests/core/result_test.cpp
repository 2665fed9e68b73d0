#include "pktdyn/core/result.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <string>

using pktdyn::errc;
using pktdyn::error;
using pktdyn::result;

namespace {
result<int> parse(bool ok) {
    if (ok) return 42;
    return error{errc::corrupt, "file.pcap: corrupt at byte offset 24: expected 16 bytes, found 3"};
}
}  // namespace

TEST_CASE("a result holds either a value or an error with its message", "[core][result]") {
    auto good = parse(true);
    REQUIRE(good);
    CHECK(*good == 42);
    CHECK(good.value() == 42);

    auto bad = parse(false);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code() == errc::corrupt);
    CHECK(bad.error().message() == "file.pcap: corrupt at byte offset 24: expected 16 bytes, found 3");
}

TEST_CASE("value() on an error throws bad_result_access carrying the message", "[core][result]") {
    auto bad = parse(false);
    try {
        (void)bad.value();
        FAIL("value() did not throw");
    } catch (const pktdyn::bad_result_access& e) {
        CHECK(e.code() == errc::corrupt);
        CHECK(std::string(e.what()).find("byte offset 24") != std::string::npos);
    }
}

TEST_CASE("value() on an rvalue result moves the value out", "[core][result]") {
    auto make = [] { return result<std::unique_ptr<int>>{std::make_unique<int>(7)}; };
    std::unique_ptr<int> p = make().value();  // by value: nothing dangles
    REQUIRE(p);
    CHECK(*p == 7);
}

TEST_CASE("every error category has a name", "[core][result]") {
    for (auto e : {errc::io_error, errc::not_a_capture, errc::unsupported, errc::truncated, errc::corrupt,
                   errc::invalid_argument})
        CHECK(pktdyn::to_string(e) != "unknown error");
}

TEST_CASE("result<void> is success or an error, and value() throws on the error", "[core][result]") {
    const auto write = [](bool ok) -> result<void> {
        if (!ok) return pktdyn::error{pktdyn::errc::io_error, "out.csv: No space left on device"};
        return {};
    };
    CHECK(write(true));
    CHECK_NOTHROW(write(true).value());
    const auto failed = write(false);
    REQUIRE_FALSE(failed);
    CHECK(failed.error().code() == pktdyn::errc::io_error);
    CHECK_THROWS_AS(failed.value(), pktdyn::bad_result_access);
}
