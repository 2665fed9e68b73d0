// pktdyn — the decode driver: link layer → encapsulations → IPv4/IPv6 → TCP/UDP/ICMP, through
// tunnels (IP-in-IP, GRE, ERSPAN, VXLAN, Geneve, GTP-U, Teredo) up to a configurable depth.
//
// decode() never allocates, never throws and never reads past the captured bytes. It fills a
// decoded_packet with the layers it found and a status saying why it stopped, and counts every
// packet by that status and reason. What it does not know becomes a `payload` layer.
//
// Rules written once:
// - Length fields bound what follows: a transport header that the captured bytes cut is
//   `truncated`; one that the IP length field leaves no room for is `malformed`.
// - The application payload is measured by the IP and transport length fields, so Ethernet padding
//   never counts as payload.
// - IP fragments: the first fragment is decoded to its transport header (ports, flags); a later
//   fragment has none of its own (issue `later_fragment`); fragment_tracker ties it to its flow.
// - UDP tunnels are recognised by either port (VXLAN 4789, Geneve 6081, GTP-U 2152, Teredo 3544,
//   each configurable, 0 to disable); Teredo only when an IPv6 header follows.
// - An ICMP error's quoted packet is decoded into quoted_ip and its ports; it is not a tunnel.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "pktdyn/core/cursor.hpp"
#include "pktdyn/core/packet_view.hpp"
#include "pktdyn/proto/ayiya.hpp"
#include "pktdyn/proto/capwap.hpp"
#include "pktdyn/proto/decoded_packet.hpp"
#include "pktdyn/proto/ethernet.hpp"
#include "pktdyn/proto/geneve.hpp"
#include "pktdyn/proto/gre.hpp"
#include "pktdyn/proto/gtp.hpp"
#include "pktdyn/proto/link.hpp"
#include "pktdyn/proto/nsh.hpp"
#include "pktdyn/proto/pim.hpp"
#include "pktdyn/proto/teredo.hpp"
#include "pktdyn/proto/vxlan.hpp"
#include "pktdyn/proto/wifi.hpp"

namespace pktdyn {

/// How far to decode. `full` follows tunnels to the innermost transport header.
enum class decode_depth : std::uint8_t { link, network, transport, full };

struct decode_options {
    decode_depth depth = decode_depth::full;
    std::uint8_t max_tunnels = 4;         ///< nested encapsulations followed
    std::uint8_t max_tags = 8;            ///< VLAN tags, and MPLS labels, per link layer
    std::uint8_t max_ipv6_extensions = 8;
    std::uint16_t vxlan_port = vxlan_header::port;
    std::uint16_t geneve_port = geneve_header::port;
    std::uint16_t gtp_u_port = gtp_u_header::port;
    std::uint16_t teredo_port = teredo_header::port;
    /// Decode the common case (Ethernet, at most one VLAN tag, IPv4 without options or IPv6
    /// without extension headers, TCP or non-tunnel UDP, all whole) in one straight line. Gives
    /// exactly the general walk's result (tests/corpus/decoder_fast_path_test.cpp checks every
    /// corpus packet both ways); off only to compare the two.
    bool fast_path = true;
};

/// Packets decoded, by status, by reason, and how many layers of each kind were seen.
struct decode_stats {
    std::uint64_t packets = 0;
    std::array<std::uint64_t, decode_status_count> by_status{};
    std::array<std::uint64_t, decode_issue_count> by_issue{};
    std::array<std::uint64_t, layer_kind_count> layers{};
    std::uint64_t tunnelled = 0;  ///< packets with at least one tunnel followed

    [[nodiscard]] std::uint64_t of(decode_status s) const noexcept { return by_status[static_cast<std::size_t>(s)]; }
    [[nodiscard]] std::uint64_t of(decode_issue i) const noexcept { return by_issue[static_cast<std::size_t>(i)]; }
    [[nodiscard]] std::uint64_t of(layer_kind k) const noexcept { return layers[static_cast<std::size_t>(k)]; }
};

class decoder {
public:
    explicit decoder(decode_options options = {}) noexcept : options_(options) {}

    [[nodiscard]] decoded_packet decode(const packet_view& p) noexcept {
        decoded_packet d;
        decode(p, d);
        return d;
    }

    /// Decodes into `d` (overwriting it) and counts the result.
    void decode(const packet_view& p, decoded_packet& d) noexcept {
        d.reset();
        if (!(options_.fast_path && options_.depth == decode_depth::full && fast(p, d))) {
            d.reset();
            walk w{options_, p.data, d, stats_.layers,
                   std::max<std::uint32_t>(p.original_length, static_cast<std::uint32_t>(p.data.size()))};
            w.link(p.link);
        }
        d.status = status_of(d.issue);
        d.bytes = p.data;
        ++stats_.packets;
        ++stats_.by_status[static_cast<std::size_t>(d.status)];
        ++stats_.by_issue[static_cast<std::size_t>(d.issue)];
        stats_.tunnelled += d.tunnels != 0;
    }

