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

// The scan through `stages(config, rows, alerts)` (what follows track_flows) at 1 and 2 threads:
// every flow's row to the row sink, and one alert, the vertical scan.
template <class Stages>
void expect_the_scan(Stages stages) {
    for (const unsigned threads : {1u, 2u}) {
        INFO(threads << " threads");
        syn_scan source;
        std::vector<alert> alerts;
        std::size_t rows = 0;
        const detector_config config;
        auto run = from(source) | track_flows({}) | stages(config, rows, alerts);
        REQUIRE(run({.threads = threads}).ok());
        CHECK(rows == 30);
        REQUIRE(alerts.size() == 1);
        CHECK(alerts[0].detector == "scan.vertical");
        CHECK(alerts[0].entity == "198.51.100.9");
        CHECK(alerts[0].peer == "192.0.2.7");
    }
}

auto count_rows(std::size_t& rows) {
    return callback_sink([&rows](const schema&, std::span<const value>) { ++rows; });
}
}  // namespace

TEST_CASE("detect(): rows in, alerts out, at any thread count", "[pipeline][detect]") {
    expect_the_scan([](const detector_config& config, std::size_t& rows, std::vector<alert>& alerts) {
        return detect(config, kept{&alerts}) | to(count_rows(rows));
    });
}

TEST_CASE("A detection sink in a tee observes flows while its neighbour gets the rows", "[pipeline][detect]") {
    expect_the_scan([](const detector_config& config, std::size_t& rows, std::vector<alert>& alerts) {
        return to(tee(count_rows(rows), detection_sink<kept>(config, kept{&alerts})));
    });
}
