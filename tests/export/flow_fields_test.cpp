#include "pktdyn/export/flow_fields.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "pktdyn/flow/flow_table.hpp"
#include "pktdyn/proto/decoder.hpp"
#include "support/packet_builder.hpp"

using namespace pktdyn;
namespace pkt = pktdyn::test::pkt;

TEST_CASE("every flow field is named once, typed and documented", "[export][flow_fields]") {
    schema s;
    add_flow_columns(s);
    std::set<std::string> names;
    std::size_t per_direction = 0;
    for (const auto& f : flow_fields) {
        per_direction += f.per_direction;
        CHECK_FALSE(f.unit.empty());
        CHECK_FALSE(f.definition.empty());
        CHECK(f.read != nullptr);
    }
    for (const auto& c : s.columns()) CHECK(names.insert(c.name).second);
    CHECK(s.size() == flow_fields.size() + per_direction);
    CHECK(s[s.find("orig_packets") + 1].name == "resp_packets");
}

TEST_CASE("a flow's field values: the record, the TCP analysis, no value where none applies", "[export][flow_fields]") {
    decoder dec;
    flow_table<tcp_tracker> table{flow_options{.seed = 1}};
    const pkt::v4addr c{10, 0, 0, 9}, srv{10, 0, 0, 1};
    const auto send = [&](bool from_client, std::uint16_t flags, std::size_t payload, std::int64_t ms, std::uint32_t seq, std::uint32_t ack) {
        const auto body = from_client ? pkt::tcp(40000, 443, test::bytes(payload), {.seq = seq, .ack = ack, .flags = flags})
                                      : pkt::tcp(443, 40000, test::bytes(payload), {.seq = seq, .ack = ack, .flags = flags});
        const auto frame = pkt::ethernet(0x0800, from_client ? pkt::ipv4(6, c, srv, body) : pkt::ipv4(6, srv, c, body));
        const packet_view p{from_ns(1'000'000'000 + ms * 1'000'000), frame, static_cast<std::uint32_t>(frame.size()), link_type::ethernet, 0};
        (void)table.update(p.time, dec.decode(p), [](auto&) {});
    };
    send(true, 0x002, 0, 0, 100, 0);
    send(false, 0x012, 0, 20, 500, 101);
    send(true, 0x010, 0, 21, 101, 501);
    send(true, 0x018, 300, 22, 101, 501);
    send(false, 0x018, 1000, 52, 501, 401);
    schema s;
    add_flow_columns(s);
    std::vector<value> row;
    flow_text text;
    table.flush([&](flow_table<tcp_tracker>::entry& e) {
        text.read(e.record);
        append_flow_values({e.record, e.state}, text, row);
    });
    REQUIRE(row.size() == s.size());
    const auto at = [&](std::string_view name) { return row[s.find(name)]; };
    CHECK(at("originator").s == "10.0.0.9");
    CHECK(at("responder_port").u == 443);
    CHECK(at("conn_state").s == "S1");
    CHECK(at("history").s == "ShADd");  // the responder sent no pure ACK
    CHECK(at("orig_packets").u == 3);
    CHECK(at("resp_payload_bytes").u == 1000);
    CHECK(at("syn_to_syn_ack_s").ns == 20'000'000);
    CHECK(at("response_time_s").ns == 30'000'000);
    CHECK(at("orig_rtt_samples").u == 2);
    CHECK(at("orig_mss").type == value::kind::missing);  // the SYN carried no options
    CHECK(at("end_reason").s == "end_of_input");
    CHECK(at("community_id").s == community_id_v1(ip_address::v4(10, 0, 0, 9), ip_address::v4(10, 0, 0, 1), 6, 40000, 443));
}
