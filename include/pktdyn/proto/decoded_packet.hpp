// pktdyn — what dissecting one packet found: the layer stack, the outermost and innermost network
// headers, the transport header, and a status saying how far decoding got and why it stopped.
// A fixed-capacity value: no allocation, offsets into the packet's own bytes.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "pktdyn/proto/icmp.hpp"
#include "pktdyn/proto/ip.hpp"
#include "pktdyn/proto/tcp.hpp"
#include "pktdyn/proto/udp.hpp"

namespace pktdyn {

enum class decode_status : std::uint8_t {
    ok,           ///< decoded as far as the packet goes (non-IP payloads, ESP and later fragments included)
    truncated,    ///< the captured bytes end inside a header
    malformed,    ///< a header field is impossible
    unsupported,  ///< a link type or encapsulation pktdyn does not decode
    too_deep,     ///< more encapsulations, tags or labels than the configured limits
};
inline constexpr std::size_t decode_status_count = 5;

/// Why decoding stopped where it did; each issue belongs to one status (see status_of).
enum class decode_issue : std::uint8_t {
    none,
    // ok: stopped for a reason that is not a defect
    not_ip,                ///< an EtherType (or PPP protocol) that is not IP: ARP, LLDP, ...
    wifi_no_ip,            ///< an 802.11 frame without a readable IP payload: management, control,
                           ///< null data, protected (encrypted) or aggregated
    other_ip_protocol,     ///< a transport pktdyn does not decode (IGMP, OSPF, SCTP, ...)
    encrypted_esp,         ///< IPsec ESP: nothing readable after it
    later_fragment,        ///< an IP fragment with offset > 0: no transport header of its own
    // truncated
    link_truncated,
    vlan_truncated,
    mpls_truncated,
    pppoe_truncated,
    ipv4_truncated,
    ipv6_truncated,
    tcp_truncated,
    udp_truncated,
    icmp_truncated,
    tunnel_truncated,
    // malformed
    ip_bad_version,
    ipv4_bad_header_length,
    ip_bad_total_length,
    ipv6_bad_extension,
    tcp_bad_offset,        ///< data offset < 5, or a header longer than the IP payload
    udp_bad_length,        ///< UDP length < 8, or more than the IP payload
    tunnel_malformed,
    // unsupported
    link_type,
    tunnel_unsupported,
    // too_deep
    too_many_tags,         ///< VLAN tags or MPLS labels beyond the limit
    too_many_tunnels,
    too_many_extensions,   ///< IPv6 extension headers beyond the limit
};
inline constexpr std::size_t decode_issue_count = 28;

[[nodiscard]] constexpr decode_status status_of(decode_issue i) noexcept {
    using enum decode_issue;
    switch (i) {
        case none: case not_ip: case wifi_no_ip: case other_ip_protocol: case encrypted_esp: case later_fragment:
            return decode_status::ok;
        case link_truncated: case vlan_truncated: case mpls_truncated: case pppoe_truncated: case ipv4_truncated:
        case ipv6_truncated: case tcp_truncated: case udp_truncated: case icmp_truncated: case tunnel_truncated:
            return decode_status::truncated;
        case ip_bad_version: case ipv4_bad_header_length: case ip_bad_total_length: case ipv6_bad_extension:
        case tcp_bad_offset: case udp_bad_length: case tunnel_malformed:
            return decode_status::malformed;
        case link_type: case tunnel_unsupported: return decode_status::unsupported;
        case too_many_tags: case too_many_tunnels: case too_many_extensions: return decode_status::too_deep;
    }
    return decode_status::malformed;
}

[[nodiscard]] constexpr std::string_view to_string(decode_status s) noexcept {
    switch (s) {
        case decode_status::ok: return "ok";
        case decode_status::truncated: return "truncated";
        case decode_status::malformed: return "malformed";
        case decode_status::unsupported: return "unsupported";
        case decode_status::too_deep: return "too deep";
    }
    return "?";
}

[[nodiscard]] constexpr std::string_view to_string(decode_issue i) noexcept {
    using enum decode_issue;
    switch (i) {
        case none: return "none";
        case not_ip: return "not IP";
        case wifi_no_ip: return "802.11 frame without IP";
        case other_ip_protocol: return "other IP protocol";
        case encrypted_esp: return "IPsec ESP";
        case later_fragment: return "later IP fragment";
        case link_truncated: return "link header truncated";
        case vlan_truncated: return "VLAN tag truncated";
        case mpls_truncated: return "MPLS label truncated";
        case pppoe_truncated: return "PPPoE/PPP header truncated";
        case ipv4_truncated: return "IPv4 header truncated";
        case ipv6_truncated: return "IPv6 header truncated";
        case tcp_truncated: return "TCP header truncated";
        case udp_truncated: return "UDP header truncated";
        case icmp_truncated: return "ICMP header truncated";
        case tunnel_truncated: return "tunnel header truncated";
        case ip_bad_version: return "IP version field wrong";
        case ipv4_bad_header_length: return "IPv4 header length < 20";
        case ip_bad_total_length: return "IP total length < header length";
        case ipv6_bad_extension: return "IPv6 extension header runs past the packet";
        case tcp_bad_offset: return "TCP data offset < 5 or past the IP payload";
        case udp_bad_length: return "UDP length inconsistent with IP";
        case tunnel_malformed: return "tunnel header malformed";
        case link_type: return "link type not decoded";
        case tunnel_unsupported: return "tunnel variant not decoded";
        case too_many_tags: return "too many VLAN tags or MPLS labels";
        case too_many_tunnels: return "too many nested tunnels";
        case too_many_extensions: return "too many IPv6 extension headers";
    }
    return "?";
}

enum class layer_kind : std::uint8_t {
    ethernet, vlan, mpls, pppoe, ppp, linux_sll, linux_sll2, bsd_loopback,
    ipv4, ipv6, tcp, udp, icmp, icmpv6, esp,
    gre, erspan, vxlan, geneve, gtp_u, teredo,
    payload,  ///< bytes pktdyn does not decode: application data, or an unknown protocol
    fddi, cisco_hdlc, frame_relay, nflog, ipnet, ipoib, ppi, radiotap, ieee802_11,
    cisco_metadata, fabricpath, pbb, vntag, pim, ayiya, capwap, wccp, nsh, sctp,
};
inline constexpr std::size_t layer_kind_count = 41;

[[nodiscard]] constexpr std::string_view to_string(layer_kind k) noexcept {
    constexpr std::array<std::string_view, layer_kind_count> names{
        "ethernet", "vlan", "mpls", "pppoe", "ppp", "linux_sll", "linux_sll2", "bsd_loopback", "ipv4", "ipv6", "tcp",
        "udp", "icmp", "icmpv6", "esp", "gre", "erspan", "vxlan", "geneve", "gtp_u", "teredo", "payload",
        "fddi", "cisco_hdlc", "frame_relay", "nflog", "ipnet", "ipoib", "ppi", "radiotap", "ieee802_11",
        "cisco_metadata", "fabricpath", "pbb", "vntag", "pim", "ayiya", "capwap", "wccp", "nsh", "sctp"};
    return names[static_cast<std::size_t>(k)];
}

/// One header found in the packet: what it is and where (offset and length in the captured bytes).
struct layer {
    layer_kind kind = layer_kind::payload;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
};

/// A tunnel's identity, usable in a flow key: the VXLAN/Geneve VNI, GRE key, GTP-U TEID.
struct tunnel_id {
    layer_kind kind = layer_kind::payload;  ///< payload: no tunnel
    std::uint32_t id = 0;
    friend constexpr bool operator==(const tunnel_id&, const tunnel_id&) noexcept = default;
};

struct decoded_packet {
    static constexpr std::size_t max_layers = 24;

