// pktdyn — IPv4 (RFC 791) and IPv6 (RFC 8200) headers, with IPv6's extension-header chain.
//
// IPv4:  version(4) IHL(4) | DSCP/ECN(8) | total length(16)
//        identification(16) | flags(3) fragment offset(13)
//        TTL(8) | protocol(8) | header checksum(16)
//        source(32) | destination(32) | options (IHL*4 - 20 bytes)
//
// IPv6:  version(4) traffic class(8) flow label(20) | payload length(16) | next header(8) | hop limit(8)
//        source(128) | destination(128), then extension headers:
//        hop-by-hop(0), routing(43), destination options(60): next(8) length-in-8-octets-minus-1(8) ...
//        fragment(44): next(8) reserved(8) offset(13) res(2) M(1) identification(32)
//        AH(51): next(8) length-in-4-octets-minus-2(8) ...
//        ESP(50) encrypts what follows: the walk stops there and reports it.
#pragma once

#include <cstdint>

#include "pktdyn/core/cursor.hpp"
#include "pktdyn/core/ip_address.hpp"

namespace pktdyn {

namespace ip_protocol {
inline constexpr std::uint8_t hop_by_hop = 0;
inline constexpr std::uint8_t icmp = 1;
inline constexpr std::uint8_t igmp = 2;
inline constexpr std::uint8_t ipv4 = 4;  ///< IP-in-IP
inline constexpr std::uint8_t tcp = 6;
inline constexpr std::uint8_t udp = 17;
inline constexpr std::uint8_t ipv6 = 41;
inline constexpr std::uint8_t routing = 43;
inline constexpr std::uint8_t fragment = 44;
inline constexpr std::uint8_t gre = 47;
inline constexpr std::uint8_t esp = 50;
inline constexpr std::uint8_t ah = 51;
inline constexpr std::uint8_t icmpv6 = 58;
inline constexpr std::uint8_t no_next_header = 59;
inline constexpr std::uint8_t destination_options = 60;
inline constexpr std::uint8_t sctp = 132;
inline constexpr std::uint8_t ethernet = 143;  ///< RFC 8986
inline constexpr std::uint8_t mobility = 135;
}  // namespace ip_protocol

/// What a parsed IP header says about fragmentation.
struct fragment_info {
    std::uint32_t id = 0;           ///< IPv4 identification or IPv6 fragment identification
    std::uint16_t offset = 0;       ///< in bytes
    bool more = false;              ///< more fragments follow
    bool is_fragment = false;       ///< offset != 0 or more fragments
    [[nodiscard]] bool first() const noexcept { return is_fragment && offset == 0; }
};

enum class ip_problem : std::uint8_t {
    none,
    truncated,          ///< the header does not fit in the captured bytes
    bad_version,
    bad_header_length,  ///< IPv4 IHL < 5, or IHL*4 > total length
    bad_total_length,   ///< total/payload length shorter than the header, or beyond the wire length
    too_many_extensions,
    bad_extension,      ///< an extension header runs past the captured bytes
};

struct ip_header {
    ip_address source, destination;
    std::uint8_t version = 0;
    std::uint8_t protocol = 0;        ///< transport protocol: IPv4's protocol, or IPv6's last next header
    std::uint8_t ttl = 0;             ///< TTL or hop limit
    std::uint8_t traffic_class = 0;   ///< DSCP + ECN
    std::uint32_t flow_label = 0;
    std::uint16_t header_length = 0;  ///< bytes up to the transport header (IPv6: with extension headers)
    std::uint32_t total_length = 0;   ///< IPv4 total length; IPv6 40 + payload length; 0: unknown (jumbogram,
                                      ///< or segmentation offload), the datagram runs to the frame's end
    fragment_info fragment;
    std::uint8_t extension_count = 0;
    bool esp = false;                 ///< IPv6: the chain ended at ESP (IPv4: protocol == 50)
    bool option_bytes = false;        ///< IPv4 options present
    ip_problem problem = ip_problem::none;

    [[nodiscard]] bool ok() const noexcept { return problem == ip_problem::none; }
    /// Bytes after the IP header(s), by the header's own length field.
    [[nodiscard]] std::uint32_t payload_length() const noexcept {
        return total_length > header_length ? total_length - header_length : 0;
    }

