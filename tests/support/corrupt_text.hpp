// Test support: damaged copies of a valid state text, for checking that restoring one either
// succeeds or returns an error, and never reads out of bounds or crashes (run under the sanitizers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pktdyn/models/random.hpp"

namespace pktdyn::test {

inline std::vector<std::string> corrupt_texts(const std::string& good, std::uint64_t seed, int count) {
    static constexpr std::string_view replacements[] = {"0", "-1", "1", "2", "nan", "inf", "-inf", "1e308", "3",
                                                        "18446744073709551615", "4294967296", "65536", "x", ""};
    pktdyn::splitmix64 rng(seed);
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) {
        std::string t = good;
        switch (rng.below(4)) {
            case 0:  // cut short
                t.resize(rng.below(t.size()));
                break;
            case 1: {  // one token replaced
                std::size_t at = rng.below(t.size());
                while (at > 0 && t[at - 1] != ' ' && t[at - 1] != '\n') --at;
                std::size_t end = at;
                while (end < t.size() && t[end] != ' ' && t[end] != '\n') ++end;
                t.replace(at, end - at, replacements[rng.below(std::size(replacements))]);
                break;
            }
            case 2:  // a byte changed
                t[rng.below(t.size())] = static_cast<char>(rng.below(256));
                break;
            default: {  // a line dropped
                const std::size_t at = t.find('\n', rng.below(t.size()));
                if (at == std::string::npos) break;
                const std::size_t next = t.find('\n', at + 1);
                t.erase(at, next == std::string::npos ? std::string::npos : next - at);
            }
        }
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace pktdyn::test
