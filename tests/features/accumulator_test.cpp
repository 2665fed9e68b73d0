#include "pktdyn/features/accumulator.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "pktdyn/features/packet_stats.hpp"
#include "pktdyn/proto/decoder.hpp"
#include "support/packet_builder.hpp"

using namespace pktdyn;
namespace pkt = pktdyn::test::pkt;

namespace {
// A user's own accumulator: the concept is all it takes.
struct syn_count {
    static constexpr std::array<feature_info, 1> features{{{"", "syn_packets", "packets", "segments with SYN set"}}};
    double n = 0;
    void update(const flow_packet& p) noexcept { n += (p.tcp_flags & tcp_flag::syn) != 0; }
    void merge(const syn_count& o) noexcept { n += o.n; }
    void write(std::span<double> out) const noexcept { out[0] = n; }
};
static_assert(flow_accumulator<syn_count>);
static_assert(!flow_accumulator<int>);
}  // namespace

TEST_CASE("a flow packet carries direction, lengths, flags and the captured payload", "[features][accumulator]") {
    const auto frame = pkt::ethernet(0x0800, pkt::ipv4(6, {10, 0, 0, 1}, {10, 0, 0, 2},
                                                       pkt::tcp(40000, 443, test::bytes(5, std::byte{0xAB}), {.flags = 0x018})));
    decoder dec;
    const packet_view v{from_ns(1'000'000'000), frame, static_cast<std::uint32_t>(frame.size()), link_type::ethernet, 0};
    const decoded_packet d = dec.decode(v);
    const auto p = flow_packet::from(d, v.time, false);
    CHECK(p.direction == 1);
    CHECK(p.ip_length == 20 + 20 + 5);
    CHECK(p.payload_length == 5);
    REQUIRE(p.payload.size() == 5);
    CHECK(p.payload[4] == std::byte{0xAB});
    CHECK(p.tcp);
    CHECK(p.tcp_flags == 0x018);
}

TEST_CASE("a feature set writes its accumulators' values side by side", "[features][accumulator]") {
    using set = feature_set<syn_count, packet_stats>;
    static_assert(set::width == 1 + 54);
    constexpr auto schema = set::features();
    CHECK(schema[0].column() == "syn_packets");
    CHECK(schema[1].column() == "flow_ip_bytes_min");
    set s;
    flow_packet p;
    p.tcp_flags = tcp_flag::syn;
    p.ip_length = 60;
    s.observe(p);
    s.observe(p);
    std::vector<double> row(set::width);
    s.write(row);
    CHECK(row[0] == 2);
    CHECK(row[1] == 60);
    set other;
    other.observe(p);
    s.merge(other);
    s.write(row);
    CHECK(row[0] == 3);
}

namespace {
// An accumulator with a text value beside its number (as handshake metadata writes host names).
struct first_port_text {
    static constexpr std::array<feature_info, 1> features{{{"", "packets_seen", "packets", "packets of the flow"}}};
    static constexpr std::array<feature_info, 1> text_features{{{"", "first_direction", "text", "orig or resp"}}};
    double n = 0;
    int first = -1;
    void update(const flow_packet& p) noexcept {
        if (first < 0) first = p.direction;
        ++n;
    }
    void merge(const first_port_text& o) noexcept { n += o.n; }
    void write(std::span<double> out) const noexcept { out[0] = n; }
    void write_text(std::span<std::string> out) const { out[0] = first < 0 ? "" : first == 0 ? "orig" : "resp"; }
};
static_assert(text_accumulator<first_port_text>);
static_assert(!text_accumulator<syn_count>);
}  // namespace

TEST_CASE("a feature set gathers text values from the accumulators that have them, in order", "[features][accumulator]") {
    using set = feature_set<syn_count, first_port_text, packet_stats, first_port_text>;
    static_assert(set::width == 1 + 1 + 54 + 1);
    static_assert(set::text_width == 2);
    constexpr auto text = set::text_features();
    CHECK(text[0].column() == "first_direction");
    set s;
    flow_packet p;
    p.direction = 1;
    s.observe(p);
    std::vector<std::string> out(set::text_width);
    s.write_text(out);
    CHECK(out == std::vector<std::string>{"resp", "resp"});
    CHECK(feature_set<syn_count>::text_width == 0);
}
