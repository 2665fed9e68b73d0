// pktdyn — what detectors read of one ended flow: who talked to whom, when, how much, how the TCP
// conversation went, and the evidence columns (features/evidence.hpp) where the flow had them.
// Filled from a flow row by export/detection_sink.hpp, or by hand in tests; text views live as long
// as the row they come from.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

#include "pktdyn/core/ip_address.hpp"
#include "pktdyn/core/time.hpp"

namespace pktdyn {

struct flow_facts {
    static constexpr double none = std::numeric_limits<double>::quiet_NaN();

    ip_address originator{}, responder{};
    std::uint16_t originator_port = 0, responder_port = 0;
    std::uint8_t protocol = 0;             ///< 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6
    timestamp first{}, last{};
    bool continues = false;                ///< ended at the active timeout: the connection goes on
    std::string_view conn_state, history, community_id;
    std::uint64_t orig_packets = 0, resp_packets = 0;
    std::uint64_t orig_syn = 0, orig_ack = 0, orig_rst = 0;  ///< originator's TCP segments with SYN, ACK, RST
    std::uint64_t orig_bytes = 0, resp_bytes = 0;  ///< IP bytes each side sent
    std::string_view server_name;          ///< TLS/QUIC server name, "" when none
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
};

}  // namespace pktdyn
