// pktdyn — link-layer header types, as numbered by the tcpdump.org LINKTYPE_ registry
// (the values stored in pcap and pcapng files).
//
// Any 32-bit value is a valid `link_type`: readers deliver packets of link types pktdyn does not
// dissect with their number, so a dissector can decline them and count them.
#pragma once

#include <cstdint>
#include <string_view>

namespace pktdyn {

enum class link_type : std::uint32_t {
    null = 0,              ///< BSD loopback: 4-byte address family in host byte order
    ethernet = 1,
    ppp = 9,
    fddi = 10,
    raw = 101,             ///< raw IPv4 or IPv6, version from the first nibble
    ieee802_11 = 105,
    cisco_hdlc = 104,
    frame_relay = 107,
    loop = 108,            ///< OpenBSD loopback: 4-byte address family in network byte order
    linux_sll = 113,
    ieee802_11_radiotap = 127,
    ppp_with_direction = 166,
    ipv4 = 228,
    ipv6 = 229,
    nflog = 239,
    linux_sll2 = 276,
    dlt_raw_12 = 12,       ///< DLT_RAW as written by most BSDs' libpcap: raw IP
    dlt_raw_14 = 14,       ///< DLT_RAW on OpenBSD: raw IP
    ppp_hdlc = 50,         ///< PPP in HDLC-like framing
    ppp_ether = 51,        ///< PPPoE
    ppi = 192,             ///< Per-Packet Information header, then the DLT it names
    ipnet = 226,           ///< Solaris ipnet
    ipoib = 242,           ///< IP over InfiniBand
};

/// Short lowercase name of a link type ("ethernet", "linux_sll2"); empty for values not listed.
[[nodiscard]] constexpr std::string_view name(link_type t) noexcept {
    switch (t) {
        case link_type::null: return "null";
        case link_type::ethernet: return "ethernet";
        case link_type::ppp: return "ppp";
        case link_type::fddi: return "fddi";
        case link_type::raw: return "raw";
        case link_type::ieee802_11: return "ieee802_11";
        case link_type::cisco_hdlc: return "cisco_hdlc";
        case link_type::frame_relay: return "frame_relay";
        case link_type::loop: return "loop";
        case link_type::linux_sll: return "linux_sll";
        case link_type::ieee802_11_radiotap: return "ieee802_11_radiotap";
        case link_type::ppp_with_direction: return "ppp_with_direction";
        case link_type::ipv4: return "ipv4";
        case link_type::ipv6: return "ipv6";
        case link_type::nflog: return "nflog";
        case link_type::linux_sll2: return "linux_sll2";
        case link_type::dlt_raw_12: return "raw (DLT 12)";
        case link_type::dlt_raw_14: return "raw (DLT 14)";
        case link_type::ppp_hdlc: return "ppp_hdlc";
        case link_type::ppp_ether: return "pppoe";
        case link_type::ppi: return "ppi";
        case link_type::ipnet: return "ipnet";
        case link_type::ipoib: return "ipoib";
    }
    return {};
}

}  // namespace pktdyn
