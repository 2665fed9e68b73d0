#include "pktdyn/flow/flow_path.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "support/packet_builder.hpp"

using namespace pktdyn;
namespace pkt = pktdyn::test::pkt;

TEST_CASE("a later IP fragment joins its datagram's flow on the way in", "[flow][flow_path]") {
    // A UDP datagram in two fragments: the first carries the ports, the second only data.
    const pkt::v4addr a{10, 0, 0, 1}, b{10, 0, 0, 2};
    const auto udp = pkt::udp(5353, 53, test::bytes(40));
    const test::bytes first_part(udp.begin(), udp.begin() + 24), second_part(udp.begin() + 24, udp.end());
    const auto first = pkt::ethernet(0x0800, pkt::ipv4(17, a, b, first_part, {.id = 7, .more_fragments = true}));
    const auto second = pkt::ethernet(0x0800, pkt::ipv4(17, a, b, second_part, {.id = 7, .fragment_offset = 24}));
    flow_path<> path{flow_options{.seed = 1}};
    std::vector<flow_record> ended;
    const auto on_end = [&](flow_table<>::entry& e) { ended.push_back(e.record); };
    int t = 0;
    for (const auto* frame : {&first, &second}) {
        const packet_view p{from_ns(1'000'000'000 + ++t), *frame, static_cast<std::uint32_t>(frame->size()), link_type::ethernet, 0};
        const auto hit = path.push(p, on_end);
        CHECK(hit.flow != nullptr);
    }
    path.flush(on_end);
    REQUIRE(ended.size() == 1);               // one flow, keyed by the datagram's ports
    CHECK(ended[0].dir[0].packets + ended[0].dir[1].packets == 2);
    CHECK(path.fragments().stats().attributed == 2);
    CHECK(path.decoding().stats().packets == 2);
    CHECK(path.table().stats().flows == 1);
}
