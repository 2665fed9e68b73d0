// pktdyn — what detectors read of one ended flow: who talked to whom, when, how much, how the TCP
// conversation went, and the evidence (features/evidence.hpp) where the flow had it.
//
// A pipeline reads the facts straight from the flow's record and accumulators (flow_facts_reader):
// no row is built for detection, and the Community ID — a SHA-1 — is computed only for the flows an
// alert names (detectors' windows keep keys: flow_list). export/detection_sink.hpp also fills them
// from a row, and tests by hand. Text views live as long as what they were read from;
// kept_flow_facts owns a copy (what a sharded pipeline hands across threads).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "pktdyn/core/ip_address.hpp"
#include "pktdyn/core/text.hpp"
#include "pktdyn/core/time.hpp"
#include "pktdyn/detect/alert.hpp"
#include "pktdyn/features/evidence.hpp"
#include "pktdyn/flow/flow_key.hpp"
#include "pktdyn/flow/flow_record.hpp"

namespace pktdyn {

struct flow_facts {
    static constexpr double none = std::numeric_limits<double>::quiet_NaN();

    ip_address originator{}, responder{};
    std::uint16_t originator_port = 0, responder_port = 0;
    std::uint8_t protocol = 0;             ///< 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6
    timestamp first{}, last{};
    bool continues = false;                ///< ended at the active timeout: the connection goes on
    std::string_view conn_state, history;
    std::uint64_t orig_packets = 0, resp_packets = 0;
    std::uint64_t orig_syn = 0, orig_ack = 0, orig_rst = 0;  ///< originator's TCP segments with SYN, ACK, RST
    std::uint64_t orig_bytes = 0, resp_bytes = 0;  ///< IP bytes each side sent
    std::string_view server_name;          ///< TLS/QUIC server name (pktdyn text), "" when none
    std::string_view dns_longest_query;    ///< "" when not DNS
    std::string_view dns_first_query;      ///< "" when not DNS
    // Evidence (NaN: the flow had none).
    double ssh_auth_attempts = none, ssh_auth_success = none;
    double ftp_login_failures = none, ftp_logins = none, http_auth_failures = none;
    double dns_query_names = none, dns_longest_name = none, dns_label_entropy = none;
    double dns_txt_null_queries = none, dns_nxdomain = none;

    [[nodiscard]] bool tcp() const noexcept { return protocol == 6; }
    [[nodiscard]] bool udp() const noexcept { return protocol == 17; }
    [[nodiscard]] bool icmp() const noexcept { return protocol == 1 || protocol == 58; }
    [[nodiscard]] static bool has(double v) noexcept { return !std::isnan(v); }

