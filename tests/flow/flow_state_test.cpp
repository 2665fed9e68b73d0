#include "pktdyn/flow/flow_state.hpp"

#include <catch2/catch.hpp>

#include "pktdyn/features/schema.hpp"
#include "pktdyn/flow/flow_table.hpp"
#include "pktdyn/flow/tcp_tracker.hpp"

using namespace pktdyn;

namespace {
struct counting {
    int packets = 0;
    void update(const decoded_packet&, timestamp, bool) noexcept { ++packets; }
};
struct finishing : counting {
    bool finished = false;
    void finish(timestamp) noexcept { finished = true; }
};
}  // namespace

// What the library ships is a flow_state (each diagnosed, so a regression names its member).
static_assert(diagnose_flow_state<no_state>());
static_assert(diagnose_flow_state<tcp_tracker>());
static_assert(diagnose_flow_state<standard_features>());
static_assert(diagnose_flow_state<counting>());
static_assert(diagnose_flow_state<finishing>());
// Near misses are not flow states (tests/compile_fail/flow_state_*.cpp prove the messages).
struct by_accumulator_signature {
    void update(const flow_packet&) noexcept {}
};
static_assert(!flow_state<by_accumulator_signature>);
struct throwing {
    void update(const decoded_packet&, timestamp, bool) {}
};
static_assert(!flow_state<throwing>);

TEST_CASE("a flow state is updated on every packet of its flow and finished when it ends", "[flow][flow_state]") {
    flow_table<finishing> table{flow_options{.seed = 1}};
    decoded_packet d;
    d.outer_ip.version = 4;
    d.outer_ip.protocol = 17;
    d.transport = 17;
    d.has_transport = true;
    d.source_port = 1000;
    d.destination_port = 53;
    for (int i = 0; i < 3; ++i) (void)table.update(from_ns(i), d, [](auto&) {});
    int packets = -1;
    bool finished = false;
    table.flush([&](flow_table<finishing>::entry& e) {
        packets = e.state.packets;
        finished = e.state.finished;
    });
    CHECK(packets == 3);
    CHECK(finished);
}
