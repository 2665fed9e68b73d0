// pktdyn — the flow table: packets in, bidirectional flows out, in fixed memory.
//
// Rules (written once; docs/flows.md explains each):
// - A flow is the packets sharing a flow_key (both directions). It starts with its first packet.
// - It ends when: both sides sent FIN, or either sent RST, and `linger` has passed without a packet
//   (so trailing ACKs and retransmitted FINs stay in it); no packet came for `idle`; it has lasted
//   `active` (the rest continues as a new flow); the table was full and it was the least recently
//   active flow (evicted, and counted); a SYN without ACK starts a new connection on its tuple
//   (with a State that knows sequence numbers, such as tcp_tracker: a new initial sequence number,
//   as Wireshark splits tcp.stream; without: a SYN after the flow closed); or the input ended.
// - Time is the packets' own, and it may go backwards (merged captures, clock steps). "Now" is the
//   time of the packet being counted; every flow is judged on its own last packet: it is idle (or
//   its linger is over) once now is `idle` (`linger`) past its latest packet, and a packet `idle` or
//   more away from its flow's latest packet, before or after it, does not join that flow (the flow
//   ends as idle and the packet starts a new one). A flow whose packets lie in the future of now
//   (the capture's clock stepped back) is not idle. Times are clamped into core/time.hpp's range.
// - A State (a flow_state: flow/flow_state.hpp) is default-initialized when its flow starts (give
//   its members initializers), updated after the record on every packet, and, when it has
//   finish(last), finished before the flow goes to on_end.
// - Keep-alives, retransmissions and packets after a FIN do not end or split a flow.
// - The originator is the sender of the first SYN without ACK, else the receiver of the first
//   SYN-ACK, else the endpoint with the higher port (ephemeral ports are high), else the sender of
//   the first packet.
//
// Storage: `capacity` entries and an index of 2 × capacity slots allocated once, touched only as
// far as flows are ever held at once (the index is used at the size the flows held need, so it
// stays in cache); the index is open addressing (linear probing, load <= 1/2, backward-shift
// deletion) of entry numbers and hash tags. Expiry walks intrusive lists kept in order of each
// flow's latest packet time: open flows and closed flows lingering, each in up to `lanes` lists. A
// packet joins the list whose newest time it does not precede by more than a small slack; when
// time steps back past every list a new one starts, so flows from before the step neither block the
// expiry of the others nor expire early. Expiry is O(1) per flow ended plus O(lanes) per packet;
// eviction takes the flow whose latest packet is farthest from now. No allocation per packet.
#pragma once

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <random>
#include <vector>

#include "pktdyn/core/time.hpp"
#include "pktdyn/flow/flow_key.hpp"
#include "pktdyn/flow/flow_record.hpp"
#include "pktdyn/flow/flow_state.hpp"

namespace pktdyn {

struct flow_options {
    std::size_t capacity = 1 << 18;                      ///< flows held at once (at most 2^31)
    duration idle = std::chrono::seconds(120);           ///< as NFStream
    duration active = std::chrono::seconds(1800);        ///< as NFStream
    duration linger = std::chrono::seconds(5);           ///< after FIN/FIN or RST
    key_options keys{};
    std::uint64_t seed = 0;                              ///< hash seed; 0: drawn at random
};

struct flow_table_stats {
    std::uint64_t packets = 0;        ///< packets given to update()
    std::uint64_t not_ip = 0;         ///< ... that had no IP header (no flow)
    std::uint64_t flows = 0;          ///< flows started
    std::uint64_t active = 0;         ///< flows held now
    std::array<std::uint64_t, 8> ended{};  ///< by end_reason
    std::uint64_t backward_steps = 0; ///< packets stamped earlier than the packet before them (by more than the slack)
    [[nodiscard]] std::uint64_t ended_by(end_reason r) const noexcept { return ended[static_cast<std::size_t>(r)]; }
};

/// A flow table whose entries hold a flow_record and a user `State` (a TCP tracker, accumulators):
/// a flow_state (flow/flow_state.hpp), checked with a message naming any member that misses.
template <class State = no_state>
class flow_table {
    static_assert(diagnose_flow_state<State>());

public:
    struct entry {
        flow_record record;
        [[no_unique_address]] State state{};

    private:
        friend class flow_table;
        std::uint32_t prev = none, next = none;
        std::uint32_t hash = 0;  // the hash's low half, as its index slot's tag (to find that slot)
        std::uint8_t list = 0;  // 0 free, else the list it is in (see list_id)
    };

