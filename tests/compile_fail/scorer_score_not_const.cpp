// EXPECT: `score` cannot be called as score\(std::span<const double> row, std::span<double> out\)
#include <span>
#include <string>

#include "pktdyn/models/scorer.hpp"

struct almost_a_scorer {
    pktdyn::result<void> bind(std::span<const std::string>) { return {}; }
    std::span<const std::string> outputs() const { return {}; }
    void score(std::span<const double>, std::span<double>) noexcept {}  // not const
};

int main() { return pktdyn::diagnose_scorer<almost_a_scorer>() ? 0 : 1; }
