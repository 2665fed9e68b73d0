// pktdyn — the byte-value histogram kernel: adds each byte of a buffer to 256 counters.
//
// A 256-bin histogram is bound by its counter updates, not by arithmetic: vectors cannot scatter
// increments faster than the load/store ports do, and counting by comparison costs 256 compares
// per vector. What does pay is keeping increments of equal neighbouring bytes off one counter (a
// run of zeros would otherwise wait on each store) and making the fixed costs small: the kernel
// counts into four interleaved 8-bit sub-tables (1 KiB, zeroed and folded in a few vector
// instructions), reads the buffer eight bytes at a time, and folds every 1,016 bytes, before an
// 8-bit counter can overflow.
//
// The kernel is written once (`detail::count_bytes`) and compiled for each instruction set the
// compiler can target: "scalar" (the build's baseline), and on x86-64 "sse4.2", "avx2" and
// "avx512". At first use `byte_histogram` picks the widest one this CPU runs, or the one the
// environment variable PKTDYN_SIMD names (scalar, sse4.2, avx2, avx512); every kernel gives the
// same counts, bit for bit, which the tests check on every length 0–4096 and on real payloads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PKTDYN_SIMD_X86 1
#endif

namespace pktdyn::simd {

using byte_counts = std::span<std::uint32_t, 256>;

namespace detail {

/// Buffers shorter than this go straight into the counters: folding tables would cost more.
inline constexpr std::size_t direct_below = 16;
/// Bytes per fold: with four tables fed two bytes each per 8-byte word, 1,016 bytes put at most
/// 254 into any 8-bit counter (tail bytes included).
inline constexpr std::size_t fold_every = 1016;

[[gnu::always_inline]] inline void count_bytes(const std::byte* data, std::size_t size,
                                               std::uint32_t* counts) noexcept {
    if (size < direct_below) {
        for (std::size_t i = 0; i < size; ++i) ++counts[std::to_integer<std::uint8_t>(data[i])];
        return;
    }
    alignas(64) std::uint8_t sub[4][256];
    while (size != 0) {
        const std::size_t chunk = size < fold_every ? size : fold_every;
        std::memset(sub, 0, sizeof sub);
        std::size_t i = 0;
        for (; i + 8 <= chunk; i += 8) {
            std::uint64_t w;
            std::memcpy(&w, data + i, 8);  // byte order does not matter: every byte is counted
            ++sub[0][w & 0xff];
            ++sub[1][(w >> 8) & 0xff];
            ++sub[2][(w >> 16) & 0xff];
            ++sub[3][(w >> 24) & 0xff];
            ++sub[0][(w >> 32) & 0xff];
            ++sub[1][(w >> 40) & 0xff];
            ++sub[2][(w >> 48) & 0xff];
            ++sub[3][w >> 56];
        }
        for (; i < chunk; ++i) ++sub[i & 3][std::to_integer<std::uint8_t>(data[i])];
        for (std::size_t v = 0; v < 256; ++v)
            counts[v] += std::uint32_t{sub[0][v]} + sub[1][v] + sub[2][v] + sub[3][v];
        data += chunk;
        size -= chunk;
    }
}

}  // namespace detail

/// The kernel compiled for the build's baseline instruction set; runs on every CPU.
inline void byte_histogram_scalar(std::span<const std::byte> data, byte_counts counts) noexcept {
    detail::count_bytes(data.data(), data.size(), counts.data());
}

#ifdef PKTDYN_SIMD_X86
[[gnu::target("sse4.2,popcnt")]] inline void byte_histogram_sse42(std::span<const std::byte> data,
                                                                  byte_counts counts) noexcept {
    detail::count_bytes(data.data(), data.size(), counts.data());
}
[[gnu::target("avx2,bmi,bmi2")]] inline void byte_histogram_avx2(std::span<const std::byte> data,
                                                                 byte_counts counts) noexcept {
    detail::count_bytes(data.data(), data.size(), counts.data());
}
[[gnu::target("avx512f,avx512bw,avx512vl,avx2,bmi,bmi2")]] inline void byte_histogram_avx512(
    std::span<const std::byte> data, byte_counts counts) noexcept {
    detail::count_bytes(data.data(), data.size(), counts.data());
}
#endif

/// One compiled kernel: its name (as PKTDYN_SIMD spells it) and entry point.
struct histogram_kernel {
    std::string_view name;
    void (*count)(std::span<const std::byte>, byte_counts) noexcept;
};

/// Every kernel this build contains, narrowest first; `runs_here` says whether this CPU can run it.
inline constexpr std::array byte_histogram_kernels{
    histogram_kernel{"scalar", byte_histogram_scalar},
#ifdef PKTDYN_SIMD_X86
    histogram_kernel{"sse4.2", byte_histogram_sse42},
    histogram_kernel{"avx2", byte_histogram_avx2},
    histogram_kernel{"avx512", byte_histogram_avx512},
#endif
};

[[nodiscard]] inline bool runs_here(const histogram_kernel& k) noexcept {
#ifdef PKTDYN_SIMD_X86
    __builtin_cpu_init();  // callable before constructors have run (a static initialiser may ask)
    if (k.name == "sse4.2") return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt");
    if (k.name == "avx2")
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
    if (k.name == "avx512")
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("bmi2");
#endif
    return k.name == "scalar";
}

/// The kernel `byte_histogram` uses and why: the widest this CPU runs, or the one PKTDYN_SIMD
/// names. A name this build lacks or this CPU cannot run falls back to the widest that runs, and
/// `note` says so (the flow meter prints it).
struct kernel_choice {
    histogram_kernel kernel;
    std::string note;
};

[[nodiscard]] inline kernel_choice choose_byte_histogram_kernel(const char* requested) {
    histogram_kernel widest = byte_histogram_kernels[0];
    for (const auto& k : byte_histogram_kernels)
        if (runs_here(k)) widest = k;
    if (requested == nullptr || *requested == '\0') return {widest, ""};
    for (const auto& k : byte_histogram_kernels)
        if (k.name == requested) {
            if (runs_here(k)) return {k, ""};
            return {widest, "PKTDYN_SIMD=" + std::string(requested) + ": this CPU cannot run that kernel; using " +
                                std::string(widest.name)};
        }
    std::string known;
    for (const auto& k : byte_histogram_kernels) known += (known.empty() ? "" : ", ") + std::string(k.name);
    return {widest, "PKTDYN_SIMD=" + std::string(requested) + " is not a kernel of this build (" + known +
                        "); using " + std::string(widest.name)};
}

/// The choice made at first use, for the life of the process.
[[nodiscard]] inline const kernel_choice& byte_histogram_choice() {
    static const kernel_choice choice = choose_byte_histogram_kernel(std::getenv("PKTDYN_SIMD"));
    return choice;
}

/// Adds the values of `data` to `counts` with the chosen kernel (the caller keeps counts from
/// overflowing).
inline void byte_histogram(std::span<const std::byte> data, byte_counts counts) noexcept {
    static const auto count = byte_histogram_choice().kernel.count;  // one guarded load per call
    count(data, counts);
}

}  // namespace pktdyn::simd
