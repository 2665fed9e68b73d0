#include "pktdyn/core/concepts.hpp"

#include <catch2/catch.hpp>
#include <ranges>
#include <vector>

namespace {
// The smallest source a user could write: a vector of packets handed out one by one.
struct vector_source {
    std::vector<pktdyn::packet_view> packets;
    std::size_t next_index = 0;
    std::optional<pktdyn::packet_view> next() {
        if (next_index == packets.size()) return std::nullopt;
        return packets[next_index++];
    }
};
struct reporting_source : vector_source {
    std::optional<pktdyn::error> error() const { return std::nullopt; }
};
struct no_next {};
struct wrong_return {
    int next() { return 0; }
};
}  // namespace

static_assert(pktdyn::packet_source<vector_source>);
static_assert(!pktdyn::reporting_packet_source<vector_source>);
static_assert(pktdyn::reporting_packet_source<reporting_source>);
static_assert(!pktdyn::packet_source<no_next>);
static_assert(!pktdyn::packet_source<wrong_return>);
static_assert(std::ranges::input_range<pktdyn::packet_range<vector_source>>);

TEST_CASE("packets() walks any packet_source with range-for", "[core][concepts]") {
    vector_source s;
    for (std::int64_t i = 0; i < 3; ++i) s.packets.push_back({pktdyn::from_ns(i), {}, 0, pktdyn::link_type::raw, 0});
    std::int64_t expected = 0;
    for (const pktdyn::packet_view& p : pktdyn::packets(s)) CHECK(pktdyn::to_ns(p.time) == expected++);
    CHECK(expected == 3);
}

TEST_CASE("packets() on an empty source yields nothing", "[core][concepts]") {
    vector_source s;
    int n = 0;
    for ([[maybe_unused]] const auto& p : pktdyn::packets(s)) ++n;
    CHECK(n == 0);
}