    /// What update() found: the packet's flow (nullptr without IP) and its direction.
    struct hit {
        entry* flow = nullptr;
        bool from_originator = true;
        bool created = false;
    };

    explicit flow_table(flow_options o = {})
        : o_(o),
          index_slots_(std::bit_ceil(std::clamp<std::size_t>(o.capacity, 1, std::size_t{1} << 31) * 2)),
          index_(std::make_unique_for_overwrite<slot[]>(index_slots_)) {
        o_.capacity = std::clamp<std::size_t>(o_.capacity, 1, std::size_t{1} << 31);  // slots fit 32-bit hash halves
        if (o_.seed == 0) o_.seed = std::random_device{}() | std::uint64_t{std::random_device{}()} << 32 | 1;
        // Reserved, not constructed: memory is touched only as far as flows are ever held at
        // once, and entries never move.
        entries_.reserve(o_.capacity);
        use_index(std::min<std::size_t>(index_slots_, 1024));
    }

    /// Counts a decoded packet into its flow, first ending flows whose time has passed (each
    /// ended flow goes to `on_end(entry&)` before its entry is reused).
    /// `fragment_ports`: for a later IP fragment, its datagram's ports (from fragment_tracker), so
    /// it joins its datagram's flow.
    template <class OnEnd>
    hit update(timestamp now, const decoded_packet& d, OnEnd&& on_end, const known_ports* fragment_ports = nullptr) {
        ++stats_.packets;
        keyed_packet k;
        if (!make_flow_key(d, k, o_.keys, fragment_ports)) {
            ++stats_.not_ip;
            return {};
        }
        now = clamp_time(now);
        if (previous_ - now > slack_) ++stats_.backward_steps;
        previous_ = now;
        expire(now, on_end);
        const std::uint64_t h = hash(k.key, o_.seed);
        std::uint32_t e = find(k.key, h);
        const bool tcp = d.has_transport && d.transport == ip_protocol::tcp && !d.tcp.bad_offset;
        const bool fresh_syn = tcp && (d.tcp.flags & (tcp_flag::syn | tcp_flag::ack)) == tcp_flag::syn;
        if (e != none) {
            entry& x = entries_[e];
            // Judged on its own latest packet, whichever way time went since.
            const duration since = now - x.record.last;
            const bool lingering = kind_of(x.list) == closing;
            if (since >= (lingering ? o_.linger : o_.idle) || since <= -o_.idle) {
                end(e, lingering ? closing_reason(e) : end_reason::idle, on_end);
                e = none;
            } else if (now - x.record.first >= o_.active) {
                end(e, end_reason::active_timeout, on_end);
                e = none;
            } else if (fresh_syn && starts_new_flow(x, d, k)) {
                end(e, end_reason::reused, on_end);
                e = none;
            }
        }
        bool created = false;
        if (e == none) {
            e = create(k, h, d, now, on_end);
            created = true;
        }
        entry& x = entries_[e];
        const bool from_originator = k.a_to_b == x.record.originator_is_a;
        x.record.update(d, now, from_originator);
        if constexpr (!std::same_as<State, no_state>) x.state.update(d, now, from_originator);
        // A RST, or the second side's FIN, starts the linger; otherwise the flow is active again.
        const bool closed = tcp && (x.record.state[0] == flow_record::endpoint::reset ||
                                    x.record.state[1] == flow_record::endpoint::reset ||
                                    (x.record.state[0] == flow_record::endpoint::closed &&
                                     x.record.state[1] == flow_record::endpoint::closed));
        relink(e, closed ? closing : open);
        return {&x, from_originator, created};
    }

    /// Ends every flow (the input is over).
    template <class OnEnd>
    void flush(OnEnd&& on_end) {
        for (std::uint8_t kind : {closing, open})
            for (std::uint8_t lane = 0; lane < lanes; ++lane)
                for (const std::uint8_t l = list_id(kind, lane); head_[l] != none;)
                    end(head_[l], kind == closing ? closing_reason(head_[l]) : end_reason::end_of_input, on_end);
    }

