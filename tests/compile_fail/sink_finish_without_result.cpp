// EXPECT: `finish` must return pktdyn::result<void>
#include "pktdyn/export/sink.hpp"

struct almost_a_sink {
    pktdyn::result<void> begin(const pktdyn::schema&) { return {}; }
    void consume(std::span<const pktdyn::value>) {}
    bool finish() { return true; }
};

int main() { return pktdyn::diagnose_sink<almost_a_sink>() ? 0 : 1; }
