#include "pktdyn/export/npy.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

using namespace pktdyn;

TEST_CASE("a feature matrix written as .npy loads in numpy with its shape, dtype and values", "[export][npy]") {
    constexpr std::array<feature_info, 3> columns{{{"", "a", "1", ""}, {"flow", "b", "1", ""}, {"", "c", "1", ""}}};
    feature_matrix m(columns);
    const std::vector<double> r1{1.5, -2, 3e-9}, r2{4, std::numeric_limits<double>::quiet_NaN(), 6e300};
    m.add(r1, "1:one");
    m.add(r2, "1:two");
    CHECK(xt_view(m)(1, 2) == 6e300);
    test::temp_dir dir;
    const std::string base = (dir.path() / "features").string();
    REQUIRE(write_npy(m, base));
    // Debian's numpy reads it back: shape, dtype, values (NaN included), column and row names.
    const std::string check =
        "/usr/bin/python3 -c \"import numpy as n, math, sys; a = n.load('" + base + ".npy'); "
        "assert a.shape == (2, 3) and a.dtype == n.float64, (a.shape, a.dtype); "
        "assert a[0, 0] == 1.5 and a[0, 2] == 3e-9 and math.isnan(a[1, 1]) and a[1, 2] == 6e300; "
        "assert open('" + base + ".columns.txt').read().split() == ['a', 'flow_b', 'c']; "
        "assert open('" + base + ".rows.txt').read().split() == ['1:one', '1:two']\"";
    CHECK(std::system(check.c_str()) == 0);

    // And pktdyn's reader reads it back, bit for bit.
    auto back = read_npy(std::filesystem::path(base + ".npy"));
    REQUIRE(back);
    CHECK(back->rows == 2);
    CHECK(back->columns == 3);
    REQUIRE(back->values.size() == 6);
    for (std::size_t i = 0; i < 6; ++i) {
        INFO(i);
        CHECK((std::isnan(m.data()[i]) ? std::isnan(back->values[i]) : back->values[i] == m.data()[i]));
    }
    CHECK(xt_view(*back)(1, 2) == 6e300);
}

TEST_CASE("write_npy reports a file it could not write, a full disk included", "[export][npy]") {
    constexpr std::array<feature_info, 1> columns{{{"", "a", "1", ""}}};
    feature_matrix m(columns);
    const std::vector<double> row{1};
    for (int i = 0; i < 10000; ++i) m.add(row, "id");  // more than a stream buffer holds
    test::temp_dir dir;
    auto e = write_npy(m, (dir.path() / "no" / "such" / "dir").string());
    REQUIRE_FALSE(e);
    CHECK_THAT(e.error().message(), Catch::Contains("cannot write") && Catch::Contains("dir.npy"));
    if (!std::filesystem::exists("/dev/full")) {
        WARN("no /dev/full: the full-disk case is skipped");
        return;
    }
    // /dev/full takes the open and refuses every write with ENOSPC, as a full disk does.
    for (const char* which : {".npy", ".columns.txt", ".rows.txt"}) {
        SECTION(which) {
            const std::string base = (dir.path() / "full").string();
            std::filesystem::create_symlink("/dev/full", base + which);
            e = write_npy(m, base);
            REQUIRE_FALSE(e);
            CHECK(e.error().code() == errc::io_error);
            CHECK_THAT(e.error().message(), Catch::Contains("cannot write " + base + which));
        }
    }
}

namespace {

// A .npy file as numpy lays it out, with the header dict padded by spaces to `header_length`
// bytes (numpy pads to a multiple of 64; any length loads).
std::vector<std::byte> npy_file(const std::string& dict, std::size_t header_length, int major,
                                const std::vector<std::byte>& data) {
    std::string header = dict;
    header.resize(header_length - 1, ' ');
    header += '\n';
    std::string bytes = "\x93NUMPY";
    bytes += static_cast<char>(major);
    bytes += '\0';
    for (std::size_t i = 0; i < (major == 1 ? 2u : 4u); ++i) bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    bytes += header;
    std::vector<std::byte> out(bytes.size());
    std::memcpy(out.data(), bytes.data(), bytes.size());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}
template <class T>
std::vector<std::byte> raw(std::initializer_list<T> values) {
    std::vector<std::byte> out(values.size() * sizeof(T));
    std::memcpy(out.data(), std::data(values), out.size());
    return out;
}
std::string f8(const std::string& shape) { return "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }"; }

}  // namespace

