// EXPECT: has no callable member `next\(\)`
#include "pktdyn/core/concepts.hpp"

struct not_a_source {
    int read() { return 0; }
};

int main() {
    not_a_source s;
    for ([[maybe_unused]] const auto& p : pktdyn::packets(s)) {
    }
}