    /// IPv4 header at the cursor; on success the cursor is left at the transport header.
    [[nodiscard]] static ip_header parse_v4(cursor& c) noexcept {
        ip_header h;
        parse_v4(c, h);
        return h;
    }
    /// The same, into an existing header (the decoder's hot path: no temporary to copy).
    static void parse_v4(cursor& c, ip_header& h) noexcept {
        h = ip_header{};
        h.version = 4;
        if (!c.has(20)) return h.fail_(ip_problem::truncated, c);
        const std::uint8_t vihl = c.u8();
        if ((vihl >> 4) != 4) return h.fail_(ip_problem::bad_version, c);
        h.header_length = static_cast<std::uint16_t>((vihl & 0x0F) * 4);
        h.traffic_class = c.u8();
        h.total_length = c.u16be();
        h.fragment.id = c.u16be();
        const std::uint16_t flags_offset = c.u16be();
        h.fragment.more = flags_offset & 0x2000;
        h.fragment.offset = static_cast<std::uint16_t>((flags_offset & 0x1FFF) * 8);
        h.fragment.is_fragment = h.fragment.more || h.fragment.offset != 0;
        h.ttl = c.u8();
        h.protocol = c.u8();
        c.skip(2);  // checksum
        h.source.assign(c.take(4).data(), 4);  // 20 bytes are there: checked above
        h.destination.assign(c.take(4).data(), 4);
        if (h.header_length < 20) return h.fail_(ip_problem::bad_header_length, c);
        h.option_bytes = h.header_length > 20;
        if (!c.has(h.header_length - 20u)) return h.fail_(ip_problem::truncated, c);
        c.skip(h.header_length - 20u);
        // 0 is what TCP segmentation offload and BIG TCP leave in captures: the length is the frame's.
        if (h.total_length != 0 && h.total_length < h.header_length) return h.fail_(ip_problem::bad_total_length, c);
        h.esp = h.protocol == ip_protocol::esp;
    }

    /// IPv6 header and its extension headers (at most `max_extensions`); on success the cursor is
    /// left at the transport header, or at ESP's header when `esp` is set.
    [[nodiscard]] static ip_header parse_v6(cursor& c, int max_extensions = 8) noexcept {
        ip_header h;
        parse_v6(c, h, max_extensions);
        return h;
    }
    static void parse_v6(cursor& c, ip_header& h, int max_extensions = 8) noexcept {
        h = ip_header{};
        h.version = 6;
        if (!c.has(40)) return h.fail_(ip_problem::truncated, c);
        const std::uint32_t first = c.u32be();
        if ((first >> 28) != 6) return h.fail_(ip_problem::bad_version, c);
        h.traffic_class = static_cast<std::uint8_t>(first >> 20);
        h.flow_label = first & 0xFFFFF;
        const std::uint16_t payload_length = c.u16be();
        std::uint8_t next = c.u8();
        h.ttl = c.u8();
        h.source.assign(c.take(16).data(), 6);  // 40 bytes are there: checked above
        h.destination.assign(c.take(16).data(), 6);
        h.total_length = payload_length == 0 ? 0 : 40u + payload_length;  // 0: jumbogram (RFC 2675)
        std::uint16_t length = 40;
        for (;;) {
            if (next == ip_protocol::esp) {
                h.esp = true;
                break;
            }
            // The mobility header (135) is an upper layer in practice: its "payload proto" must be 59.
            const bool extension = next == ip_protocol::hop_by_hop || next == ip_protocol::routing ||
                                   next == ip_protocol::destination_options || next == ip_protocol::fragment ||
                                   next == ip_protocol::ah;
            if (!extension) break;
            if (h.extension_count == max_extensions) return h.fail_(ip_problem::too_many_extensions, c);
            if (!c.has(8)) return h.fail_(ip_problem::bad_extension, c);
            const std::uint8_t this_header = next;
            next = c.peek_u8(0);
            std::size_t ext_length;
            if (this_header == ip_protocol::fragment) {
                ext_length = 8;
                const std::uint16_t offset_flags = c.peek<std::uint16_t>(2, byte_order::big);
                h.fragment.offset = static_cast<std::uint16_t>(offset_flags & 0xFFF8);
                h.fragment.more = offset_flags & 1u;
                h.fragment.id = c.peek<std::uint32_t>(4, byte_order::big);
                h.fragment.is_fragment = true;  // even an "atomic" fragment (RFC 6946) is one
            } else if (this_header == ip_protocol::ah) {
                ext_length = (std::size_t{c.peek_u8(1)} + 2) * 4;
            } else {
                ext_length = (std::size_t{c.peek_u8(1)} + 1) * 8;
            }
            if (!c.has(ext_length)) return h.fail_(ip_problem::bad_extension, c);
            c.skip(ext_length);
            length = static_cast<std::uint16_t>(length + ext_length);
            ++h.extension_count;
            // A non-first fragment's payload continues the upper layer; nothing more to walk.
            if (this_header == ip_protocol::fragment && h.fragment.offset != 0) break;
        }
        h.protocol = next;
        h.header_length = length;
        if (h.total_length != 0 && h.total_length < h.header_length) return h.fail_(ip_problem::bad_total_length, c);
    }

private:
    void fail_(ip_problem p, cursor& c) noexcept {
        problem = p;
        c.fail();
    }
};

}  // namespace pktdyn
