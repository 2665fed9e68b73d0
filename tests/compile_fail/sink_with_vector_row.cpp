// EXPECT: `consume` cannot be called as consume\(std::span<const pktdyn::value>\)
#include <vector>

#include "pktdyn/export/sink.hpp"

struct almost_a_sink {
    pktdyn::result<void> begin(const pktdyn::schema&) { return {}; }
    void consume(const std::vector<pktdyn::value>&) {}
    pktdyn::result<void> finish() { return {}; }
};

int main() { return pktdyn::diagnose_sink<almost_a_sink>() ? 0 : 1; }
