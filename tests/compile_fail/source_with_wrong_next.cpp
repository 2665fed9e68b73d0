// EXPECT: must return exactly
#include "pktdyn/core/concepts.hpp"

struct almost_a_source {
    const pktdyn::packet_view* next() { return nullptr; }
};

int main() {
    almost_a_source s;
    for ([[maybe_unused]] const auto& p : pktdyn::packets(s)) {
    }
}