    [[nodiscard]] const decode_stats& stats() const noexcept { return stats_; }
    [[nodiscard]] const decode_options& options() const noexcept { return options_; }

private:
    // The common case in one straight line, using the same header parsers as the walk; false (with
    // `d` to be reset) for anything else, which the walk then decodes.
    bool fast(const packet_view& p, decoded_packet& d) noexcept {
        const std::span<const std::byte> bytes = p.data;
        if (p.link != link_type::ethernet || bytes.size() < 14 + 20) return false;
        std::uint16_t type = detail::load_be<std::uint16_t>(bytes.data() + 12);
        std::uint32_t at = 14;
        std::uint16_t vid = 0;
        if (type == ether_type::vlan) {
            vid = detail::load_be<std::uint16_t>(bytes.data() + 14) & 0x0FFF;
            type = detail::load_be<std::uint16_t>(bytes.data() + 16);
            at = 18;
        }
        cursor c{bytes.subspan(at)};
        ip_header& ip = d.outer_ip;
        if (type == ether_type::ipv4 && c.peek_u8(0) == 0x45) {
            ip_header::parse_v4(c, ip);
        } else if (type == ether_type::ipv6 && (c.peek_u8(6) == ip_protocol::tcp || c.peek_u8(6) == ip_protocol::udp)) {
            ip_header::parse_v6(c, ip, o_max_extensions());
        } else {
            return false;
        }
        if (!ip.ok() || ip.fragment.is_fragment || ip.total_length == 0) return false;
        const std::uint32_t body = at + ip.header_length, ip_end = at + ip.total_length;
        if (ip_end > bytes.size()) return false;
        cursor t{bytes.subspan(body, ip_end - body)};
        std::uint32_t header, payload_end;
        if (ip.protocol == ip_protocol::tcp) {
            tcp_header::parse(t, d.tcp);
            if (!t.ok()) return false;
            header = d.tcp.header_length;
            payload_end = ip_end;
            d.source_port = d.tcp.source_port;
            d.destination_port = d.tcp.destination_port;
        } else if (ip.protocol == ip_protocol::udp) {
            d.udp = udp_header::parse(t);
            const std::uint16_t u[] = {d.udp.source_port, d.udp.destination_port};
            for (std::uint16_t port : u)
                if (port == options_.vxlan_port || port == options_.geneve_port || port == options_.gtp_u_port ||
                    port == options_.teredo_port || port == vxlan_gpe_header::port || port == ayiya_header::port ||
                    port == capwap_data_header::port || port == 4754 || port == 6635)
                    return false;  // possibly a tunnel: the walk knows
            if (!t.ok() || d.udp.length < udp_header::size || d.udp.length > ip_end - body) return false;
            header = udp_header::size;
            payload_end = body + d.udp.length;
            d.source_port = d.udp.source_port;
            d.destination_port = d.udp.destination_port;
        } else {
            return false;
        }
        // Record what the walk would have: layers, counts, transport and payload bounds.
        const auto add = [&](layer_kind k, std::uint32_t offset, std::uint32_t length) {
            d.layers[d.layer_count++] = {k, offset, length};
            ++stats_.layers[static_cast<std::size_t>(k)];
        };
        add(layer_kind::ethernet, 0, 14);
        if (at == 18) {
            add(layer_kind::vlan, 14, vlan_tag::size);
            d.vlan_ids[0] = vid;
            d.vlan_count = 1;
        }
        add(ip.version == 4 ? layer_kind::ipv4 : layer_kind::ipv6, at, ip.header_length);
        add(ip.protocol == ip_protocol::tcp ? layer_kind::tcp : layer_kind::udp, body, header);
        d.ether_type = type;
        d.transport = ip.protocol;
        d.has_transport = true;
        d.payload_offset = body + header;
        d.payload_length = payload_end > d.payload_offset ? payload_end - d.payload_offset : 0;
        d.payload_captured = d.payload_length;  // the whole datagram was captured
        if (d.payload_captured) add(layer_kind::payload, d.payload_offset, d.payload_captured);
        return true;
    }
    [[nodiscard]] int o_max_extensions() const noexcept { return options_.max_ipv6_extensions; }

    // One packet's walk. Each step reads its header from the cursor, records the layer, and hands
    // the rest to the next step; a step that cannot go on sets d.issue and returns.
    struct walk {
        const decode_options& o;
        std::span<const std::byte> bytes;
        decoded_packet& d;
        std::array<std::uint64_t, layer_kind_count>& layer_counts;
        std::uint32_t wire_length;  // the frame on the wire: lengths in headers cannot reach past it

