// EXPECT: `update` must be noexcept
#include "pktdyn/flow/flow_table.hpp"

struct counter {
    int packets = 0;
    void update(const pktdyn::decoded_packet&, pktdyn::timestamp, bool) { ++packets; }
};

int main() {
    pktdyn::flow_table<counter> table;
    (void)table;
}
