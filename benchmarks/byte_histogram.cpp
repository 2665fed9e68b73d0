// The byte-histogram kernels in GB/s, each instruction set against the scalar build and against
// what one core can read from memory in the same run:
//   kernel/<isa>/<bytes>   one call per buffer of <bytes> (payload sizes stay in cache; 256 MiB
//                          streams from memory)
//   memory_read            a vectorised sum over 256 MiB: the single-core read bandwidth
// Before timing, every kernel must give the obvious loop's counts on the buffers it is timed on.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "pktdyn/simd/byte_histogram.hpp"

namespace {

constexpr std::size_t big_bytes = std::size_t{256} << 20;

// Real payloads are not uniform: a quarter of these bytes are zero runs, as padding and text make.
const std::vector<std::byte>& buffer() {
    static const std::vector<std::byte> data = [] {
        std::vector<std::byte> d(big_bytes);
        std::mt19937_64 rng(42);
        for (std::size_t i = 0; i < d.size(); i += 8) {
            std::uint64_t w = rng();
            if ((w & 3) == 0) w = 0;
            std::memcpy(d.data() + i, &w, 8);
        }
        return d;
    }();
    return data;
}

void check(const pktdyn::simd::histogram_kernel& k, std::span<const std::byte> data) {
    std::array<std::uint32_t, 256> counts{}, expected{};
    for (std::byte b : data) ++expected[std::to_integer<std::uint8_t>(b)];
    k.count(data, counts);
    pktdyn::bench::verify(counts == expected, "kernel " + std::string(k.name) + " counts every byte");
}

void kernel(benchmark::State& state, pktdyn::simd::histogram_kernel k, std::size_t bytes) {
    const auto& data = buffer();
    const std::size_t calls = std::min<std::size_t>(big_bytes / bytes, 1 << 16);  // cycle over buffers
    check(k, std::span(data).first(bytes));
    std::array<std::uint32_t, 256> counts{};
    std::size_t i = 0;
    for (auto _ : state) {
        k.count(std::span(data).subspan((i++ % calls) * bytes, bytes), counts);
        benchmark::DoNotOptimize(counts.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

void memory_read(benchmark::State& state) {
    const auto& data = buffer();
    for (auto _ : state) {
        std::uint64_t sum[4]{};
        for (std::size_t i = 0; i < data.size(); i += 32)
            for (std::size_t j = 0; j < 4; ++j) {
                std::uint64_t w;
                std::memcpy(&w, data.data() + i + 8 * j, 8);
                sum[j] += w;
            }
        benchmark::DoNotOptimize(sum);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}

const bool registered = [] {
    benchmark::RegisterBenchmark("memory_read", memory_read)->Unit(benchmark::kMillisecond)->UseRealTime();
    for (const auto& k : pktdyn::simd::byte_histogram_kernels) {
        if (!pktdyn::simd::runs_here(k)) continue;
        for (std::size_t bytes : {std::size_t{64}, std::size_t{256}, std::size_t{1460}, big_bytes})
            benchmark::RegisterBenchmark(("kernel/" + std::string(k.name) + "/" + std::to_string(bytes)).c_str(),
                                         kernel, k, bytes)
                ->UseRealTime();
    }
    return true;
}();

}  // namespace

BENCHMARK_MAIN();