        /// Offset in the packet of the cursor's next byte (cursors may end before the packet does).
        [[nodiscard]] std::uint32_t at(const cursor& c) const noexcept {
            return static_cast<std::uint32_t>(c.current() - bytes.data());
        }
        bool push(layer_kind k, std::uint32_t offset, std::uint32_t length) noexcept {
            if (d.layer_count == d.layers.size()) {
                d.issue = decode_issue::too_many_tunnels;
                return false;
            }
            d.layers[d.layer_count++] = {k, offset, length};
            ++layer_counts[static_cast<std::size_t>(k)];
            return true;
        }
        /// Records a header that starts at `start` and ends where the cursor now is.
        bool push_to(layer_kind k, std::uint32_t start, const cursor& c) noexcept { return push(k, start, at(c) - start); }
        void stop(decode_issue i) noexcept { d.issue = i; }
        void rest_is_payload(const cursor& c) noexcept {
            if (c.remaining() != 0) push(layer_kind::payload, at(c), static_cast<std::uint32_t>(c.remaining()));
        }
        void not_ip(const cursor& c, decode_issue i = decode_issue::not_ip) noexcept {
            rest_is_payload(c);
            stop(i);
        }

        void link(link_type t) noexcept {
            cursor c{bytes};
            link(c, t);
        }

        void link(cursor& c, link_type t) noexcept {
            const std::uint32_t start = at(c);
            switch (t) {
                case link_type::ethernet: return ethernet(c);
                case link_type::linux_sll: {
                    const auto h = linux_sll_header::parse(c);
                    if (!c.ok()) return stop(decode_issue::link_truncated);
                    push(layer_kind::linux_sll, start, linux_sll_header::size);
                    // ARPHRD_IPGRE (778): the protocol is a GRE protocol type and the payload follows
                    // without a GRE header.
                    if (h.arphrd == 778) return gre_payload(c, h.protocol);
                    return after_link(c, h.protocol);
                }
                case link_type::linux_sll2: {
                    const auto h = linux_sll2_header::parse(c);
                    if (!c.ok()) return stop(decode_issue::link_truncated);
                    push(layer_kind::linux_sll2, start, linux_sll2_header::size);
                    if (h.arphrd == 778) return gre_payload(c, h.protocol);
                    return after_link(c, h.protocol);
                }
                case link_type::raw: case link_type::dlt_raw_12: case link_type::dlt_raw_14:
                    return ip_by_version(c);
                case link_type::ipv4: return ip(c, 4);
                case link_type::ipv6: return ip(c, 6);
                case link_type::null: case link_type::loop: {
                    const auto h = bsd_loopback_header::parse(c, t == link_type::null);
                    if (!c.ok()) return stop(decode_issue::link_truncated);
                    push(layer_kind::bsd_loopback, start, bsd_loopback_header::size);
                    const std::uint16_t type = ether_type_of_bsd_family(h.family);
                    if (type == ether_type::none) return not_ip(c);
                    return after_link(c, type);
                }
                case link_type::ppp: case link_type::ppp_hdlc:
                    if (cisco_hdlc_header::starts(c)) return cisco_hdlc(c);
                    return ppp(c);
                case link_type::ppp_with_direction:
                    c.skip(1);
                    return ppp(c);
                case link_type::ppp_ether: return pppoe(c);
                case link_type::cisco_hdlc: return cisco_hdlc(c);
                case link_type::frame_relay: {
                    const auto h = frame_relay_header::parse(c);
                    if (!c.ok()) return stop(decode_issue::link_truncated);
                    push_to(layer_kind::frame_relay, start, c);
                    return after_link(c, h.ether_type);
                }
                case link_type::fddi: {
                    const std::uint16_t type = fddi_header::parse(c);
                    if (!c.ok()) return stop(decode_issue::link_truncated);
                    push_to(layer_kind::fddi, start, c);
                    return after_link(c, type);
                }
                case link_type::nflog: {
                    const auto h = nflog_header::parse(c);
                    if (!c.ok()) return stop(decode_issue::link_truncated);
                    push_to(layer_kind::nflog, start, c);
                    if (h.family == 2) return ip(c, 4);
                    if (h.family == 10) return ip(c, 6);
                    return not_ip(c);
                }
                case link_type::ipnet: {
                    const auto h = ipnet_header::parse(c);
                    if (!c.ok()) return stop(decode_issue::link_truncated);
                    push(layer_kind::ipnet, start, ipnet_header::size);
                    if (h.family == 2) return ip(c, 4);
                    if (h.family == 26) return ip(c, 6);
                    return not_ip(c);
                }
                case link_type::ipoib: {
                    // 40-byte pseudo-header (addresses), then the EtherType and 2 reserved bytes.
                    c.skip(40);
                    const std::uint16_t type = c.u16be();
                    c.skip(2);
                    if (!c.ok()) return stop(decode_issue::link_truncated);
                    push_to(layer_kind::ipoib, start, c);
                    return after_link(c, type);
                }
                case link_type::ppi: {
                    const auto h = ppi_header::parse(c);
                    if (!c.ok()) return stop(decode_issue::link_truncated);
                    push_to(layer_kind::ppi, start, c);
                    if (static_cast<link_type>(h.dlt) == link_type::ppi) return stop(decode_issue::link_type);
                    return link(c, static_cast<link_type>(h.dlt));
                }
                case link_type::ieee802_11_radiotap: {
                    (void)radiotap_header::parse(c);
                    if (!c.ok()) return stop(decode_issue::link_truncated);
                    push_to(layer_kind::radiotap, start, c);
                    return wifi(c);
                }
                case link_type::ieee802_11: return wifi(c);
                default: stop(decode_issue::link_type);
            }
        }

