#include "pktdyn/features/packet_stats.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <vector>

using namespace pktdyn;
using namespace std::chrono_literals;

namespace {
flow_packet packet(std::int64_t at_ms, int direction, std::uint32_t ip, std::uint32_t payload) {
    flow_packet p;
    p.time = from_ns(1'000'000'000 + at_ms * 1'000'000);
    p.direction = direction;
    p.ip_length = ip;
    p.payload_length = payload;
    return p;
}
std::vector<double> row(const packet_stats& s) {
    std::vector<double> out(packet_stats::features.size());
    s.write(out);
    return out;
}
}  // namespace

TEST_CASE("sizes and gaps per scope: the flow and each direction", "[features][packet_stats]") {
    packet_stats s;
    s.update(packet(0, 0, 60, 0));      // SYN
    s.update(packet(20, 1, 60, 0));     // SYN-ACK
    s.update(packet(21, 0, 340, 300));  // request
    s.update(packet(51, 1, 1040, 1000));
    const auto& flow_ip = s.of(0, 0);
    CHECK(flow_ip.count == 4);
    CHECK(flow_ip.average() == 375);
    CHECK(s.of(1, 1).average() == 150);                       // originator's payload: 0 and 300
    CHECK(s.of(2, 0).maximum() == 1040);
    CHECK(s.of(0, 2).count == 3);                             // 3 gaps in the flow: 20, 1, 30 ms
    CHECK(s.of(0, 2).minimum() == Approx(0.001));
    CHECK(s.of(0, 2).maximum() == Approx(0.030));
    CHECK(s.of(1, 2).count == 1);                             // the originator's one gap: 21 ms
    CHECK(s.of(1, 2).average() == Approx(0.021));
    CHECK(s.of(2, 2).average() == Approx(0.031));
    const auto r = row(s);
    CHECK(r[2] == 375);                                       // flow_ip_bytes_mean is the third column
    CHECK(packet_stats::features[2].column() == "flow_ip_bytes_mean");
}

TEST_CASE("a flow's two parts merged equal the whole flow", "[features][packet_stats]") {
    packet_stats whole, first, second;
    for (int i = 0; i < 40; ++i) {
        const auto p = packet(i * 7 + (i % 3), i % 2, 40u + static_cast<std::uint32_t>(i * 13 % 1460), static_cast<std::uint32_t>(i * 13 % 1420));
        whole.update(p);
        (i < 15 ? first : second).update(p);
    }
    first.merge(second);
    const auto a = row(first), b = row(whole);
    for (std::size_t i = 0; i < a.size(); ++i) {
        INFO(packet_stats::features[i].column());
        if (std::isnan(b[i])) CHECK(std::isnan(a[i]));
        else CHECK(a[i] == Approx(b[i]).epsilon(1e-9).margin(1e-12));
    }
}

TEST_CASE("every feature has a unique column, a unit and a definition", "[features][packet_stats]") {
    std::set<std::string> columns;
    for (const auto& f : packet_stats::features) {
        CHECK_FALSE(f.unit.empty());
        CHECK_FALSE(f.definition.empty());
        columns.insert(f.column());
    }
    CHECK(columns.size() == 54);
    CHECK(columns.count("resp_iat_kurt") == 1);
}
