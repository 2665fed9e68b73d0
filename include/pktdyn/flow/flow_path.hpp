// pktdyn — the path a captured packet takes into flows, written once: decode it, tie an IP fragment
// to its datagram (a later fragment has no ports of its own, so it takes its first fragment's and
// joins that flow), then count it in the flow table. The parts stay reachable for their statistics.
#pragma once

#include <utility>

#include "pktdyn/core/packet_view.hpp"
#include "pktdyn/flow/flow_table.hpp"
#include "pktdyn/proto/decoder.hpp"
#include "pktdyn/proto/fragments.hpp"

namespace pktdyn {

template <class State = no_state>
class flow_path {
public:
    explicit flow_path(flow_options flows = {}, decode_options decoding = {}, fragment_options fragments = {})
        : decoder_(decoding), fragments_(fragments), table_(flows) {}

    /// One packet in; flows that end on the way go to `on_end(entry&)`.
    template <class OnEnd>
    typename flow_table<State>::hit push(const packet_view& p, OnEnd&& on_end) {
        decoder_.decode(p, decoded_);
        const timestamp now = clamp_time(p.time);  // as the flow table would: no time arithmetic overflows
        const fragment_result frag = fragments_.track(now, decoded_, p.data);
        const known_ports ports{frag.source_port, frag.destination_port};
        const bool later_fragment = frag.fragment && frag.attributed && !decoded_.has_transport;
        return table_.update(now, decoded_, std::forward<OnEnd>(on_end), later_fragment ? &ports : nullptr);
    }
    /// Ends every flow (the input is over).
    template <class OnEnd>
    void flush(OnEnd&& on_end) {
        table_.flush(std::forward<OnEnd>(on_end));
    }

    [[nodiscard]] const decoded_packet& last_decoded() const noexcept { return decoded_; }
    [[nodiscard]] const decoder& decoding() const noexcept { return decoder_; }
    [[nodiscard]] const fragment_tracker& fragments() const noexcept { return fragments_; }
    [[nodiscard]] const flow_table<State>& table() const noexcept { return table_; }

private:
    decoder decoder_;
    fragment_tracker fragments_;
    flow_table<State> table_;
    decoded_packet decoded_;
};

}  // namespace pktdyn
