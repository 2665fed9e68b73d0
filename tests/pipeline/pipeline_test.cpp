#include "pktdyn/pipeline/pipeline.hpp"

#include <catch2/catch.hpp>
#include <deque>
#include <random>
#include <stop_token>
#include <string>
#include <vector>

#include "pktdyn/export/csv.hpp"
#include "pktdyn/features/handshakes.hpp"
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
    REQUIRE(b.add_tree(nodes, 0, "tree 0"));
    auto f = std::move(b).finish();
    REQUIRE(f);
    return forest_scorer(std::move(*f), "", {"quiet", "busy"});
}

struct collected {
    std::vector<std::string> names;
    std::vector<std::vector<value>> rows;
    std::deque<std::string> texts;  // text values copied (views live only during the call); a deque keeps them in place
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
    REQUIRE(b.add_tree(only, 0, "tree 0"));
    auto f = std::move(b).finish();
    REQUIRE(f);
    auto run = from(source) | score(forest_scorer(std::move(*f))) | to(csv_sink("/dev/null"));
    const auto r = run();
    REQUIRE(r.output_error);
    CHECK(r.output_error->message() == "the model's feature 'no_such_column' is not among the 112 columns");
    CHECK(r.packets == 0);
}

namespace {
// Many interleaved flows: TCP and UDP between 40 clients and 12 servers, DNS answers naming the
// servers, idle gaps, a clock step back, and tuples reused by new SYNs.
memory_source busy_capture() {
    memory_source s;
    std::mt19937 rng(17);
    std::int64_t t = 0;
    for (int i = 0; i < 6000; ++i) {
        t += rng() % 50;
        if (i == 3000) t -= 200'000;  // time steps back 200 s (mergecap -a style)
        if (i % 1500 == 1499) t += 400'000;  // long quiet: idle splits
        const pkt::v4addr client{10, 1, 0, static_cast<std::uint8_t>(rng() % 40)};
        const pkt::v4addr server{192, 0, 2, static_cast<std::uint8_t>(rng() % 12)};
        const auto port = static_cast<std::uint16_t>(40000 + rng() % 8);
        const bool from_client = rng() % 2;
        const auto kind = static_cast<std::uint32_t>(rng() % 10);
        test::bytes ip;
        if (kind == 0) {  // a DNS answer naming a server
            test::byte_writer w{true};
            w.u16(7).u16(0x8180).u16(1).u16(1).u16(0).u16(0).dns_name("svc" + std::to_string(server[3]) + ".example").u16(1).u16(1);
            w.u16(0xC00C).u16(1).u16(1).u32(300).u16(4).u8(server[0]).u8(server[1]).u8(server[2]).u8(server[3]);
            ip = pkt::ipv4(17, {10, 1, 0, 250}, client, pkt::udp(53, port, w.data()));
        } else if (kind < 3) {
            ip = from_client ? pkt::ipv4(17, client, server, pkt::udp(port, 443, test::bytes(rng() % 300)))
                             : pkt::ipv4(17, server, client, pkt::udp(443, port, test::bytes(rng() % 1200)));
        } else {
            const std::uint16_t flags = kind == 3 ? 0x002 : kind == 4 ? 0x012 : kind == 5 ? 0x011 : 0x018;
            const std::uint32_t seq = kind == 3 ? static_cast<std::uint32_t>(rng()) : 1000 + static_cast<std::uint32_t>(i);
            ip = from_client ? pkt::ipv4(6, client, server, pkt::tcp(port, 443, test::bytes(rng() % 200), {.seq = seq, .flags = flags}))
                             : pkt::ipv4(6, server, client, pkt::tcp(443, port, test::bytes(rng() % 1400), {.seq = seq, .flags = flags}));
        }
        s.frames.emplace_back(t, pkt::ethernet(0x0800, ip));
    }
    return s;
}
std::string as_csv(const collected& c) {
    text_buffer b;
    for (const auto& row : c.rows) {
        for (const auto& v : row) {
            append_csv(b, v);
            b.push_back(',');
        }
        b.push_back('\n');
    }
    return fmt::to_string(b);
}
}  // namespace

TEST_CASE("sharded runs give the same rows in the same order for any number of threads", "[pipeline]") {
    // A small table (evictions), timeouts, reused tuples, names from DNS: every decision a shard
    // count could change.
    const auto run_with = [](unsigned threads) {
        auto source = busy_capture();
        collected out;
        auto run = from(source) | track_flows({.capacity = 48, .idle = 30s, .linger = 2s, .seed = 1}) | resolve_names() |
                   extract<handshake_metadata, packet_stats>() | score(busy_model()) | to(collector(out));
        const auto r = run({.threads = threads});
        CHECK(r.ok());
        CHECK(r.packets == source.frames.size());
        return std::pair{as_csv(out), r};
    };
    const auto [one, r1] = run_with(1);
    CHECK(r1.flows.ended_by(end_reason::evicted) > 0);
    CHECK(r1.flows.ended_by(end_reason::idle) > 0);
    CHECK(r1.flows.backward_steps > 0);
    CHECK(one.find("svc") != std::string::npos);  // responders named by the DNS answers
    for (unsigned threads : {2u, 3u, 8u}) {
        const auto [many, r] = run_with(threads);
        INFO("threads " << threads);
        CHECK(many == one);
        CHECK(r.flows.flows == r1.flows.flows);
        CHECK(r.decoding.by_status == r1.decoding.by_status);
    }
}

TEST_CASE("a sharded run without sinks counts what a one-thread run counts", "[pipeline]") {
    // No sink takes rows: the shards build none; a slot's state starts afresh for its next flow.
    const auto run_with = [](unsigned threads) {
        auto source = busy_capture();
        auto run = from(source) | track_flows({.capacity = 48, .idle = 30s, .linger = 2s, .seed = 1}) |
                   extract<handshake_metadata, packet_stats>();
        return run({.threads = threads});
    };
    const auto one = run_with(1);
    for (unsigned threads : {2u, 3u}) {
        const auto r = run_with(threads);
        INFO("threads " << threads);
        CHECK(r.ok());
        CHECK(r.packets == one.packets);
        CHECK(r.flows.flows == one.flows.flows);
        CHECK(r.flows.ended == one.flows.ended);
    }
}
