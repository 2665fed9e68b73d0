// Long connections on flow records the flow table made from packets built here: a 5-hour UDP
// conversation (a datagram each way every 10 minutes), which the table cuts at its 30-minute active
// timeout into 10 records, must be told once at 1 hour and once at 4, with the connection's true
// start; a 50-minute one never; tiers are configurable.
#include "pktdyn/detect/long_connection.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "pktdyn/flow/flow_path.hpp"
#include "support/packet_builder.hpp"

using namespace pktdyn;
using namespace std::chrono_literals;
namespace pkt = pktdyn::test::pkt;

namespace {
/// The flow records of two conversations: 10.0.0.1:5000 <-> 192.0.2.1:53 for `long_minutes`, and
/// 10.0.0.2:5000 <-> 192.0.2.1:53 for 50 minutes, a datagram each way every 10 minutes.
std::vector<flow_record> records(int long_minutes) {
    flow_path<no_state> path{flow_options{.idle = 20min, .active = 30min, .linger = 5s, .seed = 1}};
    std::vector<flow_record> out;
    const auto on_end = [&](auto& e) { out.push_back(e.record); };
    const std::int64_t t0 = 1'700'000'000'000'000'000;
    for (int minute = 0; minute <= long_minutes; minute += 10) {
        for (const std::uint8_t host : {std::uint8_t{1}, std::uint8_t{2}}) {
            if (host == 2 && minute > 50) continue;
            const pkt::v4addr client{10, 0, 0, host}, server{192, 0, 2, 1};
            for (bool from_client : {true, false}) {
                const auto ip = from_client ? pkt::ipv4(17, client, server, pkt::udp(5000, 53, test::bytes(40)))
                                            : pkt::ipv4(17, server, client, pkt::udp(53, 5000, test::bytes(80)));
                const auto frame = pkt::ethernet(0x0800, ip);
                const packet_view v{from_ns(t0 + std::int64_t{minute} * 60'000'000'000 + (from_client ? 0 : 1'000'000)), frame,
                                    static_cast<std::uint32_t>(frame.size()), link_type::ethernet, 0};
                (void)path.push(v, on_end);
            }
        }
    }
    path.flush(on_end);
    return out;
}
}  // namespace

TEST_CASE("a 5-hour conversation cut at the active timeout is told at 1 h and 4 h, once each", "[detect][long_connection]") {
    const auto parts = records(300);
    std::size_t cut = 0;
    for (const auto& r : parts) cut += r.ended == end_reason::active_timeout;
    REQUIRE(cut >= 9);  // the table really split it
    long_connections detector;
    std::vector<long_connections::crossing> told;
    for (const auto& r : parts)
        if (const auto c = detector.observe(r)) told.push_back(*c);
    REQUIRE(told.size() == 2);
    CHECK(told[0].tier == 0);
    CHECK(told[0].length >= 1h);
    CHECK(told[0].length < 90min);  // told with the part that crossed the hour
    CHECK(told[1].tier == 1);
    CHECK(told[1].length >= 4h);
    CHECK(told[0].start == from_ns(1'700'000'000'000'000'000));  // the conversation's first packet, not its part's
    CHECK(told[1].start == told[0].start);
    CHECK(told[1].length < 4h + 31min);  // told with the part that crossed 4 h, while it still lasts
    CHECK_FALSE(told[1].ended);
    CHECK(detector.open() == 0);  // closed by its last part (end of input)
}

TEST_CASE("tiers are configurable and a short conversation is never told", "[detect][long_connection]") {
    const auto parts = records(120);
    long_connections detector({40min});
    std::vector<long_connections::crossing> told;
    for (const auto& r : parts)
        if (const auto c = detector.observe(r)) told.push_back(*c);
    REQUIRE(told.size() == 2);  // both conversations pass 40 minutes; the 50-minute one only once
    for (const auto& c : told) CHECK(c.tier == 0);
    long_connections none({6h});
    for (const auto& r : parts) CHECK_FALSE(none.observe(r));
}
