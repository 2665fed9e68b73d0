// Benchmark support: where the benchmark captures are, a check-before-timing helper, and the loop
// that times one whole pass over a capture.
// The captures come from ../shared/bench/make-captures.sh (run by benchmarks/run.sh) and live
// outside the repository: PKTDYN_BENCH_CAPTURES, default /tmp/pktdyn-bench.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace pktdyn::bench {

inline std::filesystem::path capture(const std::string& name) {
    const char* dir = std::getenv("PKTDYN_BENCH_CAPTURES");
    return std::filesystem::path(dir && *dir ? dir : "/tmp/pktdyn-bench") / name;
}

/// Stops the benchmark program when a result disagrees with its reference: a fast wrong answer
/// is not a benchmark result.
inline void verify(bool ok, const std::string& what) {
    if (!ok) {
        std::fprintf(stderr, "benchmark check failed: %s\n", what.c_str());
        std::exit(1);
    }
}

/// The link layer of the hand-written peers: Ethernet and up to two VLAN tags, nothing else.
struct ethernet_walk {
    std::uint16_t type = 0;  ///< the EtherType after the tags
    std::uint32_t at = 0;    ///< where the network header starts
    /// False for a frame shorter than an Ethernet header.
    bool walk(const unsigned char* b, std::uint32_t n) noexcept {
        if (n < 14) return false;
        type = static_cast<std::uint16_t>(b[12] << 8 | b[13]);
        at = 14;
        for (int tags = 0; tags < 2 && (type == 0x8100 || type == 0x88A8) && at + 4 <= n; ++tags) {
            type = static_cast<std::uint16_t>(b[at + 2] << 8 | b[at + 3]);
            at += 4;
        }
        return true;
    }
};

/// Times `pass(path)` (one whole pass over the capture) and reports packets per second from the
/// result's `packets`; `report(result, state)` adds whatever else the pass counts.
template <class Totals, class Report>
void time_passes(benchmark::State& state, const std::string& path, Totals (*pass)(const std::string&), Report report) {
    Totals t{};
    for (auto _ : state) {
        t = pass(path);
        benchmark::DoNotOptimize(t);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * t.packets));
    report(t, state);
}

}  // namespace pktdyn::bench
