// HyperLogLog against the exact distinct count of streams made here, and against its published
// accuracy (relative standard error 1.04 / sqrt(m), Flajolet et al. 2007): the root-mean-square
// error over many independent sketches must be that size, not merely "small".
#include "pktdyn/baseline/hyperloglog.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

using pktdyn::hyperloglog;

TEST_CASE("an empty HyperLogLog estimates zero, and repeats of one key one", "[baseline][hyperloglog]") {
    hyperloglog<12> h;
    CHECK(h.empty());
    CHECK(h.estimate() == 0);
    for (int i = 0; i < 1000; ++i) h.add(std::string_view("10.0.0.1"));
    CHECK(h.estimate() == Approx(1.0).epsilon(0.01));  // linear counting: m ln(m / (m - 1))
}

TEST_CASE("HyperLogLog's error is the published 1.04 / sqrt(m) at every scale", "[baseline][hyperloglog]") {
    // For each cardinality, 24 sketches with different seeds: their RMS relative error must lie
    // within a factor of two of 1.04 / sqrt(4096) = 1.6 % (below 2.5 m linear counting does better).
    for (const std::uint64_t n : {100u, 1000u, 20000u, 200000u}) {
        double squares = 0;
        constexpr int sketches = 24;
        for (int s = 0; s < sketches; ++s) {
            hyperloglog<12> h(static_cast<std::uint64_t>(s) + 1);
            for (std::uint64_t k = 0; k < n; ++k) h.add(k * 0x9e3779b97f4a7c15ull + static_cast<std::uint64_t>(s));
            const double relative = (h.estimate() - static_cast<double>(n)) / static_cast<double>(n);
            squares += relative * relative;
        }
        const double rms = std::sqrt(squares / sketches);
        INFO("n = " << n << ": RMS relative error " << rms << ", published " << hyperloglog<12>::standard_error());
        CHECK(rms < 2 * hyperloglog<12>::standard_error());
        if (n >= 20000) CHECK(rms > 0.5 * hyperloglog<12>::standard_error());  // the raw estimator's regime
    }
}

TEST_CASE("HyperLogLog counts names, each however often it repeats", "[baseline][hyperloglog]") {
    hyperloglog<14> h;
    for (int round = 0; round < 3; ++round)
        for (int i = 0; i < 5000; ++i) h.add("host" + std::to_string(i) + ".example.com");
    CHECK(h.estimate() == Approx(5000).epsilon(3 * hyperloglog<14>::standard_error()));
}

TEST_CASE("two HyperLogLogs merge into the sketch of both streams", "[baseline][hyperloglog]") {
    hyperloglog<10> a(7), b(7), both(7);
    for (std::uint64_t k = 0; k < 30000; ++k) {
        (k % 3 == 0 ? a : b).add(k);
        both.add(k);
        if (k % 5 == 0) a.add(k);  // keys in both halves count once
    }
    a.merge(b);
    CHECK(a.registers_of() == both.registers_of());
    CHECK(a.estimate() == both.estimate());
    CHECK(a.estimate() == Approx(30000).epsilon(3 * hyperloglog<10>::standard_error()));
}
