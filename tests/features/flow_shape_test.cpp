#include "pktdyn/features/flow_shape.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

using namespace pktdyn;

namespace {
flow_packet packet(std::int64_t at_us, int direction, std::uint32_t payload, std::uint16_t flags = 0) {
    flow_packet p;
    p.time = from_ns(1'000'000'000 + at_us * 1'000);
    p.direction = direction;
    p.ip_length = payload + 40;
    p.payload_length = payload;
    p.tcp_flags = flags;
    return p;
}
std::vector<double> row(const flow_shape& s) {
    std::vector<double> out(flow_shape::features.size());
    s.write(out);
    return out;
}
std::size_t column(std::string_view name) {
    const std::size_t i = column_index(flow_shape::features, name);
    REQUIRE(i != no_column);
    return i;
}
// A flow of `n` packets with varied directions, sizes and gaps (a fixed pseudo-random walk).
std::vector<flow_packet> flow(std::size_t n, std::uint32_t seed) {
    std::vector<flow_packet> packets;
    std::int64_t t = 0;
    std::uint32_t x = seed;
    for (std::size_t i = 0; i < n; ++i) {
        x = x * 1664525u + 1013904223u;
        t += (x >> 8) % 300'000;  // up to 0.3 s
        packets.push_back(packet(t, (x >> 3) % 3 == 0, (x >> 12) % 1600, static_cast<std::uint16_t>(x % 64)));
    }
    return packets;
}
}  // namespace

TEST_CASE("the first 30 packets: direction, payload, gap in whole microseconds and flags; NaN past the end", "[features][flow_shape]") {
    flow_shape s;
    s.update(packet(0, 0, 0, 0x002));
    s.update(packet(20'000, 1, 0, 0x012));
    s.update(packet(20'700, 0, 517, 0x018));
    const auto r = row(s);
    CHECK(r[column("shape_dir_2")] == 1);
    CHECK(r[column("shape_bytes_3")] == 517);
    CHECK(r[column("shape_gap_s_1")] == 0);
    CHECK(r[column("shape_gap_s_2")] == Approx(0.020));
    CHECK(r[column("shape_gap_s_3")] == Approx(0.0007));
    CHECK(r[column("shape_flags_2")] == 0x012);
    CHECK(std::isnan(r[column("shape_dir_4")]));
    CHECK(std::isnan(r[column("shape_flags_30")]));
    CHECK(flow_shape::features.size() == 4 * 30 + 51);
}

TEST_CASE("per-direction counts, sizes, gaps and their 8-bin histograms, by hand", "[features][flow_shape]") {
    flow_shape s;
    // originator: 0 B at 0, 100 B at 10 ms, 2000 B at 40 ms (gaps 10 ms and 30 ms);
    // responder: 15 B at 5 ms, 16 B at 1,105 ms (gap 1,100 ms).
    s.update(packet(0, 0, 0));
    s.update(packet(5'000, 1, 15));
    s.update(packet(10'000, 0, 100));
    s.update(packet(40'000, 0, 2000));
    s.update(packet(1'105'000, 1, 16));
    const auto r = row(s);
    CHECK(r[column("orig_shape_packets")] == 3);
    CHECK(r[column("orig_shape_data_packets")] == 2);
    CHECK(r[column("orig_shape_bytes")] == 2100);
    CHECK(r[column("orig_shape_size_mean")] == Approx(700));
    CHECK(r[column("orig_shape_size_std")] == Approx(std::sqrt((700.0 * 700 + 600.0 * 600 + 1300.0 * 1300) / 3)));
    CHECK(r[column("orig_shape_size_max")] == 2000);
    CHECK(r[column("orig_shape_gap_mean_s")] == Approx(0.020));
    CHECK(r[column("orig_shape_gap_std_s")] == Approx(0.010));
    CHECK(r[column("orig_shape_size_bin_1")] == 1);  // 0 B: [0, 15]
    CHECK(r[column("orig_shape_size_bin_4")] == 1);  // 100 B: [64, 127]
    CHECK(r[column("orig_shape_size_bin_8")] == 1);  // 2000 B: [1024, ∞)
    CHECK(r[column("orig_shape_gap_bin_1")] == 1);   // 10 ms: [0, 15]
    CHECK(r[column("orig_shape_gap_bin_2")] == 1);   // 30 ms: [16, 31]
    CHECK(r[column("resp_shape_size_bin_1")] == 1);  // 15 B
    CHECK(r[column("resp_shape_size_bin_2")] == 1);  // 16 B: [16, 31]
    CHECK(r[column("resp_shape_gap_bin_8")] == 1);   // 1,100 ms
    CHECK(r[column("resp_shape_gap_mean_s")] == Approx(1.1));
    CHECK(r[column("shape_packets")] == 5);
    CHECK(r[column("shape_duration_s")] == Approx(1.105));
}

TEST_CASE("a side with one packet has no gap statistics; an empty side has zero counts", "[features][flow_shape]") {
    flow_shape s;
    s.update(packet(0, 0, 10));
    const auto r = row(s);
    CHECK(std::isnan(r[column("orig_shape_gap_mean_s")]));
    CHECK(r[column("resp_shape_packets")] == 0);
    CHECK(r[column("resp_shape_size_mean")] == 0);
}

TEST_CASE("the summary made again from the sequence columns equals a flow_shape fed only those packets",
          "[features][flow_shape]") {
    for (std::uint32_t seed : {1u, 7u, 99u}) {
        const auto packets = flow(45, seed);
        flow_shape whole;
        for (const auto& p : packets) whole.update(p);
        const auto all = row(whole);
        const std::span<const double> sequence(all.data(), flow_shape::sequence_width);
        for (std::size_t n : {1u, 4u, 8u, 16u, 30u}) {
            flow_shape prefix;
            for (std::size_t i = 0; i < n; ++i) prefix.update(packets[i]);
            const auto expected = row(prefix);
            std::vector<double> summary(flow_shape::summary::width);
            flow_shape::summarize(sequence, n, 0, summary);
            INFO("seed " << seed << ", n " << n);
            for (std::size_t i = 0; i < summary.size(); ++i) {
                const double e = expected[flow_shape::sequence_width + i];
                INFO(flow_shape::features[flow_shape::sequence_width + i].column());
                if (std::isnan(e)) CHECK(std::isnan(summary[i]));
                else CHECK(summary[i] == e);  // exactly: the same packets through the same code
            }
        }
    }
}

TEST_CASE("a flow's two parts merged: the sequence is the whole flow's, the counts add up", "[features][flow_shape]") {
    const auto packets = flow(40, 5);
    for (std::size_t split : {1u, 10u, 35u}) {
        flow_shape whole, first, second;
        for (std::size_t i = 0; i < packets.size(); ++i) {
            whole.update(packets[i]);
            (i < split ? first : second).update(packets[i]);
        }
        first.merge(second);
        const auto a = row(first), b = row(whole);
        INFO("split at " << split);
        for (std::size_t i = 0; i < flow_shape::sequence_width; ++i) CHECK(a[i] == b[i]);
        for (const char* name : {"orig_shape_packets", "resp_shape_bytes", "shape_packets", "orig_shape_size_bin_8"})
            CHECK(a[column(name)] == b[column(name)]);
        CHECK(a[column("shape_duration_s")] == Approx(b[column("shape_duration_s")]));
        CHECK(a[column("resp_shape_size_mean")] == Approx(b[column("resp_shape_size_mean")]));
    }
}
