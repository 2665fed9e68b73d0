// pktdyn — what a flow table keeps for each flow beside its record: the `flow_state` contract.
//
// A State in flow_table<State> is default-initialized when its flow starts and then sees every
// packet of its flow:
//   void update(const decoded_packet&, timestamp now, bool from_originator) noexcept   (required)
//   bool starts_new_flow(const decoded_packet&, bool from_originator) const noexcept   (optional:
//        a SYN on a live tuple that starts a new connection, as tcp_tracker decides by sequence number)
//   void finish(timestamp last) noexcept                                                (optional:
//        called once when the flow ends, before the table hands it on)
// `no_state` keeps nothing. A State whose member almost matches (a parameter by value, a missing
// noexcept, a misspelt type) is a compile error naming the member, never a member silently
// skipped: `diagnose_flow_state<S>()` asserts each requirement with its own message.
#pragma once

#include <concepts>

#include "pktdyn/core/time.hpp"
#include "pktdyn/proto/decoded_packet.hpp"

namespace pktdyn {

/// No per-flow state beyond the record.
struct no_state {};

namespace detail::flow_state {
template <class S>
concept names_update = requires { &S::update; };
template <class S>
concept updates = requires(S& s, const decoded_packet& d, timestamp t, bool o) { s.update(d, t, o); };
template <class S>
concept updates_noexcept = requires(S& s, const decoded_packet& d, timestamp t, bool o) { { s.update(d, t, o) } noexcept; };
template <class S>
concept names_finish = requires { &S::finish; };
template <class S>
concept finishes = requires(S& s, timestamp t) { { s.finish(t) } noexcept; };
template <class S>
concept names_split = requires { &S::starts_new_flow; };
template <class S>
concept splits = requires(const S& s, const decoded_packet& d, bool o) {
    { s.starts_new_flow(d, o) } noexcept -> std::same_as<bool>;
};
}  // namespace detail::flow_state

template <class S>
concept flow_state = std::default_initializable<S> &&
                     (std::same_as<S, no_state> || detail::flow_state::updates_noexcept<S>) &&
                     (!detail::flow_state::names_finish<S> || detail::flow_state::finishes<S>) &&
                     (!detail::flow_state::names_split<S> || detail::flow_state::splits<S>);

/// Fails compilation with a message naming the requirement S misses; true when S is a flow_state.
template <class S>
consteval bool diagnose_flow_state() {
    namespace r = detail::flow_state;
    static_assert(std::default_initializable<S>,
                  "pktdyn::flow_state: the state must be default-initializable (the table makes one per flow)");
    if constexpr (!std::same_as<S, no_state>) {
        static_assert(r::names_update<S> || r::updates<S>,
                      "pktdyn::flow_state: no member `update`; add `void update(const pktdyn::decoded_packet&, "
                      "pktdyn::timestamp now, bool from_originator) noexcept`");
        static_assert(!r::names_update<S> || r::updates<S>,
                      "pktdyn::flow_state: `update` cannot be called as update(const pktdyn::decoded_packet&, "
                      "pktdyn::timestamp, bool from_originator): check its parameters");
        static_assert(!r::updates<S> || r::updates_noexcept<S>,
                      "pktdyn::flow_state: `update` must be noexcept (it runs once per packet, on the hot path)");
    }
    static_assert(!r::names_finish<S> || r::finishes<S>,
                  "pktdyn::flow_state: `finish` must be `void finish(pktdyn::timestamp last) noexcept`");
    static_assert(!r::names_split<S> || r::splits<S>,
                  "pktdyn::flow_state: `starts_new_flow` must be `bool starts_new_flow(const pktdyn::decoded_packet&, "
                  "bool from_originator) const noexcept`");
    return flow_state<S>;
}

}  // namespace pktdyn
