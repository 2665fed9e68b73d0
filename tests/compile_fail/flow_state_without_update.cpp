// EXPECT: no member `update`
#include "pktdyn/flow/flow_table.hpp"

struct counter {
    int packets = 0;
    void on_packet(const pktdyn::decoded_packet&, pktdyn::timestamp, bool) noexcept { ++packets; }
};

int main() {
    pktdyn::flow_table<counter> table;
    (void)table;
}
