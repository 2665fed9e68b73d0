#include "pktdyn/export/output.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/temp_dir.hpp"

using namespace pktdyn;

TEST_CASE("an output file writes, rewrites a header, and reports a full disk as an error", "[export][output]") {
    test::temp_dir dir;
    const std::string path = (dir.path() / "out.bin").string();
    {
        output_file out(path, true);
        REQUIRE(out.ok());
        out.write("xxxx body");
        out.write_at(0, "head");
        REQUIRE(out.finish());
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream all;
    all << in.rdbuf();
    CHECK(all.str() == "head body");

    output_file full("/dev/full");
    full.write(std::string(1 << 16, 'x'));
    const auto done = full.finish();
    REQUIRE_FALSE(done);
    CHECK(done.error().message() == "writing /dev/full: No space left on device");

    output_file nowhere((dir.path() / "missing" / "out.csv").string());
    CHECK_FALSE(nowhere.ok());
    CHECK_THAT(nowhere.finish().error().message(), Catch::Contains("missing/out.csv"));
}