        void ethernet(cursor& c) noexcept {
            const std::uint32_t start = at(c);
            const auto h = ethernet_header::parse(c);
            if (!c.ok()) return stop(decode_issue::link_truncated);
            if (!push(layer_kind::ethernet, start, h.header_length)) return;
            after_link(c, h.ether_type);
        }

        void cisco_hdlc(cursor& c) noexcept {
            const std::uint32_t start = at(c);
            const auto h = cisco_hdlc_header::parse(c);
            if (!c.ok()) return stop(decode_issue::link_truncated);
            push(layer_kind::cisco_hdlc, start, cisco_hdlc_header::size);
            after_link(c, h.protocol);
        }

        void wifi(cursor& c, bool swapped = false) noexcept {
            const std::uint32_t start = at(c);
            const auto h = wifi_header::parse(c, swapped);
            if (!c.ok()) return stop(decode_issue::link_truncated);
            if (!push_to(layer_kind::ieee802_11, start, c)) return;
            if (h.what != wifi_header::kind::data) return not_ip(c, decode_issue::wifi_no_ip);
            after_link(c, h.ether_type);
        }

        // Tags (VLAN, VN-Tag, Cisco MetaData), label stacks, PPPoE and MAC-in-MAC until an IP
        // header or something that is not IP.
        void after_link(cursor& c, std::uint16_t type) noexcept {
            for (int tags = 0;; ++tags) {
                if (tags > o.max_tags) return stop(decode_issue::too_many_tags);
                const std::uint32_t start = at(c);
                if (type == ether_type::vlan || type == ether_type::qinq || type == ether_type::qinq_old) {
                    const auto tag = vlan_tag::parse(c);
                    if (!c.ok()) return stop(decode_issue::vlan_truncated);
                    if (!push(layer_kind::vlan, start, vlan_tag::size)) return;
                    if (d.vlan_count < d.vlan_ids.size()) d.vlan_ids[d.vlan_count] = tag.vid();
                    ++d.vlan_count;
                    type = tag.ether_type;
                    continue;
                }
                if (type == ether_type::vntag || type == ether_type::cisco_metadata) {
                    const bool vntag = type == ether_type::vntag;
                    c.skip(vntag ? 4 : 6);
                    type = c.u16be();
                    if (!c.ok()) return stop(decode_issue::vlan_truncated);
                    if (!push_to(vntag ? layer_kind::vntag : layer_kind::cisco_metadata, start, c)) return;
                    continue;
                }
                d.ether_type = type;
                if (type == ether_type::mpls || type == ether_type::mpls_multicast) return mpls(c);
                if (type == ether_type::pppoe_session) return pppoe(c);
                if (type == ether_type::nsh) return nsh(c);
                if (type == ether_type::fabricpath || type == ether_type::pbb) {
                    // The original frame follows a 2-byte FTag/TTL (FabricPath) or a 4-byte I-TAG (PBB).
                    c.skip(type == ether_type::pbb ? 4 : 2);
                    if (!c.ok()) return stop(decode_issue::vlan_truncated);
                    if (!push_to(type == ether_type::pbb ? layer_kind::pbb : layer_kind::fabricpath, start, c)) return;
                    return ethernet(c);
                }
                break;
            }
            if (o.depth == decode_depth::link) return;
            if (type == ether_type::ipv4) return ip(c, 4);
            if (type == ether_type::ipv6) return ip(c, 6);
            not_ip(c);
        }

        void mpls(cursor& c) noexcept {
            for (int labels = 0;; ++labels) {
                if (labels >= o.max_tags) return stop(decode_issue::too_many_tags);
                const std::uint32_t start = at(c);
                const auto e = mpls_entry::parse(c);
                if (!c.ok()) return stop(decode_issue::mpls_truncated);
                if (!push(layer_kind::mpls, start, mpls_entry::size)) return;
                if (d.mpls_count++ == 0) d.mpls_top_label = e.label();
                if (e.bottom_of_stack()) break;
            }
            if (o.depth == decode_depth::link) return;
            // No field names the payload: guess from its first nibble (RFC 4385 control word: 0).
            switch (c.peek_u8(0) >> 4) {
                case 4: return ip(c, 4);
                case 6: return ip(c, 6);
                case 0:  // pseudowire control word, then an Ethernet frame
                    c.skip(4);
                    return ethernet(c);
                default: return ethernet(c);
            }
        }

