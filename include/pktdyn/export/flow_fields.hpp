// pktdyn — the fields of a flow's record and of its TCP analysis, described once: name, type, unit,
// definition and how to read it. docs/flows.md's field tables are printed from this list
// (`pktdyn-schema --flows`) and a test keeps them equal, as docs/features.md is kept equal to the
// feature lists.
//
// A per-direction field is two columns, orig_NAME and resp_NAME: side 0 is the originator as sender,
// side 1 the responder. A field with no value for a flow (not TCP, never happened, no sample) is
// `value::none()`.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pktdyn/export/schema.hpp"
#include "pktdyn/features/accumulator.hpp"
#include "pktdyn/flow/community_id.hpp"
#include "pktdyn/flow/flow_record.hpp"
#include "pktdyn/flow/tcp_tracker.hpp"

namespace pktdyn {

/// What the fields read of an ended flow.
struct flow_view {
    const flow_record& record;
    const tcp_tracker& tcp;
};

/// Text a flow's fields point into while its row is written (addresses, the Community ID).
struct flow_text {
    std::string community_id, originator, responder;
    void read(const flow_record& r) {
        community_id = pktdyn::community_id(r.key);
        originator = r.originator().to_string();
        responder = r.responder().to_string();
    }
};

struct flow_field {
    std::string_view name;
    bool per_direction = false;
    column_type type = column_type::integer;
    std::string_view unit;
    std::string_view definition;
    value (*read)(const flow_view&, const flow_text&, int side) = nullptr;
};

namespace detail::flow_fields {
inline const direction_stats& stats(const flow_view& f, int s) { return f.record.dir[static_cast<std::size_t>(s)]; }
inline const tcp_direction_metrics& tcp(const flow_view& f, int s) { return f.tcp.metrics[static_cast<std::size_t>(s)]; }
inline bool is_tcp(const flow_view& f) { return f.record.key.protocol == ip_protocol::tcp; }
inline value tcp_count(const flow_view& f, std::uint64_t v) { return is_tcp(f) ? value::of_count(v) : value::none(); }
inline value positive(duration d) { return d.count() > 0 ? value::of_seconds(d) : value::none(); }
inline value since_start(const flow_view& f, timestamp t) {
    return t != timestamp{} ? value::of_seconds(t - f.record.first) : value::none();
}
template <class Summary>
value when(const Summary& s, duration d) {
    return s.count ? value::of_seconds(d) : value::none();
}
}  // namespace detail::flow_fields

// Every field, in output order.
inline constexpr auto flow_fields = [] {
    using namespace detail::flow_fields;
    using t = column_type;
    using f = const flow_view&;
    using x = const flow_text&;
    return std::to_array<flow_field>({
        {"community_id", false, t::text, "text", "Community ID v1 of the key (github.com/corelight/community-id-spec), seed 0",
         [](f, x s, int) { return value::of_text(s.community_id); }},
        {"originator", false, t::text, "address", "the originator's address (the client: docs/flows.md, the key)",
         [](f, x s, int) { return value::of_text(s.originator); }},
        {"originator_port", false, t::integer, "port", "the originator's port; for ICMP the port equivalent (type)",
         [](f r, x, int) { return value::of_count(r.record.originator_port()); }},
        {"responder", false, t::text, "address", "the responder's address",
         [](f, x s, int) { return value::of_text(s.responder); }},
        {"responder_port", false, t::integer, "port", "the responder's port; for ICMP the port equivalent (code, or the counterpart type)",
         [](f r, x, int) { return value::of_count(r.record.responder_port()); }},
        {"protocol", false, t::integer, "IP protocol", "the transport protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP)",
         [](f r, x, int) { return value::of_count(r.record.key.protocol); }},
        {"first_seen", false, t::time, "s since the epoch (ns precision)",
         "the earliest capture time of the flow's packets (in a capture in time order, of its first packet)",
         [](f r, x, int) { return value::of_time(r.record.first); }},
        {"last_seen", false, t::time, "s since the epoch (ns precision)", "the latest capture time of the flow's packets",
         [](f r, x, int) { return value::of_time(r.record.last); }},
        {"duration_s", false, t::seconds, "s", "last_seen − first_seen",
         [](f r, x, int) { return value::of_seconds(r.record.length()); }},
        {"conn_state", false, t::text, "text", "Zeek's connection state (docs/flows.md, conn_state)",
         [](f r, x, int) { return value::of_text(r.record.conn_state()); }},
        {"history", false, t::text, "text", "Zeek's history letters (docs/flows.md, history)",
         [](f r, x, int) { return value::of_text(r.record.history_string()); }},
        {"end_reason", false, t::text, "text", "fin, rst, idle, active_timeout, reused, evicted, end_of_input",
         [](f r, x, int) { return value::of_text(to_string(r.record.ended)); }},
        // TCP handshake and first exchange.
        {"syn_to_syn_ack_s", false, t::seconds, "s",
         "originator's last SYN → responder's first SYN-ACK: the path from the capture point to the responder and back",
         [](f r, x, int) { return positive(r.tcp.syn_to_syn_ack()); }},
        {"syn_ack_to_ack_s", false, t::seconds, "s",
         "responder's first SYN-ACK → originator's first ACK after it: the path to the originator and back",
         [](f r, x, int) { return positive(r.tcp.syn_ack_to_ack()); }},
        {"initial_rtt_s", false, t::seconds, "s", "as `tcp.analysis.initial_rtt`: last SYN → first ACK without SYN from either side",
         [](f r, x, int) { return positive(r.tcp.initial_rtt); }},
        {"response_time_s", false, t::seconds, "s",
         "the originator's last data segment before the responder's first data → that first responder data segment "
         "(request → response of the first exchange)",
         [](f r, x, int) { return positive(r.tcp.response_time()); }},
        // Per direction: the record.
        {"packets", true, t::integer, "packets", "packets sent by that side",
         [](f r, x, int s) { return value::of_count(stats(r, s).packets); }},
        {"ip_bytes", true, t::integer, "bytes",
         "sum of IP total lengths (IPv6: 40 + payload length) of those packets; where the length field is 0 (segmentation "
         "offload, jumbograms) the IP and transport headers plus the payload to the frame's end, as tshark counts them",
         [](f r, x, int s) { return value::of_count(stats(r, s).ip_bytes); }},
        {"payload_bytes", true, t::integer, "bytes", "transport payload by the IP and transport length fields (padding excluded)",
         [](f r, x, int s) { return value::of_count(stats(r, s).payload_bytes); }},
        {"ttl_min", true, t::integer, "hops", "least IPv4 TTL / IPv6 hop limit that side sent",
         [](f r, x, int s) { return stats(r, s).packets ? value::of_count(stats(r, s).ttl_min) : value::none(); }},
        {"ttl_max", true, t::integer, "hops", "largest IPv4 TTL / IPv6 hop limit that side sent",
         [](f r, x, int s) { return stats(r, s).packets ? value::of_count(stats(r, s).ttl_max) : value::none(); }},
        {"syn", true, t::integer, "packets", "TCP segments with SYN set",
         [](f r, x, int s) { return tcp_count(r, stats(r, s).flags.syn); }},
        {"fin", true, t::integer, "packets", "TCP segments with FIN set",
         [](f r, x, int s) { return tcp_count(r, stats(r, s).flags.fin); }},
        {"rst", true, t::integer, "packets", "TCP segments with RST set",
         [](f r, x, int s) { return tcp_count(r, stats(r, s).flags.rst); }},
        {"psh", true, t::integer, "packets", "TCP segments with PSH set",
         [](f r, x, int s) { return tcp_count(r, stats(r, s).flags.psh); }},
        {"ack", true, t::integer, "packets", "TCP segments with ACK set",
         [](f r, x, int s) { return tcp_count(r, stats(r, s).flags.ack); }},
        {"urg", true, t::integer, "packets", "TCP segments with URG set",
         [](f r, x, int s) { return tcp_count(r, stats(r, s).flags.urg); }},
        {"ece", true, t::integer, "packets", "TCP segments with ECE set",
         [](f r, x, int s) { return tcp_count(r, stats(r, s).flags.ece); }},
        {"cwr", true, t::integer, "packets", "TCP segments with CWR set",
         [](f r, x, int s) { return tcp_count(r, stats(r, s).flags.cwr); }},
        {"initial_window", true, t::integer, "bytes", "the window field of that side's first segment, before scaling",
         [](f r, x, int s) { return is_tcp(r) && stats(r, s).packets ? value::of_count(stats(r, s).initial_window) : value::none(); }},
        {"mss", true, t::integer, "bytes", "MSS option of that side's SYN (or SYN-ACK); empty when none was seen",
         [](f r, x, int s) { return stats(r, s).mss ? value::of_count(stats(r, s).mss) : value::none(); }},
        {"window_scale", true, t::integer, "shift", "window scale option of that side's SYN (or SYN-ACK); empty when none",
         [](f r, x, int s) { return stats(r, s).window_scale_seen ? value::of_count(stats(r, s).window_scale) : value::none(); }},
        {"sack_permitted", true, t::integer, "0/1", "1 when that side's SYN (or SYN-ACK) permits SACK; empty when no SYN was seen",
         [](f r, x, int s) { return stats(r, s).syn_seen ? value::of_count(stats(r, s).sack_permitted) : value::none(); }},
        {"timestamps", true, t::integer, "0/1", "1 when that side's SYN (or SYN-ACK) offers TCP timestamps; empty when no SYN was seen",
         [](f r, x, int s) { return stats(r, s).syn_seen ? value::of_count(stats(r, s).timestamps) : value::none(); }},
        // Per direction: the TCP tracker, this side as sender.
        {"first_data_s", true, t::seconds, "s", "the flow's first packet → this side's first segment with payload",
         [](f r, x, int s) { return since_start(r, r.tcp.first_data[static_cast<std::size_t>(s)]); }},
        {"retransmissions", true, t::integer, "segments",
         "`tcp.analysis.retransmission`: retransmissions of any kind (includes fast and spurious)",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).retransmissions); }},
        {"retransmitted_bytes", true, t::integer, "bytes", "payload bytes of those segments",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).retransmitted_bytes); }},
        {"fast_retransmissions", true, t::integer, "segments", "`tcp.analysis.fast_retransmission`",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).fast_retransmissions); }},
        {"spurious_retransmissions", true, t::integer, "segments", "`tcp.analysis.spurious_retransmission`",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).spurious_retransmissions); }},
        {"out_of_order", true, t::integer, "segments", "`tcp.analysis.out_of_order`",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).out_of_order); }},
        {"duplicate_acks", true, t::integer, "segments",
         "`tcp.analysis.duplicate_ack`: this side repeating its ACK (no data, same ACK and window)",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).duplicate_acks); }},
        {"zero_windows", true, t::integer, "segments",
         "`tcp.analysis.zero_window`: segments advertising a window of 0 (not SYN/FIN/RST)",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).zero_windows); }},
        {"zero_window_time_s", true, t::seconds, "s",
         "time this side advertised a zero window: from its first zero advertisement to its next non-zero one (or the "
         "flow's last packet)",
         [](f r, x, int s) { return is_tcp(r) ? value::of_seconds(tcp(r, s).zero_window_time) : value::none(); }},
        {"zero_window_probes", true, t::integer, "segments", "`tcp.analysis.zero_window_probe`",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).zero_window_probes); }},
        {"keep_alives", true, t::integer, "segments", "`tcp.analysis.keep_alive`",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).keep_alives); }},
        {"window_full", true, t::integer, "segments", "`tcp.analysis.window_full`: segments filling the peer's advertised window",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).window_full); }},
        {"lost_segments", true, t::integer, "segments",
         "`tcp.analysis.lost_segment`: segments arriving after a gap in this side's sequence space",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).lost_segments); }},
        {"acked_unseen", true, t::integer, "segments",
         "`tcp.analysis.ack_lost_segment`: this side's ACKs of the peer's data the capture never saw",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).acked_unseen); }},
        {"bytes_missed", true, t::integer, "bytes", "sequence space skipped by those gaps: data the capture missed",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).bytes_missed); }},
        {"window_min", true, t::integer, "bytes",
         "least advertised window after window scaling (not scaled on SYNs), over this side's segments other than RSTs (a "
         "RST carries window 0 by convention, not as an advertisement; tshark's zero-window analysis leaves RSTs out too)",
         [](f r, x, int s) { return tcp(r, s).window_samples ? value::of_count(tcp(r, s).window_min) : value::none(); }},
        {"window_mean", true, t::real, "bytes", "mean of those advertised windows (one decimal)",
         [](f r, x, int s) { return tcp(r, s).window_samples ? value::of_fixed1(tcp(r, s).window_mean()) : value::none(); }},
        {"window_max", true, t::integer, "bytes", "largest of those advertised windows",
         [](f r, x, int s) { return tcp(r, s).window_samples ? value::of_count(tcp(r, s).window_max) : value::none(); }},
        {"max_in_flight", true, t::integer, "bytes", "largest (highest sequence sent − highest ACK received) for this side's data",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).max_in_flight); }},
        {"rtt_samples", true, t::integer, "samples", "data → covering ACK samples (Karn's rule: none from a retransmitted segment)",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).rtt.count); }},
        {"rtt_min_s", true, t::seconds, "s", "least of those samples",
         [](f r, x, int s) { return when(tcp(r, s).rtt, tcp(r, s).rtt.min); }},
        {"rtt_mean_s", true, t::seconds, "s", "mean of those samples",
         [](f r, x, int s) { return when(tcp(r, s).rtt, tcp(r, s).rtt.mean()); }},
        {"rtt_max_s", true, t::seconds, "s", "largest of those samples",
         [](f r, x, int s) { return when(tcp(r, s).rtt, tcp(r, s).rtt.max); }},
        {"rtt_p95_s", true, t::seconds, "s",
         "95th percentile from a histogram of 64 bins, 4 per octave from 16 µs: the geometric middle of the bin holding the "
         "95th-percentile sample, clamped to [min, max], so within ±9 % of a sample value; bins halve together when one "
         "would overflow, keeping the shape",
         [](f r, x, int s) { return when(tcp(r, s).rtt, tcp(r, s).rtt.p95()); }},
        {"rtt_last_s", true, t::seconds, "s", "the last of those samples",
         [](f r, x, int s) { return when(tcp(r, s).rtt, tcp(r, s).rtt.last); }},
        {"ts_rtt_samples", true, t::integer, "samples",
         "TCP timestamp echo samples: a TSecr echoing a TSval this side sent, one per TSval (time since it first left)",
         [](f r, x, int s) { return tcp_count(r, tcp(r, s).ts_rtt.count); }},
        {"ts_rtt_min_s", true, t::seconds, "s", "least of those samples",
         [](f r, x, int s) { return when(tcp(r, s).ts_rtt, tcp(r, s).ts_rtt.min); }},
        {"ts_rtt_mean_s", true, t::seconds, "s", "mean of those samples",
         [](f r, x, int s) { return when(tcp(r, s).ts_rtt, tcp(r, s).ts_rtt.mean()); }},
        {"ts_rtt_max_s", true, t::seconds, "s", "largest of those samples",
         [](f r, x, int s) { return when(tcp(r, s).ts_rtt, tcp(r, s).ts_rtt.max); }},
        {"ts_rtt_p95_s", true, t::seconds, "s", "95th percentile of those samples, as rtt_p95_s",
         [](f r, x, int s) { return when(tcp(r, s).ts_rtt, tcp(r, s).ts_rtt.p95()); }},
    });
}();

