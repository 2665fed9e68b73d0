#include "pktdyn/capture/mapped_file.hpp"

#include <catch2/catch.hpp>

#include "support/capture_builder.hpp"
#include "support/temp_dir.hpp"

TEST_CASE("a mapped file exposes the file's bytes read-only, and moves without remapping", "[capture][mapped_file]") {
    pktdyn::test::temp_dir dir;
    const auto bytes = pktdyn::test::frame(5000);
    const auto path = dir.write("data.bin", bytes);
    auto f = pktdyn::mapped_file::open(path);
    REQUIRE(f);
    REQUIRE(f->size() == 5000);
    CHECK(std::equal(bytes.begin(), bytes.end(), f->bytes().begin()));
    const std::byte* at = f->bytes().data();
    pktdyn::mapped_file g = std::move(f).value();
    CHECK(g.bytes().data() == at);
    CHECK(g.path() == path);
}

TEST_CASE("mapping an empty file gives an empty view, a directory or missing file an error", "[capture][mapped_file]") {
    pktdyn::test::temp_dir dir;
    auto empty = pktdyn::mapped_file::open(dir.write("empty", {}));
    REQUIRE(empty);
    CHECK(empty->bytes().empty());

    auto d = pktdyn::mapped_file::open(dir.path());
    REQUIRE_FALSE(d);
    CHECK(d.error().message().find("not a regular file") != std::string::npos);

    auto missing = pktdyn::mapped_file::open(dir.path() / "missing");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code() == pktdyn::errc::io_error);
    CHECK(missing.error().message().find("No such file") != std::string::npos);
}
