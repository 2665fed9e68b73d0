// pktdyn — detections as a pipeline sink: `detection_sink` runs the detector_set on every ended
// flow and hands the alerts to an alert sink (export/alerts.hpp).
//
// In a pipeline it observes flows (export/sink.hpp, flow_observer): the pipeline reads each flow's
// facts from its record and accumulators (detect/flow_facts.hpp) and builds no row for it. Given
// rows by hand (consume), it reads the same facts from the columns by name. Either way flows reach
// it on one thread, in the order the flow table ended them, whatever the number of shards
// (pipeline/pipeline.hpp): host-level state sees every flow of a host, and the alerts are the same
// bytes at any thread count. What the flow lacks stays empty in the facts: without `login_outcomes`
// no login is judged, without `dns_activity` no DNS, without a server name (tls_meta) no SaaS.
#pragma once

#include <arpa/inet.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "pktdyn/detect/detectors.hpp"
#include "pktdyn/export/alerts.hpp"
#include "pktdyn/export/schema.hpp"
#include "pktdyn/export/sink.hpp"

namespace pktdyn {

/// An address from its text ("192.0.2.1", "2001:db8::1"); the unspecified address when it is none.
[[nodiscard]] inline ip_address address_from_text(std::string_view text) noexcept {
    ip_address a{};
    std::array<char, 64> z{};
    if (text.empty() || text.size() >= z.size()) return a;
    std::memcpy(z.data(), text.data(), text.size());
    if (text.find(':') == std::string_view::npos) {
        if (inet_pton(AF_INET, z.data(), a.bytes.data()) == 1) a.version = 4;
    } else if (inet_pton(AF_INET6, z.data(), a.bytes.data()) == 1) {
        a.version = 6;
    }
    return a;
}

template <alert_sink Alerts>
class detection_sink {
public:
    explicit detection_sink(const detector_config& config, Alerts alerts) : detectors_(config), alerts_(std::move(alerts)) {}
    /// With detectors restored from a saved state (detector_set::restore).
    detection_sink(detector_set detectors, Alerts alerts) : detectors_(std::move(detectors)), alerts_(std::move(alerts)) {}

    result<void> begin(const schema& s) {
        width_ = s.size();
        for (std::size_t i = 0; i < columns_.size(); ++i) {
            const std::size_t at = s.find(column_names[i]);
            columns_[i] = at < s.size() ? at : none;
        }
        for (std::size_t i : {originator, responder, protocol, first_seen, last_seen})
            if (columns_[i] == none)
                return error{errc::invalid_argument,
                             fmt::format("detection needs the flow record's column '{}'", column_names[i])};
        return alerts_.begin();
    }

    void consume(std::span<const value> row) {
        if (row.size() < width_) return;  // not a row of the schema begin() was given
        const auto text = [&](std::size_t c) { return columns_[c] == none ? std::string_view{} : row[columns_[c]].s; };
        const auto number = [&](std::size_t c) { return columns_[c] == none ? flow_facts::none : row[columns_[c]].as_double(); };
        const auto count = [&](std::size_t c) { return columns_[c] == none ? std::uint64_t{0} : row[columns_[c]].u; };
        const auto time = [&](std::size_t c) { return columns_[c] == none ? timestamp{} : from_ns(row[columns_[c]].ns); };
        flow_facts f;
        f.originator = address_from_text(text(originator));
        f.responder = address_from_text(text(responder));
        f.originator_port = static_cast<std::uint16_t>(count(originator_port));
        f.responder_port = static_cast<std::uint16_t>(count(responder_port));
        f.protocol = static_cast<std::uint8_t>(count(protocol));
        f.first = time(first_seen);
        f.last = time(last_seen);
        f.continues = text(end_reason_column) == "active_timeout";
        f.conn_state = text(conn_state);
        f.history = text(history);
        f.set_community_id(text(community_id));
        f.orig_packets = count(orig_packets);
        f.resp_packets = count(resp_packets);
        f.orig_syn = count(orig_syn);
        f.orig_ack = count(orig_ack);
        f.orig_rst = count(orig_rst);
        f.orig_bytes = count(orig_ip_bytes);
        f.resp_bytes = count(resp_ip_bytes);
        f.server_name = text(server_name);
        f.dns_longest_query = text(dns_longest_query);
        f.dns_first_query = text(dns_first_query);
        f.ssh_auth_attempts = number(ssh_auth_attempts);
        f.ssh_auth_success = number(ssh_auth_success);
        f.ftp_login_failures = number(ftp_login_failures);
        f.ftp_logins = number(ftp_logins);
        f.http_auth_failures = number(http_auth_failures);
        f.dns_query_names = number(dns_query_names);
        f.dns_longest_name = number(dns_longest_name);
        f.dns_label_entropy = number(dns_label_entropy);
        f.dns_txt_null_queries = number(dns_txt_null_queries);
        f.dns_nxdomain = number(dns_nxdomain);
        observe(f);
    }

