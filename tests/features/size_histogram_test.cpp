#include "pktdyn/features/size_histogram.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <vector>

using namespace pktdyn;

TEST_CASE("fixed and log2 bins of IP lengths", "[features][size_histogram]") {
    size_histogram h;
    for (std::uint32_t length : {0u, 40u, 127u, 128u, 1500u, 9000u, 65535u}) {
        flow_packet p;
        p.ip_length = length;
        h.update(p);
    }
    std::vector<double> r(size_histogram::features.size());
    h.write(r);
    CHECK(r[0] == 3);   // 0, 40, 127
    CHECK(r[1] == 1);   // 128
    CHECK(r[11] == 3);  // 1500, 9000, 65535: 1408 and more
    const auto log2 = [&](std::size_t k) { return r[size_histogram::fixed_bins + k]; };
    CHECK(log2(0) == 1);   // 0
    CHECK(log2(5) == 1);   // 40 in [32, 64)
    CHECK(log2(6) == 1);   // 127
    CHECK(log2(7) == 1);   // 128
    CHECK(log2(10) == 1);  // 1500
    CHECK(log2(13) == 1);  // 9000
    CHECK(log2(15) == 1);  // 65535 in [32768, 65536)
    std::set<std::string> names;
    for (const auto& f : size_histogram::features) names.insert(f.column());
    CHECK(names.size() == 29);
    CHECK(names.count("size_log2_16") == 1);
}
