// The detect stage in a pipeline: a capture's flows in, alerts out, beside another sink or in a tee with one.
#include <catch2/catch.hpp>

#include "pktdyn/pipeline/detect.hpp"
#include "support/packet_builder.hpp"

using namespace pktdyn;

namespace {
struct kept {
    std::vector<alert>* all;
    result<void> begin() { return {}; }
    void consume(const alert& a) { all->push_back(a); }
    result<void> finish() { return {}; }
};

/// 30 SYNs from one host to 30 ports of another, each answered by RST+ACK: a vertical scan (remote).
struct syn_scan {
    std::vector<test::bytes> frames;
    std::size_t at = 0;
    syn_scan() {
        namespace pkt = test::pkt;
        const pkt::v4addr scanner{198, 51, 100, 9}, target{192, 0, 2, 7};
        for (std::uint16_t port = 1; port <= 30; ++port) {
            frames.push_back(pkt::ethernet(0x0800, pkt::ipv4(6, scanner, target, pkt::tcp(40000, port, {}, {.flags = 0x002}))));
            frames.push_back(pkt::ethernet(0x0800, pkt::ipv4(6, target, scanner, pkt::tcp(port, 40000, {}, {.seq = 0, .ack = 1001, .flags = 0x014}))));
        }
    }
    std::optional<packet_view> next() {
        if (at == frames.size()) return std::nullopt;
        const auto& f = frames[at];
        const auto t = from_ns(1'700'000'000'000'000'000 + static_cast<std::int64_t>(at) * 10'000'000);
        ++at;
        return packet_view{t, f, static_cast<std::uint32_t>(f.size()), link_type::ethernet, 0};
    }
};
}  // namespace

TEST_CASE("detect(): rows in, alerts out, at any thread count", "[pipeline][detect]") {
    for (const unsigned threads : {1u, 2u}) {
        syn_scan source;
        std::vector<alert> alerts;
        std::size_t rows = 0;
        const detector_config config;
        auto run = from(source) | track_flows({}) | detect(config, kept{&alerts}) |
                   to(callback_sink([&](const schema&, std::span<const value>) { ++rows; }));
        const run_result r = run({.threads = threads});
        CHECK(r.ok());
        CHECK(rows == 30);
        REQUIRE(alerts.size() == 1);
        CHECK(alerts[0].detector == "scan.vertical");
        CHECK(alerts[0].entity == "198.51.100.9");
        CHECK(alerts[0].peer == "192.0.2.7");
    }
}

TEST_CASE("A detection sink in a tee observes flows while its neighbour gets the rows", "[pipeline][detect]") {
    for (const unsigned threads : {1u, 2u}) {
        syn_scan source;
        std::vector<alert> alerts;
        std::size_t rows = 0;
        const detector_config config;
        auto run = from(source) | track_flows({}) |
                   to(tee(callback_sink([&](const schema&, std::span<const value>) { ++rows; }),
                          detection_sink<kept>(config, kept{&alerts})));
        REQUIRE(run({.threads = threads}).ok());
        CHECK(rows == 30);
        REQUIRE(alerts.size() == 1);
        CHECK(alerts[0].detector == "scan.vertical");
    }
}