    decode_status status = decode_status::ok;
    decode_issue issue = decode_issue::none;
    std::uint8_t layer_count = 0;
    std::uint8_t tunnels = 0;       ///< encapsulations followed (IP-in-IP, GRE, VXLAN, Geneve, GTP-U, Teredo)
    std::uint8_t vlan_count = 0;
    std::uint8_t mpls_count = 0;
    std::array<std::uint16_t, 2> vlan_ids{};  ///< outermost first
    std::uint32_t mpls_top_label = 0;
    std::uint16_t ether_type = 0;   ///< of the last link layer decoded (what stopped a non-IP packet)
    std::array<layer, max_layers> layers{};

    ip_header outer_ip;             ///< version 0 when the packet has no IP header
    ip_header tunnelled_ip;         ///< the innermost IP header inside a tunnel (valid if has_tunnelled_ip)
    bool has_tunnelled_ip = false;
    tunnel_id tunnel;               ///< the innermost tunnel

    std::uint8_t transport = 0;     ///< IP protocol of the innermost transport (0 with no IP)
    bool has_transport = false;     ///< a transport header was decoded (tcp/udp/icmp below are valid)
    std::uint16_t source_port = 0, destination_port = 0;  ///< TCP/UDP/SCTP ports; ICMP: type, code
    tcp_header tcp;
    udp_header udp;
    icmp_header icmp;
    bool has_quoted = false;        ///< an ICMP error quoted a packet: quoted_ip and ports below
    ip_header quoted_ip;
    std::uint16_t quoted_source_port = 0, quoted_destination_port = 0;

    std::uint32_t payload_offset = 0;   ///< application payload: where it starts in the captured bytes
    std::uint32_t payload_captured = 0; ///< ... how much of it was captured
    std::uint32_t payload_length = 0;   ///< ... and its length on the wire, by the IP and transport lengths
    std::span<const std::byte> bytes{}; ///< the packet decoded (a view: valid as long as the packet's bytes)

    /// The captured application payload, as a view into the packet.
    [[nodiscard]] std::span<const std::byte> payload() const noexcept {
        return payload_offset + payload_captured <= bytes.size() ? bytes.subspan(payload_offset, payload_captured)
                                                                 : std::span<const std::byte>{};
    }

    [[nodiscard]] bool has_ip() const noexcept { return outer_ip.version != 0; }
    /// The innermost IP header: the tunnelled one, else the outer one (no copy per packet).
    [[nodiscard]] const ip_header& inner_ip() const noexcept { return has_tunnelled_ip ? tunnelled_ip : outer_ip; }

    /// Makes this an empty result again, touching only what says which parts are valid: the
    /// headers themselves (ip, tcp, udp, icmp, quoted_ip, layers past layer_count) keep stale
    /// bytes that no valid result exposes. Cheaper than assigning a fresh value per packet.
    void reset() noexcept {
        status = decode_status::ok;
        issue = decode_issue::none;
        layer_count = tunnels = vlan_count = mpls_count = 0;
        mpls_top_label = 0;
        ether_type = 0;
        outer_ip.version = 0;
        has_tunnelled_ip = false;
        tunnel = {};
        transport = 0;
        has_transport = has_quoted = false;
        source_port = destination_port = quoted_source_port = quoted_destination_port = 0;
        payload_offset = payload_captured = payload_length = 0;
    }
    [[nodiscard]] const layer* begin() const noexcept { return layers.data(); }
    [[nodiscard]] const layer* end() const noexcept { return layers.data() + layer_count; }
};

}  // namespace pktdyn