TEST_CASE("read_npy reads headers of any length and version, and dtypes made doubles", "[export][npy]") {
    const auto data = raw<double>({1.5, -2, 3, 4, 5, 6});
    // Longer than 127 bytes: xtensor 0.24 sign-extends the length's low byte and fails on these.
    for (std::size_t length : {118u, 128u, 190u, 255u, 256u, 1000u}) {
        for (int major : {1, 2, 3}) {
            INFO("header of " << length << " bytes, version " << major);
            auto m = read_npy(npy_file(f8("(2, 3)"), length, major, data), "m.npy");
            REQUIRE(m);
            CHECK(m->rows == 2);
            CHECK(m->columns == 3);
            CHECK(m->values == std::vector<double>{1.5, -2, 3, 4, 5, 6});
        }
    }
    // The keys in another order, (2L, 3L) as Python 2's numpy wrote, bytes after the matrix (numpy ignores them).
    auto more = data;
    more.resize(more.size() + 5);
    auto m = read_npy(npy_file("{'shape': (2L, 3L), 'fortran_order': False, 'descr': '<f8'}", 200, 1, more), "m.npy");
    REQUIRE(m);
    CHECK(m->values.size() == 6);
    m = read_npy(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2)}", 64, 1, raw<float>({0.5f, -1})), "m.npy");
    REQUIRE(m);
    CHECK(m->values == std::vector<double>{0.5, -1});
    m = read_npy(npy_file("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 1)}", 64, 1, raw<std::int64_t>({-3, 1LL << 40})), "m.npy");
    REQUIRE(m);
    CHECK(m->values == std::vector<double>{-3, 1099511627776.0});
    m = read_npy(npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 3)}", 64, 1, raw<std::uint8_t>({0, 7, 255})), "m.npy");
    REQUIRE(m);
    CHECK(m->values == std::vector<double>{0, 7, 255});
    // Big-endian float64: the bytes of 1.5 reversed.
    auto big = raw<double>({1.5});
    std::reverse(big.begin(), big.end());
    m = read_npy(npy_file("{'descr': '>f8', 'fortran_order': False, 'shape': (1, 1)}", 64, 1, big), "m.npy");
    REQUIRE(m);
    CHECK(m->values == std::vector<double>{1.5});
    m = read_npy(npy_file(f8("(0, 4)"), 64, 1, {}), "m.npy");
    REQUIRE(m);
    CHECK(m->rows == 0);
    CHECK(m->columns == 4);
}

TEST_CASE("read_npy checks the shape against the file before it allocates", "[export][npy]") {
    auto refused = [](const std::vector<std::byte>& bytes, errc code, const std::string& message) {
        INFO(message);
        auto m = read_npy(bytes, "m.npy");
        REQUIRE_FALSE(m);
        CHECK(m.error().code() == code);
        CHECK_THAT(m.error().message(), Catch::StartsWith("m.npy: ") && Catch::Contains(message));
    };
    const auto six = raw<double>({1, 2, 3, 4, 5, 6});
    refused(npy_file(f8("(1000, 3)"), 128, 1, six), errc::truncated,
            "the .npy header promises a 1000 x 3 matrix of '<f8', 24000 bytes from byte offset 138, but the file holds 48 bytes "
            "there: it ends before the matrix its header describes");
    refused(npy_file(f8("(2305843009213693952, 8)"), 128, 1, six), errc::corrupt,
            "shape (2305843009213693952, 8) of '<f8' describes more values than the file holds");
    refused(npy_file(f8("(18446744073709551615, 18446744073709551615)"), 128, 1, six), errc::corrupt, "more values than the file holds");
    refused(npy_file(f8("(99999999999999999999, 1)"), 128, 1, six), errc::corrupt, "a dimension beyond 2^64");

    // A truncated header: its length says more than the file holds.
    auto whole = npy_file(f8("(2, 3)"), 200, 2, six);
    refused({whole.begin(), whole.begin() + 100}, errc::truncated,
            "truncated: the .npy header at byte offset 12 is 200 bytes long (byte offset 8 says), but the file ends at byte offset 100");
    refused({whole.begin(), whole.begin() + 11}, errc::truncated, "truncated at byte offset 11: expected a 4-byte header length");
    refused({whole.begin(), whole.begin() + 7}, errc::truncated, "truncated at byte offset 7: the .npy preamble");
    whole[6] = std::byte{4};
    refused(whole, errc::unsupported, ".npy format version 4.0 at byte offset 6: expected 1.0, 2.0 or 3.0");
    refused(raw<char>({'n', 'o', 't'}), errc::corrupt, "expected the magic \\x93NUMPY at byte offset 0, found 'not'");

    // The header dict: what numpy writes, nothing else.
    refused(npy_file(f8("(6,)"), 64, 1, six), errc::unsupported, "shape (6,) (.npy header at byte offset 10): 1 dimension, expected a 2-D matrix");
    refused(npy_file("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3)}", 64, 1, six), errc::unsupported,
            "fortran_order is True");
    refused(npy_file("{'descr': '<U2', 'fortran_order': False, 'shape': (2, 3)}", 64, 1, six), errc::unsupported, "dtype '<U2'");
    refused(npy_file("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (6,)}", 64, 1, six), errc::corrupt,
            "at byte offset 20: a structured dtype");
    refused(npy_file("{'descr': '<f8', 'shape': (2, 3)}", 64, 1, six), errc::corrupt, "expected the key 'fortran_order' in the header dict");
    refused(npy_file("{'descr': '<f8', 'descr': '<f8', 'shape': (2, 3)}", 64, 1, six), errc::corrupt,
            "at byte offset 27: expected each key once, found 'descr' a second time");
    refused(npy_file(f8("(2, 3)") + "x", 128, 1, six), errc::corrupt, "expected only spaces and a newline after the header dict");
    refused(npy_file("{'descr': '<f8' 'fortran_order': False, 'shape': (2, 3)}", 64, 1, six), errc::corrupt,
            "at byte offset 26: expected ',' or '}' after a value");

    // Any prefix of a valid file is refused, never read past.
    const auto good = npy_file(f8("(2, 3)"), 200, 1, six);
    for (std::size_t n = 0; n < good.size(); ++n) CHECK_FALSE(read_npy(std::span(good).first(n), "m.npy"));
    CHECK(read_npy(good, "m.npy"));

    auto missing = read_npy(std::filesystem::path("/nonexistent/m.npy"));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code() == errc::io_error);
}