    /// Ends the flows whose idle or linger time has passed by `now` (update() does this itself;
    /// call it on a timer when packets may stop coming).
    template <class OnEnd>
    void expire(timestamp now, OnEnd&& on_end) {
        now = clamp_time(now);
        for (std::uint8_t kind : {closing, open}) {  // lingering flows first
            const duration timeout = kind == closing ? o_.linger : o_.idle;
            for (std::uint16_t bits = lists_in_use(kind); bits != 0; bits &= static_cast<std::uint16_t>(bits - 1)) {
                const auto l = static_cast<std::uint8_t>(std::countr_zero(bits));
                while (head_[l] != none && now - entries_[head_[l]].record.last >= timeout)
                    end(head_[l], kind == closing ? closing_reason(head_[l]) : end_reason::idle, on_end);
            }
        }
    }

    /// Bytes a table of `capacity` flows reserves when it is made (entries and index; see
    /// memory_bytes()), to weigh against the memory there is before making one.
    [[nodiscard]] static constexpr std::uint64_t memory_for(std::uint64_t capacity) noexcept {
        return capacity * sizeof(entry) + std::bit_ceil(std::max<std::uint64_t>(capacity, 1) * 2) * sizeof(slot);
    }

    [[nodiscard]] const flow_table_stats& stats() const noexcept { return stats_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return o_.capacity; }
    /// Bytes the table holds: its entries (reserved up front, touched as flows arrive) and index.
    [[nodiscard]] std::size_t memory_bytes() const noexcept {
        return entries_.capacity() * sizeof(entry) + index_slots_ * sizeof(slot);
    }
    /// The most flows held at once so far: entries beyond it were never touched.
    [[nodiscard]] std::size_t peak_flows() const noexcept { return entries_.size(); }
    /// Bytes actually touched: the entries up to peak_flows() and the part of the index in use.
    [[nodiscard]] std::size_t touched_bytes() const noexcept {
        return entries_.size() * sizeof(entry) + (mask_ + 1) * sizeof(slot);
    }
    [[nodiscard]] const flow_options& options() const noexcept { return o_; }

private:
    static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
    // Lists: 0 is "free"; then `lanes` lists of open flows and `lanes` of closed flows lingering.
    static constexpr std::uint8_t open = 0, closing = 1;
    static constexpr std::uint8_t lanes = 4;
    static constexpr std::uint8_t list_count = 1 + 2 * lanes;
    static constexpr std::uint8_t list_id(std::uint8_t kind, std::uint8_t lane) noexcept {
        return static_cast<std::uint8_t>(1 + kind * lanes + lane);
    }
    static constexpr std::uint8_t kind_of(std::uint8_t list) noexcept { return list > lanes ? closing : open; }

    // Trivial, so the index can be allocated without being written (make_unique_for_overwrite).
    struct slot {
        std::uint32_t entry;  // none: empty
        std::uint32_t tag;    // the hash's low 32 bits: its home slot, and above that a filter so
                              // most mismatches never touch the entry
    };
    static_assert(std::is_trivially_default_constructible_v<slot>);
    static constexpr slot empty{none, 0};

    std::uint32_t find(const flow_key& k, std::uint64_t h) const noexcept {
        const auto tag = static_cast<std::uint32_t>(h);
        for (std::size_t i = static_cast<std::uint32_t>(h) & mask_;; i = (i + 1) & mask_) {
            const slot& s = index_[i];
            if (s.entry == none) return none;
            if (s.tag == tag && entries_[s.entry].record.key == k) return s.entry;
        }
    }

    template <class OnEnd>
    std::uint32_t create(const keyed_packet& k, std::uint64_t h, const decoded_packet& d, timestamp now, OnEnd& on_end) {
        if (free_ == none && entries_.size() < o_.capacity) {
            entries_.emplace_back();
            free_ = static_cast<std::uint32_t>(entries_.size() - 1);
        }
        if (free_ == none) {  // full: evict a lingering flow if there is one, else an open one
            const std::uint32_t victim = farthest_from(now, closing);
            if (victim != none) end(victim, closing_reason(victim), on_end);
            else end(farthest_from(now, open), end_reason::evicted, on_end);
        }
        if ((stats_.active + 1) * 2 > mask_ + 1 && mask_ + 1 < index_slots_) grow_index();
        const std::uint32_t e = free_;
        entry& x = entries_[e];
        free_ = x.next;
        // Default-initialized in place: members start as their initializers say, and a State may
        // leave large arrays it tracks by a count uninitialized (log_sketch does) instead of
        // clearing kilobytes per flow.
        std::destroy_at(&x.record);
        ::new (static_cast<void*>(&x.record)) flow_record;
        std::destroy_at(&x.state);
        ::new (static_cast<void*>(&x.state)) State;
        x.record.key = k.key;
        x.record.originator_is_a = originator_is_a(k, d);
        x.hash = static_cast<std::uint32_t>(h);
        x.prev = x.next = none;
        x.list = 0;
        insert_index(e, h);
        ++stats_.flows;
        ++stats_.active;
        return e;
    }

