// Benchmark support: where the benchmark captures are, and a check-before-timing helper.
// The captures come from ../shared/bench/make-captures.sh (run by benchmarks/run.sh) and live
// outside the repository: PKTDYN_BENCH_CAPTURES, default /tmp/pktdyn-bench.
#pragma once

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

}  // namespace pktdyn::bench
