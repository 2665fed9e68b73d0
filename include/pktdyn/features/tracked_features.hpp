// pktdyn — the usual per-flow state: the TCP tracker and a feature set side by side, as one flow_table
// State (flow_table<tracked_features<standard_features>>). The tracker decides when a SYN starts a
// new connection on a tuple and closes zero-window intervals when the flow ends.
#pragma once

#include "pktdyn/features/accumulator.hpp"
#include "pktdyn/flow/tcp_tracker.hpp"

namespace pktdyn {

template <class Features>
struct tracked_features {
    tcp_tracker tcp;
    [[no_unique_address]] Features features;

    void update(const decoded_packet& d, timestamp now, bool from_originator) noexcept {
        tcp.update(d, now, from_originator);
        features.update(d, now, from_originator);
    }
    [[nodiscard]] bool starts_new_flow(const decoded_packet& d, bool from_originator) const noexcept {
        return tcp.starts_new_flow(d, from_originator);
    }
    void finish(timestamp last) noexcept { tcp.finish(last); }
};

}  // namespace pktdyn
