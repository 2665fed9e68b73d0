// EXPECT: `finish` must be `void finish\(pktdyn::timestamp last\) noexcept`
#include "pktdyn/flow/flow_table.hpp"

struct counter {
    int packets = 0;
    void update(const pktdyn::decoded_packet&, pktdyn::timestamp, bool) noexcept { ++packets; }
    void finish() noexcept {}
};

int main() {
    pktdyn::flow_table<counter> table;
    (void)table;
}
