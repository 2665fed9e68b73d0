#include "pktdyn/pipeline/pipeline.hpp"

#include <catch2/catch.hpp>
#include <stop_token>
#include <string>
#include <vector>

#include "pktdyn/export/csv.hpp"
#include "pktdyn/features/packet_stats.hpp"
#include "support/packet_builder.hpp"

using namespace pktdyn;
namespace pkt = pktdyn::test::pkt;
using namespace std::chrono_literals;

namespace {
tree_node leaf(double v) {
    tree_node n;
    n.value = v;
    return n;
}
tree_node split(std::uint32_t feature, double threshold, bool default_right, std::uint32_t left, std::uint32_t right) {
    tree_node n;
    n.type = tree_node::kind::numerical;
    n.feature = feature;
    n.threshold = threshold;
    n.default_right = default_right;
    n.left = left;
    n.right = right;
    return n;
}

// A user's own source: frames in memory, handed out one by one (views into its own storage).
struct memory_source {
    std::vector<std::pair<std::int64_t, test::bytes>> frames;  // (ms, frame)
    std::size_t next_index = 0;
    std::stop_source* stop_after_half = nullptr;
    std::optional<packet_view> next() {
        if (next_index == frames.size()) return std::nullopt;
        if (stop_after_half && next_index == frames.size() / 2) stop_after_half->request_stop();
        const auto& [ms, f] = frames[next_index++];
        return packet_view{from_ns(1'600'000'000'000'000'000 + ms * 1'000'000), f, static_cast<std::uint32_t>(f.size()),
                           link_type::ethernet, 0};
    }
};

// Three TCP connections (3, 5 and 7 request segments) and one UDP exchange.
memory_source capture() {
    memory_source s;
    const pkt::v4addr c{10, 0, 0, 9}, srv{10, 0, 0, 1};
    std::int64_t t = 0;
    for (const int n : {3, 5, 7}) {
        const std::uint16_t port = static_cast<std::uint16_t>(40000 + n);
        const auto seg = [&](bool from_client, std::uint16_t flags, std::size_t payload) {
            const auto body = from_client ? pkt::tcp(port, 443, test::bytes(payload), {.flags = flags})
                                          : pkt::tcp(443, port, test::bytes(payload), {.flags = flags});
            s.frames.emplace_back(t++, pkt::ethernet(0x0800, from_client ? pkt::ipv4(6, c, srv, body) : pkt::ipv4(6, srv, c, body)));
        };
        seg(true, 0x002, 0);
        seg(false, 0x012, 0);
        for (int i = 0; i < n; ++i) seg(true, 0x018, 100);
        seg(false, 0x018, 500);
    }
    s.frames.emplace_back(t++, pkt::ethernet(0x0800, pkt::ipv4(17, c, srv, pkt::udp(5353, 53, test::bytes(30)))));
    return s;
}

// packets >= 5 → 0.9 / 0.1 (logistic on ±2.2): a "model" that reads the originator's packet count.
forest_scorer busy_model() {
    forest_builder b(model_format::xgboost, 1, 1);
    b.transform(output_transform::logistic).feature_names({"orig_packets"});
    const std::vector<tree_node> nodes{split(0, 5.5, false, 1, 2), leaf(-2.2), leaf(2.2)};
    REQUIRE_FALSE(b.add_tree(nodes, 0, "tree 0"));
    auto f = std::move(b).finish();
    REQUIRE(f);
    return forest_scorer(std::move(*f), "", {"quiet", "busy"});
}

struct collected {
    std::vector<std::string> names;
    std::vector<std::vector<value>> rows;
    std::vector<std::string> texts;  // text values copied: views live only during the call
};
auto collector(collected& into) {
    return callback_sink([&into](const schema& s, std::span<const value> row) {
        if (into.names.empty())
            for (const auto& c : s.columns()) into.names.push_back(c.name);
        into.rows.emplace_back(row.begin(), row.end());
        for (auto& v : into.rows.back())
            if (v.type == value::kind::text) v.s = into.texts.emplace_back(v.s);
    });
}
std::size_t index(const collected& c, std::string_view name) {
    return static_cast<std::size_t>(std::find(c.names.begin(), c.names.end(), name) - c.names.begin());
}
}  // namespace

TEST_CASE("a pipeline from a user's source through flows, features and a model into a sink", "[pipeline]") {
    auto source = capture();
    collected out;
    auto run = from(source) | track_flows({.idle = 60s, .seed = 1}) | extract<packet_stats>() | score(busy_model()) |
               to(collector(out));
    const schema s = run.columns();
    CHECK(s[s.find("flow_ip_bytes_mean")].role == column_role::feature);
    CHECK(s[s.find("p_busy")].role == column_role::score);
    CHECK(s[0].name == "community_id");
    const run_result r = run();
    CHECK(r.ok());
    CHECK(r.packets == source.frames.size());
    CHECK(r.flows.flows == 4);
    CHECK(r.flows.ended_by(end_reason::end_of_input) == 4);
    REQUIRE(out.rows.size() == 4);
    CHECK(out.names.size() == s.size());
    std::size_t busy = 0;
    for (const auto& row : out.rows) {
        const auto packets = row[index(out, "orig_packets")].u;
        const double p = row[index(out, "p_busy")].d;
        if (row[index(out, "protocol")].u == 6) busy += packets >= 6;
        CHECK(p == Approx(packets >= 6 ? 0.9002495 : 0.0997505).epsilon(1e-6));
        CHECK(row[index(out, "flow_ip_bytes_max")].d == (row[index(out, "protocol")].u == 6 ? 540 : 58));  // 500 B + headers
    }
    CHECK(busy == 2);  // 5 + 1 and 7 + 1 request segments with the SYN
}

TEST_CASE("stage closures compose, and several sinks take every row", "[pipeline]") {
    auto source = capture();
    collected a, b;
    const auto analysis = track_flows({.seed = 1}) | extract<packet_stats>();
    auto run = from(source) | analysis | to(collector(a)) | to(collector(b));
    const auto r = run();
    CHECK(r.ok());
    CHECK(a.rows.size() == 4);
    CHECK(b.rows.size() == 4);
    CHECK(a.names == b.names);
}

TEST_CASE("a stop token ends the input and every open flow is still written", "[pipeline]") {
    auto source = capture();
    std::stop_source stop;
    source.stop_after_half = &stop;
    collected out;
    auto run = from(source) | to(collector(out));
    const auto r = run({.stop = stop.get_token()});
    CHECK(r.stopped);
    CHECK(r.packets < source.frames.size());
    CHECK(out.rows.size() == r.flows.flows);
    CHECK(r.flows.ended_by(end_reason::end_of_input) == r.flows.flows);
}

TEST_CASE("a model whose features the rows lack stops the run before a packet is read", "[pipeline]") {
    auto source = capture();
    forest_builder b(model_format::xgboost, 1, 1);
    b.transform(output_transform::logistic).feature_names({"no_such_column"});
    const std::vector<tree_node> only{leaf(0.0)};
    REQUIRE_FALSE(b.add_tree(only, 0, "tree 0"));
    auto f = std::move(b).finish();
    REQUIRE(f);
    auto run = from(source) | score(forest_scorer(std::move(*f))) | to(csv_sink("/dev/null"));
    const auto r = run();
    REQUIRE(r.output_error);
    CHECK(r.output_error->message() == "the model's feature 'no_such_column' is not among the 112 columns");
    CHECK(r.packets == 0);
}
