// Every histogram kernel this CPU runs must count exactly what the obvious loop counts: on buffers
// of every length 0–4096 at every alignment class, on byte mixes that stress the kernel (uniform,
// few values, long runs), and on every payload of the corpus.
#include "pktdyn/simd/byte_histogram.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <random>
#include <vector>

#include "corpus/corpus.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/proto/decoder.hpp"

using namespace pktdyn;

namespace {

std::array<std::uint32_t, 256> obvious_counts(std::span<const std::byte> data) {
    std::array<std::uint32_t, 256> counts{};
    for (std::byte b : data) ++counts[std::to_integer<std::uint8_t>(b)];
    return counts;
}

std::vector<simd::histogram_kernel> kernels_here() {
    std::vector<simd::histogram_kernel> out;
    for (const auto& k : simd::byte_histogram_kernels)
        if (simd::runs_here(k)) out.push_back(k);
    return out;
}

}  // namespace

TEST_CASE("every kernel equals the obvious count on every length 0-4096", "[simd][byte_histogram]") {
    const auto kernels = kernels_here();
    REQUIRE(kernels.front().name == "scalar");
    std::mt19937 rng(5);
    std::vector<std::byte> buffer(4096 + 8);
    // Mixes: uniform bytes, seven values (short runs), mostly zeros with rare values (long runs).
    for (int mix = 0; mix < 3; ++mix) {
        for (auto& b : buffer)
            b = static_cast<std::byte>(mix == 0 ? rng() : mix == 1 ? rng() % 7 : (rng() % 50 ? 0 : rng()));
        for (std::size_t n = 0; n <= 4096; ++n) {
            const std::span<const std::byte> data(buffer.data() + n % 8, n);  // every alignment class
            const auto expected = obvious_counts(data);
            for (const auto& k : kernels) {
                std::array<std::uint32_t, 256> counts{};
                counts[7] = 1000;  // kernels add to what is there
                k.count(data, counts);
                counts[7] -= 1000;
                if (counts != expected) FAIL(fmt::format("kernel {}, mix {}, length {}", k.name, mix, n));
            }
        }
    }
    SUCCEED(fmt::format("{} kernels checked", kernels.size()));
}

TEST_CASE("a buffer of one value fills one counter without overflowing the kernel's sub-counters",
          "[simd][byte_histogram]") {
    const std::vector<std::byte> same(100'000, std::byte{0xab});
    for (const auto& k : kernels_here()) {
        std::array<std::uint32_t, 256> counts{};
        k.count(same, counts);
        CHECK(counts[0xab] == 100'000);
        CHECK(counts[0xaa] == 0);
    }
}

TEST_CASE("the kernel is chosen from the CPU, or by PKTDYN_SIMD with a note when it cannot be used",
          "[simd][byte_histogram]") {
    const auto kernels = kernels_here();
    CHECK(simd::choose_byte_histogram_kernel(nullptr).kernel.name == kernels.back().name);
    CHECK(simd::choose_byte_histogram_kernel("").note.empty());
    for (const auto& k : kernels) {
        const auto c = simd::choose_byte_histogram_kernel(std::string(k.name).c_str());
        CHECK(c.kernel.name == k.name);
        CHECK(c.note.empty());
    }
    const auto unknown = simd::choose_byte_histogram_kernel("neon9");
    CHECK(unknown.kernel.name == kernels.back().name);
    CHECK_THAT(unknown.note, Catch::Contains("not a kernel of this build") && Catch::Contains("scalar"));

    // The process's own choice honours PKTDYN_SIMD (ctest runs the suite once per kernel this way).
    const char* forced = std::getenv("PKTDYN_SIMD");
    const auto& chosen = simd::byte_histogram_choice();
    if (forced && *forced && chosen.note.empty()) CHECK(chosen.kernel.name == forced);
    if (!chosen.note.empty()) WARN(chosen.note);
    INFO("kernel in use: " << chosen.kernel.name);
    std::array<std::uint32_t, 256> counts{};
    const std::array<std::byte, 3> three{std::byte{1}, std::byte{1}, std::byte{2}};
    simd::byte_histogram(three, counts);
    CHECK((counts[1] == 2 && counts[2] == 1));
}

TEST_CASE("every kernel equals the obvious count on every payload of the corpus", "[corpus][simd]") {
    const auto root = test::corpus_root();
    if (!root) {
        WARN("corpus not found (set PKTDYN_CORPUS): kernels not checked on real payloads");
        return;
    }
    const auto kernels = kernels_here();
    decoder dec;
    std::size_t payloads = 0, bytes = 0;
    std::vector<std::string> failures;
    for (const auto& rel : test::corpus_captures(*root)) {
        auto f = capture_file::open(*root / "pcap" / rel);
        if (!f) continue;
        while (auto p = f->next()) {
            const auto d = dec.decode(*p);
            const auto payload = d.payload();
            if (payload.empty()) continue;
            ++payloads;
            bytes += payload.size();
            const auto expected = obvious_counts(payload);
            for (const auto& k : kernels) {
                std::array<std::uint32_t, 256> counts{};
                k.count(payload, counts);
                if (counts != expected && failures.size() < 20)
                    failures.push_back(fmt::format("{}: kernel {}, payload of {} bytes", rel.string(), k.name,
                                                   payload.size()));
            }
        }
    }
    INFO(payloads << " payloads, " << bytes << " bytes, " << kernels.size() << " kernels");
    for (const auto& f : failures) UNSCOPED_INFO(f);
    CHECK(failures.empty());
    CHECK(payloads > 100000);
}
