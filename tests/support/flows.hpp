// Test support: flow facts written by hand, for detector unit tests.
#pragma once

#include <chrono>
#include <string_view>

#include "pktdyn/detect/flow_facts.hpp"

namespace pktdyn::test {

inline ip_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) { return ip_address::v4(a, b, c, d); }

inline timestamp at_seconds(double s) {
    return timestamp{std::chrono::duration_cast<duration>(std::chrono::duration<double>(1'700'000'000.0 + s))};
}

/// A TCP flow from `o` to `r`:`port` at `t` seconds with the given history and sizes.
inline flow_facts tcp_flow(ip_address o, ip_address r, std::uint16_t port, double t, std::string_view history,
                           std::uint64_t orig_bytes = 60, std::uint64_t resp_bytes = 60, double length = 0.01) {
    flow_facts f;
    f.originator = o;
    f.responder = r;
    f.originator_port = 40000;
    f.responder_port = port;
    f.protocol = 6;
    f.first = at_seconds(t);
    f.last = at_seconds(t + length);
    f.history = history;
    f.conn_state = "OTH";
    f.orig_packets = 1;
    f.resp_packets = history.find_first_of("hr") != std::string_view::npos ? 1 : 0;
    f.orig_syn = history.find('S') != std::string_view::npos ? 1 : 0;
    f.orig_ack = history.find_first_of("AD") != std::string_view::npos ? 1 : 0;
    f.orig_bytes = orig_bytes;
    f.resp_bytes = resp_bytes;
    f.set_community_id("1:test");
    return f;
}

}  // namespace pktdyn::test