    static bool originator_is_a(const keyed_packet& k, const decoded_packet& d) noexcept {
        const bool sender_is_a = k.a_to_b;
        if (d.has_transport && d.transport == ip_protocol::tcp && !d.tcp.bad_offset) {
            const std::uint16_t f = d.tcp.flags & (tcp_flag::syn | tcp_flag::ack);
            if (f == tcp_flag::syn) return sender_is_a;                       // a SYN's sender
            if (f == (tcp_flag::syn | tcp_flag::ack)) return !sender_is_a;    // a SYN-ACK's receiver
        }
        if (k.key.port_a != k.key.port_b) return k.key.port_a > k.key.port_b;  // the higher port
        return sender_is_a;
    }

    static end_reason closing_reason(const entry& x) noexcept {
        return x.record.state[0] == flow_record::endpoint::reset || x.record.state[1] == flow_record::endpoint::reset
                   ? end_reason::rst
                   : end_reason::fin;
    }
    end_reason closing_reason(std::uint32_t e) const noexcept { return closing_reason(entries_[e]); }

    // Whether a SYN without ACK starts a new connection on this tuple. A State that knows the
    // sequence numbers (tcp_tracker) decides: a new initial sequence number. Otherwise: the flow
    // had closed (FIN/FIN or RST).
    static bool starts_new_flow(const entry& x, const decoded_packet& d, const keyed_packet& k) noexcept {
        if constexpr (requires { x.state.starts_new_flow(d, true); }) {
            return x.state.starts_new_flow(d, k.a_to_b == x.record.originator_is_a);
        } else {
            return x.list != 0 && kind_of(x.list) == closing;
        }
    }

    // Of the flows at the heads of one kind's lists (each list's least recently active), the one
    // whose latest packet is farthest from now, in either direction.
    std::uint32_t farthest_from(timestamp now, std::uint8_t kind) const noexcept {
        std::uint32_t best = none;
        duration best_distance{-1};
        for (std::uint8_t lane = 0; lane < lanes; ++lane) {
            const std::uint32_t e = head_[list_id(kind, lane)];
            if (e == none) continue;
            const duration since = now - entries_[e].record.last;
            const duration distance = since < duration{0} ? -since : since;
            if (distance > best_distance) {
                best = e;
                best_distance = distance;
            }
        }
        return best;
    }

    template <class OnEnd>
    void end(std::uint32_t e, end_reason why, OnEnd& on_end) {
        entry& x = entries_[e];
        x.record.ended = why;
        if constexpr (requires { x.state.finish(x.record.last); }) x.state.finish(x.record.last);
        on_end(x);
        unlink(e);
        erase_index(e, x.hash);
        x.list = 0;
        x.next = free_;
        free_ = e;
        ++stats_.ended[static_cast<std::size_t>(why)];
        --stats_.active;
    }

    void insert_index(std::uint32_t e, std::uint64_t h) noexcept {
        std::size_t i = static_cast<std::uint32_t>(h) & mask_;  // positions come from the low half, as tags do
        while (index_[i].entry != none) i = (i + 1) & mask_;
        index_[i] = {e, static_cast<std::uint32_t>(h)};
    }

    void use_index(std::size_t slots) noexcept {
        mask_ = slots - 1;
        std::fill_n(index_.get(), slots, empty);
    }

    // The index is used only as far as the flows held at once need (load <= 1/2): a small index
    // stays in cache. Doubling rebuilds it from the flows in the two lists, in memory allocated up
    // front, so growing allocates nothing and happens only when more flows are held than ever before.
    void grow_index() noexcept {
        use_index((mask_ + 1) * 2);
        for (std::uint8_t l = 1; l < list_count; ++l)
            for (std::uint32_t e = head_[l]; e != none; e = entries_[e].next)
                insert_index(e, entries_[e].hash);
    }

    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    void erase_index(std::uint32_t e, std::uint64_t h) noexcept {
        std::size_t i = static_cast<std::uint32_t>(h) & mask_;
        while (index_[i].entry != e) i = (i + 1) & mask_;
        for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
            if (index_[j].entry == none) break;
            const std::size_t home = index_[j].tag & mask_;  // from the slot: no other entry touched
            // Move j back to i unless its home lies cyclically in (i, j].
            const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (!stays) {
                index_[i] = index_[j];
                i = j;
            }
        }
        index_[i] = empty;
    }

