#include "pktdyn/flow/tcp_stream.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <vector>

using pktdyn::tcp_stream;

namespace {
std::vector<std::byte> pattern(std::size_t n, unsigned seed = 1) {
    std::vector<std::byte> v(n);
    std::mt19937 rng(seed);
    for (auto& b : v) b = static_cast<std::byte>(rng());
    return v;
}

/// Feeds segments [from, to) of `data` (stream offset 0 at sequence number isn + 1) and collects what comes out.
struct harness {
    tcp_stream stream;
    std::vector<std::byte> out;
    std::size_t want = SIZE_MAX;
    std::uint32_t isn = 1000;
    void syn() {
        stream.segment(isn, true, 0, {}, [&](auto) { return true; });
    }
    void send(const std::vector<std::byte>& data, std::size_t from, std::size_t to, std::size_t captured = SIZE_MAX) {
        const auto all = std::span<const std::byte>(data).subspan(from, to - from);
        stream.segment(isn + 1 + static_cast<std::uint32_t>(from), false, static_cast<std::uint32_t>(to - from),
                       all.first(std::min(captured, all.size())), [&](std::span<const std::byte> s) {
                           out.insert(out.end(), s.begin(), s.end());
                           return out.size() < want;
                       });
    }
};
}  // namespace

TEST_CASE("tcp_stream delivers in-order segments as they come", "[flow][tcp_stream]") {
    const auto data = pattern(3000);
    harness h;
    h.syn();
    h.send(data, 0, 1000);
    h.send(data, 1000, 3000);
    CHECK(h.out == data);
    CHECK(h.stream.delivered() == 3000);
    CHECK_FALSE(h.stream.stalled());
    CHECK(h.stream.out_of_order() == 0);
}

TEST_CASE("tcp_stream holds a segment that came early until the hole before it fills", "[flow][tcp_stream]") {
    const auto data = pattern(3000);
    harness h;
    h.syn();
    h.send(data, 0, 1000);
    h.send(data, 2000, 3000);
    CHECK(h.out.size() == 1000);
    CHECK(h.stream.stalled());
    h.send(data, 1000, 2000);
    CHECK(h.out == data);
    CHECK_FALSE(h.stream.stalled());
    CHECK(h.stream.out_of_order() == 1);
}

TEST_CASE("tcp_stream ignores retransmissions and delivers only the new part of an overlap", "[flow][tcp_stream]") {
    const auto data = pattern(3000);
    harness h;
    h.syn();
    h.send(data, 0, 1500);
    h.send(data, 0, 1000);     // all old
    h.send(data, 1000, 2500);  // 500 old, 1000 new
    h.send(data, 2400, 3000);
    CHECK(h.out == data);
}

TEST_CASE("tcp_stream starts at the first data segment when it never saw the SYN", "[flow][tcp_stream]") {
    const auto data = pattern(2000);
    harness h;
    h.send(data, 500, 1000);
    h.send(data, 1000, 2000);
    CHECK(h.out == std::vector<std::byte>(data.begin() + 500, data.end()));
}

TEST_CASE("tcp_stream says bytes were lost when a segment was captured short, after delivering its captured part",
          "[flow][tcp_stream]") {
    const auto data = pattern(2000);
    harness h;
    h.syn();
    h.send(data, 0, 1000, 600);
    CHECK(h.out == std::vector<std::byte>(data.begin(), data.begin() + 600));
    CHECK(h.stream.state() == tcp_stream::status::lost);
    h.send(data, 1000, 2000);
    CHECK(h.out.size() == 600);
}

TEST_CASE("tcp_stream stops when its consumer has what it wants", "[flow][tcp_stream]") {
    const auto data = pattern(2000);
    harness h;
    h.want = 100;
    h.syn();
    h.send(data, 0, 1000);
    CHECK(h.out.size() == 1000);  // a run is delivered whole; the consumer stops after it
    CHECK(h.stream.state() == tcp_stream::status::stopped);
    h.send(data, 1000, 2000);
    CHECK(h.out.size() == 1000);
}

TEST_CASE("tcp_stream drops what lies beyond its window and waits for it to come again", "[flow][tcp_stream]") {
    const auto data = pattern(tcp_stream::window_bytes + 4000);
    harness h;
    h.syn();
    h.send(data, 0, 100);
    h.send(data, tcp_stream::window_bytes + 200, tcp_stream::window_bytes + 300);  // beyond the window
    CHECK(h.stream.dropped() == 1);
    h.send(data, 100, tcp_stream::window_bytes + 4000);
    CHECK(h.out == data);
}

TEST_CASE("tcp_stream follows sequence numbers across the 2^32 wrap", "[flow][tcp_stream]") {
    const auto data = pattern(5000);
    harness h;
    h.isn = 0xFFFFFFFFu - 1500;
    h.syn();
    h.send(data, 3000, 5000);
    h.send(data, 0, 1000);
    h.send(data, 1000, 3000);
    CHECK(h.out == data);
}

TEST_CASE("tcp_stream rebuilds any shuffled, duplicated segmentation of a stream that fits its window",
          "[flow][tcp_stream]") {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 300; ++trial) {
        const auto data = pattern(1 + rng() % 12000, static_cast<unsigned>(trial));
        std::vector<std::pair<std::size_t, std::size_t>> segments;
        for (std::size_t at = 0; at < data.size();) {
            const std::size_t n = std::min<std::size_t>(1 + rng() % 1460, data.size() - at);
            segments.emplace_back(at, at + n);
            at += n;
        }
        // Each segment once more with probability 1/4, then a shuffle: the window must hold what comes early.
        const std::size_t n = segments.size();
        for (std::size_t i = 0; i < n; ++i)
            if (rng() % 4 == 0) segments.push_back(segments[i]);
        std::shuffle(segments.begin(), segments.end(), rng);
        harness h;
        h.isn = static_cast<std::uint32_t>(rng());
        h.syn();
        for (const auto& [from, to] : segments) h.send(data, from, to);
        // Up to max_holes runs can wait at once; a segment that did not fit is dropped and its resend completes.
        for (const auto& [from, to] : segments) h.send(data, from, to);
        INFO("trial " << trial << ", " << data.size() << " bytes, " << segments.size() << " segments");
        REQUIRE(h.out == data);
    }
}