        void pppoe(cursor& c) noexcept {
            const std::uint32_t start = at(c);
            (void)pppoe_session_header::parse(c);
            if (!c.ok()) return stop(decode_issue::pppoe_truncated);
            if (!push(layer_kind::pppoe, start, pppoe_session_header::size)) return;
            ppp(c);
        }

        void ppp(cursor& c) noexcept {
            const std::uint32_t start = at(c);
            const auto h = ppp_header::parse(c);
            if (!c.ok()) return stop(decode_issue::pppoe_truncated);
            if (!push_to(layer_kind::ppp, start, c)) return;
            const std::uint16_t type = ether_type_of_ppp(h.protocol);
            d.ether_type = type;
            if (type == ether_type::none) return not_ip(c);
            if (type == ether_type::mpls) return mpls(c);
            if (o.depth == decode_depth::link) return;
            ip(c, type == ether_type::ipv4 ? 4 : 6);
        }

        void ip_by_version(cursor& c) noexcept {
            const unsigned version = c.peek_u8(0) >> 4;
            if (!c.has(1)) return stop(decode_issue::link_truncated);
            if (version != 4 && version != 6) return stop(decode_issue::ip_bad_version);
            ip(c, static_cast<std::uint8_t>(version));
        }

        void ip(cursor& c, std::uint8_t version) noexcept {
            const std::uint32_t start = at(c);
            // Parse straight into place: the first IP header is the outer one, later ones the inner.
            const bool first = d.outer_ip.version == 0;
            ip_header& h = first ? d.outer_ip : d.tunnelled_ip;
            if (version == 4) {
                ip_header::parse_v4(c, h);
            } else {
                ip_header::parse_v6(c, h, o.max_ipv6_extensions);
            }
            if (!h.ok()) {
                // No valid header here: without IP, or with the outer header as the innermost.
                if (first) h.version = 0; else d.has_tunnelled_ip = false;  // the outer one stands as innermost
                switch (h.problem) {
                    case ip_problem::truncated:
                        return stop(version == 4 ? decode_issue::ipv4_truncated : decode_issue::ipv6_truncated);
                    case ip_problem::bad_version: return stop(decode_issue::ip_bad_version);
                    case ip_problem::bad_header_length: return stop(decode_issue::ipv4_bad_header_length);
                    case ip_problem::bad_total_length: return stop(decode_issue::ip_bad_total_length);
                    case ip_problem::too_many_extensions: return stop(decode_issue::too_many_extensions);
                    default: return stop(decode_issue::ipv6_bad_extension);
                }
            }
            if (!push(version == 4 ? layer_kind::ipv4 : layer_kind::ipv6, start, h.header_length)) return;
            if (!first) d.has_tunnelled_ip = true;
            // A transport seen before this header belonged to the tunnel that carried it.
            d.transport = 0;
            d.has_transport = false;
            d.source_port = d.destination_port = 0;
            d.payload_offset = d.payload_captured = d.payload_length = 0;
            if (o.depth == decode_depth::network) return;

            // What follows is bounded by the IP length field (0: unknown, the datagram ends with the
            // cursor) and by what was captured.
            const std::uint32_t body = start + h.header_length;
            const std::uint32_t captured_end = at(c) + static_cast<std::uint32_t>(c.remaining());
            const std::uint32_t ip_end = h.total_length != 0 ? start + h.total_length : captured_end;
            const bool whole = ip_end <= captured_end;  // the datagram was captured to its end
            cursor t{bytes.subspan(body, std::min(ip_end, captured_end) - std::min(body, captured_end))};
            if (h.esp) {
                push(layer_kind::esp, body, static_cast<std::uint32_t>(t.remaining()));
                return stop(decode_issue::encrypted_esp);
            }
            d.transport = h.protocol;
            if (h.fragment.offset != 0) return not_ip(t, decode_issue::later_fragment);
            transport(t, h, body, ip_end, whole);
        }

