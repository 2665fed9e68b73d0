#include "pktdyn/proto/decoded_packet.hpp"

#include <catch2/catch.hpp>

using namespace pktdyn;

TEST_CASE("every decode issue belongs to a status and has a name", "[proto][decoded_packet]") {
    std::array<int, decode_status_count> per_status{};
    for (std::size_t i = 0; i < decode_issue_count; ++i) {
        const auto issue = static_cast<decode_issue>(i);
        CHECK(to_string(issue) != "?");
        ++per_status[static_cast<std::size_t>(status_of(issue))];
    }
    for (int n : per_status) CHECK(n > 0);
    CHECK(status_of(decode_issue::later_fragment) == decode_status::ok);
    CHECK(status_of(decode_issue::tcp_truncated) == decode_status::truncated);
    for (std::size_t k = 0; k < layer_kind_count; ++k) CHECK(!to_string(static_cast<layer_kind>(k)).empty());
}

TEST_CASE("a decoded packet is a small value without IP until one is found", "[proto][decoded_packet]") {
    decoded_packet d;
    CHECK_FALSE(d.has_ip());
    CHECK(d.begin() == d.end());
    static_assert(sizeof(decoded_packet) <= 768, "decoded_packet is copied per packet: keep it small");
}

TEST_CASE("payload() is a view of the captured payload inside the packet", "[proto][decoded_packet]") {
    std::array<std::byte, 10> packet{};
    for (std::size_t i = 0; i < packet.size(); ++i) packet[i] = static_cast<std::byte>(i);
    decoded_packet d;
    d.bytes = packet;
    d.payload_offset = 6;
    d.payload_captured = 4;
    d.payload_length = 40;  // more on the wire than captured
    REQUIRE(d.payload().size() == 4);
    CHECK(d.payload().data() == packet.data() + 6);
    d.payload_captured = 5;  // inconsistent bounds give an empty view, never one past the packet
    CHECK(d.payload().empty());
}