inline constexpr std::array<std::string_view, 2> side_prefix{"orig_", "resp_"};

/// The fields' columns, a per-direction field as orig_ then resp_.
inline void add_flow_columns(schema& s) {
    for (const flow_field& f : flow_fields)
        for (int side = 0; side < (f.per_direction ? 2 : 1); ++side)
            s.add({f.per_direction ? std::string(side_prefix[static_cast<std::size_t>(side)]) + std::string(f.name)
                                   : std::string(f.name),
                   f.type, column_role::record, f.unit, f.definition});
}

/// Feature columns (numbers a model can take), from an accumulator set's feature list.
inline void add_feature_columns(schema& s, std::span<const feature_info> features, column_role role = column_role::feature) {
    for (const feature_info& f : features) s.add({f.column(), column_type::real, role, f.unit, f.definition});
}
/// Text columns from a text accumulator's list.
inline void add_text_columns(schema& s, std::span<const feature_info> texts) {
    for (const feature_info& f : texts) s.add({f.column(), column_type::text, column_role::record, f.unit, f.definition});
}

/// Appends the flow's field values in add_flow_columns() order (`text` must outlive the row).
inline void append_flow_values(const flow_view& f, const flow_text& text, std::vector<value>& row) {
    for (const flow_field& field : flow_fields)
        for (int side = 0; side < (field.per_direction ? 2 : 1); ++side) row.push_back(field.read(f, text, side));
}

}  // namespace pktdyn