    void unlink(std::uint32_t e) noexcept {
        entry& x = entries_[e];
        if (x.list == 0) return;
        (x.prev != none ? entries_[x.prev].next : head_[x.list]) = x.next;
        (x.next != none ? entries_[x.next].prev : tail_[x.list]) = x.prev;
        if (head_[x.list] == none) in_use_ &= static_cast<std::uint16_t>(~(1u << x.list));
        x.prev = x.next = none;
        x.list = 0;
    }

    // The lists of `kind` that hold flows, as bits by list id.
    [[nodiscard]] std::uint16_t lists_in_use(std::uint8_t kind) const noexcept {
        constexpr std::uint16_t lane_bits = (1u << lanes) - 1;
        return static_cast<std::uint16_t>(in_use_ & (lane_bits << list_id(kind, 0)));
    }

    // Puts the entry, whose record has just counted a packet, at the tail (most recently active
    // end) of a list of `kind`: the list whose newest time is the latest not after this flow's
    // latest by more than the slack, so every list stays in time order (within the slack). Time
    // that stepped back past every list starts a list in a free lane; with none free, the
    // nearest list takes it (its expiry may then wait; joining and splitting never do).
    void relink(std::uint32_t e, std::uint8_t kind) noexcept {
        entry& x = entries_[e];
        // Already the newest of a list of its kind: its latest time only grew since it was put
        // there in order, so it still is (the common case, decided without touching another entry).
        if (x.list != 0 && kind_of(x.list) == kind && tail_[x.list] == e) return;
        const timestamp t = x.record.last;
        unlink(e);
        std::uint8_t chosen = 0, nearest = 0;
        timestamp chosen_newest{}, nearest_newest{};
        const std::uint16_t used = lists_in_use(kind);
        for (std::uint16_t bits = used; bits != 0; bits &= static_cast<std::uint16_t>(bits - 1)) {
            const auto l = static_cast<std::uint8_t>(std::countr_zero(bits));
            const timestamp newest = entries_[tail_[l]].record.last;
            if (newest - t <= slack_) {
                if (chosen == 0 || newest > chosen_newest) chosen = l, chosen_newest = newest;
            } else if (nearest == 0 || newest < nearest_newest) {
                nearest = l, nearest_newest = newest;
            }
        }
        if (chosen == 0) {  // time stepped back past every list: one of its own if one is free
            const std::uint16_t all = static_cast<std::uint16_t>(((1u << lanes) - 1) << list_id(kind, 0));
            const auto free_lists = static_cast<std::uint16_t>(all & ~used);
            chosen = free_lists != 0 ? static_cast<std::uint8_t>(std::countr_zero(free_lists)) : nearest;
        }
        in_use_ = static_cast<std::uint16_t>(in_use_ | (1u << chosen));
        x.list = chosen;
        x.prev = tail_[chosen];
        x.next = none;
        (tail_[chosen] != none ? entries_[tail_[chosen]].next : head_[chosen]) = e;
        tail_[chosen] = e;
    }

    flow_options o_;
    std::vector<entry> entries_;
    std::size_t index_slots_;             // allocated (untouched until used)
    std::unique_ptr<slot[]> index_;
    std::size_t mask_ = 0;                // slots in use - 1
    std::uint32_t free_ = none;
    std::array<std::uint32_t, list_count> head_ = none_lists(), tail_ = none_lists();
    std::uint16_t in_use_ = 0;            // bit l: list l holds flows
    timestamp previous_ = earliest_time;  // the previous packet's time
    // How much earlier than its list's newest time a packet may be and still be in order: reordering
    // within it delays a flow's expiry by at most this much (a second, or less for short timeouts).
    duration slack_ = std::max(duration{0}, std::min<duration>({std::chrono::seconds(1), o_.idle / 8, o_.linger / 8}));
    static constexpr std::array<std::uint32_t, list_count> none_lists() noexcept {
        std::array<std::uint32_t, list_count> a{};
        a.fill(none);
        return a;
    }
    flow_table_stats stats_;
};

}  // namespace pktdyn