        // `t` spans the IP payload as captured; `ip_end` is where the IP length says it ends.
        void transport(cursor& t, const ip_header& h, std::uint32_t body, std::uint32_t ip_end, bool whole) noexcept {
            // A first fragment may end inside a header that continues in the next fragment.
            const bool first_fragment = h.fragment.more;
            switch (h.protocol) {
                case ip_protocol::tcp: {
                    // Options cut by the capture or by fragmentation still leave the fixed fields.
                    const bool cut_short = !whole || first_fragment;
                    tcp_header& tcp = d.tcp;
                    const std::size_t available = t.remaining();
                    tcp_header::parse(t, tcp, cut_short);
                    if (!t.ok()) {
                        if (cut_short && !tcp.bad_offset) return stop(decode_issue::tcp_truncated);
                        if (available < 20) return stop(decode_issue::tcp_bad_offset);
                        // A data offset below 5, or a header running past the IP payload: the
                        // ports are readable, so the segment stays in its connection (as in
                        // tshark's tcp.stream); nothing past the fixed header is trusted.
                        tcp.bad_offset = true;
                        tcp.options = {};
                        if (!push(layer_kind::tcp, body, 20)) return;
                        set_transport(tcp.source_port, tcp.destination_port, body + 20, body + 20);
                        return stop(decode_issue::tcp_bad_offset);
                    }
                    const std::uint32_t header = at(t) - body;
                    if (!push(layer_kind::tcp, body, header)) return;
                    set_transport(tcp.source_port, tcp.destination_port, body + tcp.header_length, ip_end);
                    if (header < tcp.header_length && !first_fragment) stop(decode_issue::tcp_truncated);
                    return;
                }
                case ip_protocol::udp: {
                    const auto udp = udp_header::parse(t);
                    if (!t.ok()) return stop(whole && !first_fragment ? decode_issue::udp_bad_length : decode_issue::udp_truncated);
                    if (!push(layer_kind::udp, body, udp_header::size)) return;
                    d.udp = udp;
                    // The UDP length must fit the IP payload; a first fragment carries only part of
                    // it; 0 with an unknown IP length is a jumbogram's (RFC 2675).
                    const std::uint32_t ip_payload = ip_end - body;
                    const bool jumbo = udp.length == 0 && h.total_length == 0;
                    const std::uint32_t udp_end = first_fragment || jumbo ? ip_end : body + udp.length;
                    set_transport(udp.source_port, udp.destination_port, body + udp_header::size,
                                  std::min(udp_end, ip_end));
                    if (!jumbo && (udp.length < udp_header::size || (!first_fragment && udp.length > ip_payload)))
                        return stop(decode_issue::udp_bad_length);
                    if (o.depth == decode_depth::full) udp_tunnel(udp, body + udp_header::size, udp_end);
                    return;
                }
                case ip_protocol::icmp:
                case ip_protocol::icmpv6: {
                    const bool v6 = h.protocol == ip_protocol::icmpv6;
                    const auto icmp = icmp_header::parse(t);
                    if (!t.ok()) return stop(decode_issue::icmp_truncated);
                    if (!push(v6 ? layer_kind::icmpv6 : layer_kind::icmp, body, icmp_header::size)) return;
                    d.icmp = icmp;
                    set_transport(icmp.type, icmp.code, body + icmp_header::size, ip_end);
                    if (v6 ? icmp.v6_error() : icmp.v4_error()) quoted(t, v6 ? 6 : 4);
                    return;
                }
                case ip_protocol::ah: {
                    // IPv4 authentication header: next header(8) length in 4-byte words minus 2(8) ...
                    // (IPv6's is walked with the other extension headers).
                    const std::uint8_t next = t.peek_u8(0);
                    const std::size_t length = (std::size_t{t.peek_u8(1)} + 2) * 4;
                    if (!t.has(length)) return not_ip(t, decode_issue::other_ip_protocol);
                    t.skip(length);
                    ip_header& after = d.has_tunnelled_ip ? d.tunnelled_ip : d.outer_ip;
                    after.protocol = next;
                    after.header_length = static_cast<std::uint16_t>(after.header_length + length);
                    return transport(t, after, body + static_cast<std::uint32_t>(length), ip_end, whole);
                }
                case ip_protocol::sctp: {
                    // The common header (RFC 9260): ports, verification tag, checksum. Chunks are payload.
                    const std::uint16_t source = t.u16be(), destination = t.u16be();
                    t.skip(8);
                    if (!t.ok()) return stop(decode_issue::other_ip_protocol);
                    if (!push(layer_kind::sctp, body, 12)) return;
                    set_transport(source, destination, body + 12, ip_end);
                    return;
                }
                case ip_protocol::ipv4:
                case ip_protocol::ipv6:
                    if (o.depth != decode_depth::full) return;
                    if (!enter_tunnel({layer_kind::payload, 0})) return;
                    return ip(t, h.protocol == ip_protocol::ipv4 ? 4 : 6);
                case ip_protocol::gre:
                    if (o.depth != decode_depth::full) return;
                    return gre(t);
                case ip_protocol::ethernet:  // e.g. after an IPv6 segment routing header (RFC 8986)
                    if (o.depth != decode_depth::full) return;
                    if (!enter_tunnel({layer_kind::payload, 0})) return;
                    return ethernet(t);
                case pim_header::protocol: {
                    if (o.depth != decode_depth::full) return not_ip(t, decode_issue::other_ip_protocol);
                    cursor probe = t;
                    const auto pim = pim_header::parse(probe);
                    if (!probe.ok() || !pim.is_register() || !probe.has(1))
                        return not_ip(t, decode_issue::other_ip_protocol);
                    if (!enter_tunnel({layer_kind::pim, 0}) || !push_to(layer_kind::pim, body, probe)) return;
                    return ip_by_version(probe);
                }
                default: return not_ip(t, decode_issue::other_ip_protocol);
            }
        }

