// EXPECT: `update` cannot be called as update\(const pktdyn::decoded_packet&
// A flow state whose update takes what an accumulator takes: refused, not skipped.
#include "pktdyn/flow/flow_table.hpp"
#include "pktdyn/features/accumulator.hpp"

struct counter {
    int packets = 0;
    void update(const pktdyn::flow_packet&) noexcept { ++packets; }
};

int main() {
    pktdyn::flow_table<counter> table;
    (void)table;
}