    /// In a pipeline: facts, not rows (the pipeline builds no row for this sink).
    [[nodiscard]] bool wants_rows() const noexcept { return false; }

    /// One flow's facts: what a pipeline gives, and what consume() reads from a row.
    void observe(const flow_facts& f) {
        raised_.clear();
        detectors_.observe(f, raised_);
        deliver();
    }

    result<void> finish() {
        raised_.clear();
        detectors_.finish(raised_);
        deliver();
        return alerts_.finish();
    }

    [[nodiscard]] const detector_set& detectors() const noexcept { return detectors_; }
    /// Alerts told, by detector.
    [[nodiscard]] const std::map<std::string, std::uint64_t>& counts() const noexcept { return counts_; }
    /// The first alerts of each detector (up to `kept_per_detector`), for a summary.
    [[nodiscard]] const std::map<std::string, std::vector<alert>>& examples() const noexcept { return examples_; }
    [[nodiscard]] Alerts& alerts() noexcept { return alerts_; }

    static constexpr std::size_t kept_per_detector = 5;

private:
    void deliver() {
        for (const alert& a : raised_) {
            ++counts_[a.detector];
            auto& kept = examples_[a.detector];
            if (kept.size() < kept_per_detector) kept.push_back(a);
            alerts_.consume(a);
        }
    }

    enum column_id : std::size_t {
        originator, responder, originator_port, responder_port, protocol, first_seen, last_seen, end_reason_column,
        conn_state, history, community_id, orig_packets, resp_packets, orig_ip_bytes, resp_ip_bytes, server_name,
        dns_longest_query, ssh_auth_attempts, ssh_auth_success, ftp_login_failures, ftp_logins, http_auth_failures,
        dns_query_names, dns_longest_name, dns_label_entropy, dns_txt_null_queries, dns_nxdomain, orig_syn, orig_ack, dns_first_query, orig_rst, column_count
    };
    static constexpr std::array<std::string_view, column_count> column_names{
        "originator", "responder", "originator_port", "responder_port", "protocol", "first_seen", "last_seen", "end_reason",
        "conn_state", "history", "community_id", "orig_packets", "resp_packets", "orig_ip_bytes", "resp_ip_bytes",
        "server_name", "dns_longest_query", "ssh_auth_attempts", "ssh_auth_success", "ftp_login_failures", "ftp_logins",
        "http_auth_failures", "dns_query_names", "dns_longest_name", "dns_label_entropy", "dns_txt_null_queries",
        "dns_nxdomain", "orig_syn", "orig_ack", "dns_first_query", "orig_rst"};
    static constexpr std::size_t none = static_cast<std::size_t>(-1);

    detector_set detectors_;
    Alerts alerts_;
    std::array<std::size_t, column_count> columns_{};
    std::size_t width_ = 0;
    std::vector<alert> raised_;
    std::map<std::string, std::uint64_t> counts_;
    std::map<std::string, std::vector<alert>> examples_;
};

static_assert(diagnose_sink<detection_sink<alert_jsonl_sink>>() && flow_observer<detection_sink<alert_jsonl_sink>>);

}  // namespace pktdyn
