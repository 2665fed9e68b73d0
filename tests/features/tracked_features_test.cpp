#include "pktdyn/features/tracked_features.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "pktdyn/features/volume.hpp"
#include "pktdyn/flow/flow_table.hpp"
#include "pktdyn/proto/decoder.hpp"
#include "support/packet_builder.hpp"

using namespace pktdyn;
namespace pkt = pktdyn::test::pkt;

TEST_CASE("the tracker and the features see every packet; a new ISN starts a new flow", "[features][tracked_features]") {
    using state = tracked_features<feature_set<volume>>;
    flow_table<state> table{flow_options{.seed = 1}};
    decoder dec;
    std::vector<std::array<double, 5>> rows;
    std::vector<std::uint32_t> retransmissions;
    const auto on_end = [&](flow_table<state>::entry& e) {
        rows.emplace_back();
        e.state.features.write(rows.back());
        retransmissions.push_back(e.state.tcp.metrics[0].retransmissions);
    };
    std::int64_t t = 0;
    const auto send = [&](bool client, std::uint32_t seq, std::uint16_t flags, std::size_t payload) {
        const pkt::v4addr c{10, 0, 0, 9}, s{10, 0, 0, 1};
        const auto frame = pkt::ethernet(0x0800, pkt::ipv4(6, client ? c : s, client ? s : c,
                                                           pkt::tcp(client ? 40000 : 443, client ? 443 : 40000,
                                                                    test::bytes(payload), {.seq = seq, .flags = flags})));
        const packet_view p{from_ns(1'000'000'000 + (t += 1'000'000)), frame, static_cast<std::uint32_t>(frame.size()),
                            link_type::ethernet, 0};
        (void)table.update(p.time, dec.decode(p), on_end);
    };
    send(true, 100, 0x002, 0);
    send(false, 500, 0x012, 0);
    send(true, 101, 0x018, 100);
    send(true, 101, 0x018, 100);  // the same bytes again: a retransmission
    send(true, 9000, 0x002, 0);   // a SYN with a new initial sequence number: a new connection
    table.flush(on_end);
    REQUIRE(rows.size() == 2);
    CHECK(retransmissions[0] == 1);
    CHECK(rows[0][0] == Approx(1.0 / 3.0));  // down/up packets: 1 of the server's, 3 of the client's
    CHECK(rows[0][3] == 3 * 40);             // the client's header bytes
}