        void set_transport(std::uint16_t source, std::uint16_t destination, std::uint32_t payload_start,
                           std::uint32_t payload_end) noexcept {
            d.has_transport = true;
            d.source_port = source;
            d.destination_port = destination;
            d.payload_offset = payload_start;
            // An IP length reaching past the frame's end on the wire is the header's error (Wireshark:
            // "IPv4 total length exceeds packet length"): the payload ends with the frame.
            payload_end = std::min(payload_end, wire_length);
            d.payload_length = payload_end > payload_start ? payload_end - payload_start : 0;
            const std::uint32_t captured_end = std::min<std::uint32_t>(payload_end, static_cast<std::uint32_t>(bytes.size()));
            d.payload_captured = captured_end > payload_start ? captured_end - payload_start : 0;
            if (d.payload_captured) push(layer_kind::payload, payload_start, d.payload_captured);
        }

        // An ICMP error's quoted header: best effort, never changes the packet's status.
        void quoted(cursor& t, std::uint8_t version) noexcept {
            cursor q = t;
            ip_header h = version == 4 ? ip_header::parse_v4(q) : ip_header::parse_v6(q, o.max_ipv6_extensions);
            if (!h.ok()) return;
            d.has_quoted = true;
            d.quoted_ip = h;
            if ((h.protocol == ip_protocol::tcp || h.protocol == ip_protocol::udp) && q.has(4)) {
                d.quoted_source_port = q.u16be();
                d.quoted_destination_port = q.u16be();
            }
        }

        bool enter_tunnel(tunnel_id id) noexcept {
            if (d.tunnels >= o.max_tunnels) {
                stop(decode_issue::too_many_tunnels);
                return false;
            }
            ++d.tunnels;
            if (id.kind != layer_kind::payload || d.tunnel.kind == layer_kind::payload) d.tunnel = id;
            return true;
        }

        // The UDP payload spans [start, end) by the UDP length (or to the end of what was captured).
        void udp_tunnel(const udp_header& udp, std::uint32_t start, std::uint32_t end) noexcept {
            const auto either = [&](std::uint16_t port) {
                return port != 0 && (udp.destination_port == port || udp.source_port == port);
            };
            const std::uint32_t stop_at = std::min<std::uint32_t>(end, static_cast<std::uint32_t>(bytes.size()));
            if (start > stop_at) return;
            cursor c{bytes.subspan(start, stop_at - start)};
            const auto enter = [&](tunnel_id id, layer_kind k, const cursor& after) {
                if (!enter_tunnel(id)) return false;
                drop_payload_layer(start);
                return push_to(k, start, after);
            };
            if (either(o.vxlan_port)) {
                const auto h = vxlan_header::parse(c);
                if (!c.ok()) return tunnel_cut(end);
                if (!enter({layer_kind::vxlan, h.vni}, layer_kind::vxlan, c)) return;
                return ethernet(c);
            }
            if (either(vxlan_gpe_header::port)) {
                const auto h = vxlan_gpe_header::parse(c);
                if (!c.ok()) return tunnel_cut(end);
                if (!enter({layer_kind::vxlan, h.vni}, layer_kind::vxlan, c)) return;
                return next_header(c, h.next_protocol);
            }
            if (either(o.geneve_port)) {
                const auto h = geneve_header::parse(c);
                if (!c.ok()) return tunnel_cut(end);
                if (h.bad_options) return stop(decode_issue::tunnel_malformed);
                if (!enter({layer_kind::geneve, h.vni}, layer_kind::geneve, c)) return;
                return gre_payload(c, h.protocol);
            }
            if (either(o.gtp_u_port)) {
                const auto h = gtp_u_header::parse(c);
                if (!c.ok()) return tunnel_cut(end);
                if (h.bad) return stop(decode_issue::tunnel_malformed);
                if (h.message_type != gtp_u_header::g_pdu || !c.has(1)) return;  // signalling: stays UDP payload
                if (!enter({layer_kind::gtp_u, h.teid}, layer_kind::gtp_u, c)) return;
                return ip_by_version(c);
            }
            if (either(o.teredo_port)) {
                cursor probe = c;
                (void)teredo_header::parse(probe);
                if (!probe.ok()) return;  // not Teredo: ordinary UDP payload
                if (!enter({layer_kind::teredo, 0}, layer_kind::teredo, probe)) return;
                return ip(probe, 6);
            }
            if (either(ayiya_header::port)) {
                cursor probe = c;
                const auto h = ayiya_header::parse(probe);
                if (!probe.ok() || !h.forwards() || (h.next_header != ip_protocol::ipv6 && h.next_header != ip_protocol::ipv4))
                    return;
                if (!enter({layer_kind::ayiya, 0}, layer_kind::ayiya, probe)) return;
                return ip(probe, h.next_header == ip_protocol::ipv4 ? 4 : 6);
            }
            if (either(capwap_data_header::port)) {
                cursor probe = c;
                const auto h = capwap_data_header::parse(probe);
                if (!probe.ok() || h.bad || h.fragment) return;
                if (!enter({layer_kind::capwap, 0}, layer_kind::capwap, probe)) return;
                return h.native_wifi ? wifi(probe, true) : ethernet(probe);
            }
            if (either(gre_in_udp_port)) {  // the GRE header records the tunnel
                drop_payload_layer(start);
                return gre(c);
            }
            if (either(mpls_in_udp_port)) {
                if (!enter_tunnel({layer_kind::mpls, 0})) return;
                drop_payload_layer(start);
                return mpls(c);
            }
        }

