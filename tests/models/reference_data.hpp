// Test support: the reference models and predictions scripts/xgboost_reference.py writes (a ctest
// fixture runs it), and a reader for its CSV files.
#pragma once

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace pktdyn::test {

/// Where scripts/xgboost_reference.py wrote: $PKTDYN_XGBOOST_REFERENCE, else the build tree's.
inline std::filesystem::path xgboost_reference_dir() {
    if (const char* env = std::getenv("PKTDYN_XGBOOST_REFERENCE")) return env;
    return std::filesystem::path(PKTDYN_REFERENCE_DIR) / "xgboost";
}

/// A CSV of numbers without a header ("nan", "inf" allowed): rows of equal width, flattened.
struct number_table {
    std::vector<double> values;
    std::size_t width = 0;
    [[nodiscard]] std::size_t rows() const { return width == 0 ? 0 : values.size() / width; }
    [[nodiscard]] double at(std::size_t r, std::size_t c) const { return values[r * width + c]; }
};

inline number_table read_numbers(const std::filesystem::path& path) {
    number_table t;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        std::size_t width = 0;
        const char* p = line.data();
        const char* end = line.data() + line.size();
        while (p < end) {
            double v = 0;
            auto [next, ec] = std::from_chars(p, end, v);
            if (ec != std::errc{}) throw std::runtime_error(path.string() + ": not a number: " + line);
            t.values.push_back(v);
            ++width;
            p = next;
            if (p < end && *p == ',') ++p;
        }
        if (t.width == 0) t.width = width;
        if (width != t.width) throw std::runtime_error(path.string() + ": rows of different widths");
    }
    return t;
}

inline std::vector<std::string> read_lines(const std::filesystem::path& path) {
    std::vector<std::string> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
    return lines;
}

}  // namespace pktdyn::test

namespace pktdyn::test {

/// Where scripts/lightgbm_reference.py wrote: $PKTDYN_LIGHTGBM_REFERENCE, else the build tree's.
inline std::filesystem::path lightgbm_reference_dir() {
    if (const char* env = std::getenv("PKTDYN_LIGHTGBM_REFERENCE")) return env;
    return std::filesystem::path(PKTDYN_REFERENCE_DIR) / "lightgbm";
}

/// The hand-built LightGBM models in the source tree.
inline std::filesystem::path lightgbm_fixture_dir() {
    return std::filesystem::path(PKTDYN_SOURCE_DIR) / "tests/models/data/lightgbm";
}

}  // namespace pktdyn::test
