#include "pktdyn/simd/byte_histogram.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <vector>

using namespace pktdyn;

TEST_CASE("the histogram kernel counts every byte of every length", "[simd][byte_histogram]") {
    std::mt19937 rng(5);
    for (std::size_t n = 0; n <= 300; ++n) {
        std::vector<std::byte> data(n);
        for (auto& b : data) b = static_cast<std::byte>(rng() % 7);  // few values: runs of equal bytes
        std::array<std::uint32_t, 256> counts{}, expected{};
        for (std::byte b : data) ++expected[std::to_integer<std::uint8_t>(b)];
        simd::byte_histogram(data, counts);
        REQUIRE(counts == expected);
    }
}