    /// The flow's Community ID v1 (seed 0): the text given, else computed from the key on first use
    /// (and kept); "" when the facts have neither.
    [[nodiscard]] std::string_view community_id() const {
        if (!community_id_.empty() || !keyed_) return community_id_;
        if (computed_.empty()) computed_ = pktdyn::community_id(key_);
        return computed_;
    }
    /// The Community ID as text (a row's column); it lives as long as the text.
    void set_community_id(std::string_view text) noexcept { community_id_ = text; }
    /// The key the Community ID is computed from when asked.
    void set_key(const flow_key& k) noexcept {
        key_ = k;
        keyed_ = true;
        computed_.clear();
    }
    [[nodiscard]] bool keyed() const noexcept { return keyed_; }
    [[nodiscard]] const flow_key& key() const noexcept { return key_; }

private:
    std::string_view community_id_;
    flow_key key_{};
    bool keyed_ = false;
    mutable std::string computed_;
};

/// The flows behind an alert a detector may tell later: up to alert::max_community_ids, kept as
/// their keys (or the Community ID text the facts came with), so that the ID — a SHA-1 — is
/// computed only for the alerts told.
class flow_list {
public:
    void add(const flow_facts& f) {
        if (entries_.size() >= alert::max_community_ids) return;
        if (f.keyed()) entries_.emplace_back(f.key());
        else if (!f.community_id().empty()) entries_.emplace_back(std::string(f.community_id()));
    }
    /// Their Community IDs into the alert.
    void add_to(alert& a) const {
        for (const entry& e : entries_) {
            if (const auto* key = std::get_if<flow_key>(&e)) a.add_flow(community_id(*key));
            else a.add_flow(std::get<std::string>(e));
        }
    }
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

private:
    using entry = std::variant<flow_key, std::string>;  // the key, or the ID's text the facts came with
    std::vector<entry> entries_;
};

/// Reads an ended flow's facts from its record and its accumulators: login_outcomes and
/// dns_activity where the flow keeps them, and the server name of any accumulator that has a
/// `server_name` column and a `server_name()` (tls_meta, handshake_metadata). The same values the
/// flow's row holds, read without building it. Views point into the record, the accumulators and
/// this reader until the next read().
class flow_facts_reader {
public:
    template <class Features>
    const flow_facts& read(const flow_record& r, const Features& features) {
        flow_facts& f = facts_;
        f = flow_facts{};
        f.originator = r.originator();
        f.responder = r.responder();
        f.originator_port = r.originator_port();
        f.responder_port = r.responder_port();
        f.protocol = static_cast<std::uint8_t>(r.key.protocol);
        f.first = r.first;
        f.last = r.last;
        f.continues = r.ended == end_reason::active_timeout;
        f.conn_state = r.conn_state();
        f.history = r.history_string();
        f.set_key(r.key);
        f.orig_packets = r.dir[0].packets;
        f.resp_packets = r.dir[1].packets;
        if (f.tcp()) {
            f.orig_syn = r.dir[0].flags.syn;
            f.orig_ack = r.dir[0].flags.ack;
            f.orig_rst = r.dir[0].flags.rst;
        }
        f.orig_bytes = r.dir[0].ip_bytes;
        f.resp_bytes = r.dir[1].ip_bytes;
        features.each([&](const auto& a) { read_part(f, a); });
        return f;
    }

private:
    template <class A>
    void read_part(flow_facts& f, const A& a) {
        if constexpr (std::is_same_v<A, login_outcomes>) {
            numbers(f, a, {&flow_facts::ssh_auth_attempts, &flow_facts::ssh_auth_success, &flow_facts::ftp_login_failures,
                           &flow_facts::ftp_logins, &flow_facts::http_auth_failures});
        } else if constexpr (std::is_same_v<A, dns_activity>) {
            numbers(f, a, {&flow_facts::dns_query_names, &flow_facts::dns_longest_name, &flow_facts::dns_label_entropy,
                           &flow_facts::dns_txt_null_queries, &flow_facts::dns_nxdomain});
            f.dns_longest_query = a.longest_query();
            f.dns_first_query = a.first_query();
        } else if constexpr (requires { a.server_name(); A::text_features; }) {
            if constexpr (column_index(A::text_features, "server_name") != no_column) {
                server_name_.clear();  // as the column holds it: pktdyn text
                append_escaped(server_name_, a.server_name());
                f.server_name = server_name_;
            }
        }
    }

    // An accumulator's numbers, in its columns' order, into the facts' fields.
    template <class A>
    static void numbers(flow_facts& f, const A& a, const std::array<double flow_facts::*, A::features.size()>& into) {
        std::array<double, A::features.size()> v{};
        a.write(v);
        for (std::size_t i = 0; i < v.size(); ++i) f.*into[i] = v[i];
    }

    flow_facts facts_;
    std::string server_name_;
};

/// Facts that own their text: a copy that outlives what the facts were read from (and may be
/// copied or moved itself).
class kept_flow_facts {
public:
    kept_flow_facts() = default;
    kept_flow_facts(const kept_flow_facts& o) : facts_(o.facts_), text_(o.text_), at_(o.at_), keyed_(o.keyed_) { repoint(); }
    kept_flow_facts(kept_flow_facts&& o) noexcept
        : facts_(std::move(o.facts_)), text_(std::move(o.text_)), at_(o.at_), keyed_(o.keyed_) {
        repoint();
    }
    kept_flow_facts& operator=(kept_flow_facts o) noexcept {
        facts_ = std::move(o.facts_);
        text_ = std::move(o.text_);
        at_ = o.at_;
        keyed_ = o.keyed_;
        repoint();
        return *this;
    }

    void assign(const flow_facts& f) {
        facts_ = f;
        keyed_ = f.keyed();
        text_.clear();
        const std::array<std::string_view, texts> views{f.conn_state, f.history, f.server_name, f.dns_longest_query,
                                                        f.dns_first_query, keyed_ ? std::string_view() : f.community_id()};
        for (std::size_t i = 0; i < texts; ++i) {
            at_[i] = text_.size();
            text_.append(views[i]);
        }
        at_[texts] = text_.size();
        repoint();
    }
    [[nodiscard]] const flow_facts& get() const noexcept { return facts_; }

private:
    static constexpr std::size_t texts = 6;
    void repoint() noexcept {
        const auto view = [&](std::size_t i) { return std::string_view(text_).substr(at_[i], at_[i + 1] - at_[i]); };
        facts_.conn_state = view(0);
        facts_.history = view(1);
        facts_.server_name = view(2);
        facts_.dns_longest_query = view(3);
        facts_.dns_first_query = view(4);
        if (!keyed_) facts_.set_community_id(view(5));
    }

    flow_facts facts_;
    std::string text_;
    std::array<std::size_t, texts + 1> at_{};  // where each text starts in text_, then its end
    bool keyed_ = false;
};

}  // namespace pktdyn
