// Beacons per pair: a client calling every 60 s for two hours scores RITA's top marks; the same
// number of calls at random times, or a one-minute burst, is not a beacon.
#include <catch2/catch.hpp>
#include <random>

#include "pktdyn/detect/beacon_detector.hpp"
#include "support/flows.hpp"

using namespace pktdyn;
using pktdyn::test::tcp_flow;
using pktdyn::test::v4;

namespace {
std::vector<alert> run(const std::vector<double>& times, const std::vector<std::uint64_t>& sizes = {}) {
    beacon_detector d;
    detect_context ctx;
    std::vector<alert> out;
    for (std::size_t i = 0; i < times.size(); ++i)
        d.observe(tcp_flow(v4(10, 0, 0, 9), v4(203, 0, 113, 50), 443, times[i], "ShADadFf", sizes.empty() ? 900 : sizes[i], 4000, 0.2),
                  ctx, out);
    d.finish(ctx, out);
    return out;
}
}  // namespace

TEST_CASE("A regular caller is a beacon; random times and bursts are not", "[detect][beacon]") {
    std::vector<double> regular;
    for (int i = 0; i < 120; ++i) regular.push_back(i * 60.0);
    const auto out = run(regular);
    REQUIRE(out.size() == 1);
    CHECK(out[0].detector == "beacon");
    CHECK(out[0].entity == "10.0.0.9");
    CHECK(out[0].peer == "203.0.113.50");
    CHECK(out[0].severity == 50);

    std::mt19937 rng(7);
    std::uniform_real_distribution<double> anywhere(0, 7200);
    std::uniform_int_distribution<std::uint64_t> any_size(200, 200000);
    std::vector<double> random;
    std::vector<std::uint64_t> sizes;
    for (int i = 0; i < 120; ++i) {
        random.push_back(anywhere(rng));
        sizes.push_back(any_size(rng));
    }
    std::sort(random.begin(), random.end());
    CHECK(run(random, sizes).empty());  // a person browsing: neither the times nor the sizes repeat

    std::vector<double> burst;
    for (int i = 0; i < 30; ++i) burst.push_back(i * 2.0);
    CHECK(run(burst).empty());  // under the 1 h span
}