        // Network Service Header, and the VXLAN-GPE next-protocol numbers it shares.
        void nsh(cursor& c) noexcept {
            const std::uint32_t start = at(c);
            const auto h = nsh_header::parse(c);
            if (!c.ok()) return stop(decode_issue::tunnel_truncated);
            if (!push_to(layer_kind::nsh, start, c)) return;
            next_header(c, h.next_protocol);
        }
        void next_header(cursor& c, std::uint8_t protocol) noexcept {
            switch (protocol) {
                case 1: return ip(c, 4);
                case 2: return ip(c, 6);
                case 3: return ethernet(c);
                case 4: return nsh(c);
                case 5: return mpls(c);
                default: return not_ip(c);
            }
        }

        static constexpr std::uint16_t gre_in_udp_port = 4754;   // RFC 8086
        static constexpr std::uint16_t mpls_in_udp_port = 6635;  // RFC 7510

        void tunnel_cut(std::uint32_t end) noexcept {
            stop(end <= bytes.size() ? decode_issue::tunnel_malformed : decode_issue::tunnel_truncated);
        }

        // The tunnel header replaces the UDP payload layer set_transport recorded; the UDP header
        // stays the transport until an inner IP header replaces it.
        void drop_payload_layer(std::uint32_t start) noexcept {
            if (d.layer_count > 0 && d.layers[d.layer_count - 1].kind == layer_kind::payload &&
                d.layers[d.layer_count - 1].offset == start) {
                --d.layer_count;
                --layer_counts[static_cast<std::size_t>(layer_kind::payload)];
            }
            d.payload_offset = d.payload_captured = d.payload_length = 0;
        }

        void gre(cursor& c) noexcept {
            const std::uint32_t start = at(c);
            const auto h = gre_header::parse(c);
            if (!c.ok()) return stop(decode_issue::tunnel_truncated);
            if (h.unsupported) return stop(decode_issue::tunnel_unsupported);
            if (!enter_tunnel({layer_kind::gre, h.key})) return;
            if (!push(layer_kind::gre, start, at(c) - start)) return;
            if (h.protocol == ether_type::erspan_2 || h.protocol == ether_type::erspan_3) {
                const std::uint32_t e = at(c);
                (void)erspan_header::parse(c, h.protocol, h.has_sequence);
                if (!c.ok()) return stop(decode_issue::tunnel_truncated);
                if (at(c) > e && !push(layer_kind::erspan, e, at(c) - e)) return;
                return ethernet(c);
            }
            gre_payload(c, h.protocol);
        }

        // What a GRE protocol type (or Geneve's, or SLL's for ARPHRD_IPGRE) says follows.
        void gre_payload(cursor& c, std::uint16_t protocol) noexcept {
            const std::uint32_t start = at(c);
            switch (protocol) {
                case ether_type::transparent_bridging: return ethernet(c);
                case ether_type::ppp: return ppp(c);
                case ether_type::cisco_metadata: {
                    // Inside GRE the EtherType comes first, then the 6 metadata bytes (as tcpdump and
                    // tshark both read it).
                    const std::uint16_t type = c.u16be();
                    c.skip(6);
                    if (!c.ok()) return stop(decode_issue::tunnel_truncated);
                    if (!push_to(layer_kind::cisco_metadata, start, c)) return;
                    return after_link(c, type);
                }
                case ether_type::wccp:
                    // A 4-byte redirect header, unless the packet starts at once (first nibble 4).
                    if ((c.peek_u8(0) >> 4) != 4) {
                        c.skip(4);
                        if (!c.ok()) return stop(decode_issue::tunnel_truncated);
                        if (!push_to(layer_kind::wccp, start, c)) return;
                    }
                    return ip_by_version(c);
                default:
                    // Aruba access points tunnel 802.11 frames with GRE protocol types 0x82xx and 0x9000.
                    if ((protocol & 0xFF00) == ether_type::aruba_wifi || protocol == 0x9000) return wifi(c);
                    return after_link(c, protocol);
            }
        }
    };

    decode_options options_;
    decode_stats stats_;
};

}  // namespace pktdyn
