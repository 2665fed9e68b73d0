#include "pktdyn/features/volume.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

using namespace pktdyn;

TEST_CASE("direction ratios, payload ratio and header bytes", "[features][volume]") {
    volume v;
    const auto packet = [](int direction, std::uint32_t ip, std::uint32_t payload) {
        flow_packet p;
        p.direction = direction;
        p.ip_length = ip;
        p.payload_length = payload;
        return p;
    };
    v.update(packet(0, 60, 0));
    v.update(packet(1, 60, 0));
    v.update(packet(0, 340, 300));
    v.update(packet(1, 1500, 1448));
    v.update(packet(1, 1500, 1448));
    std::vector<double> r(volume::features.size());
    v.write(r);
    CHECK(r[0] == Approx(1.5));
    CHECK(r[1] == Approx(3060.0 / 400.0));
    CHECK(r[2] == Approx(3196.0 / 3460.0));
    CHECK(r[3] == 100);
    CHECK(r[4] == 164);
    volume empty;
    empty.write(r);
    CHECK(std::isnan(r[0]));
    CHECK(r[3] == 0);
}
