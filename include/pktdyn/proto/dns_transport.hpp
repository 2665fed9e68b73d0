// pktdyn — which transport a flow's DNS takes: plain DNS, mDNS, LLMNR, DNS over TLS (DoT),
// DNS over QUIC (DoQ) or DNS over HTTPS (DoH), from the flow's protocol, server port, server
// address and TLS SNI. These are signals, not proof: DoH to a private resolver looks like any HTTPS.
//
//   DoT (RFC 7858): TCP to port 853.   DoQ (RFC 9250): UDP to port 853 (DNS over DTLS, RFC 8094,
//   shares the port and is not told apart here).   DoH (RFC 8484): HTTPS (TCP 443, or QUIC on UDP
//   443) to a well-known public resolver, recognised by address or by SNI.
//
// The resolver list (addresses and host names) comes from the providers' own setup pages, as
// published in 2024 (docs/handshakes.md lists each source); it is a fixed table, compiled in.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "pktdyn/core/ip_address.hpp"

namespace pktdyn {

enum class dns_transport : std::uint8_t { none, dns, mdns, llmnr, dot, doq, doh };

[[nodiscard]] constexpr std::string_view to_string(dns_transport t) noexcept {
    switch (t) {
        case dns_transport::none: return "none";
        case dns_transport::dns: return "dns";
        case dns_transport::mdns: return "mdns";
        case dns_transport::llmnr: return "llmnr";
        case dns_transport::dot: return "dot";
        case dns_transport::doq: return "doq";
        case dns_transport::doh: return "doh";
    }
    return "?";
}

namespace detail {

struct public_resolver_address {
    std::string_view provider;
    std::string_view address;  ///< textual, parsed at first use
};

// Sources: docs/handshakes.md, "Public resolvers".
inline constexpr auto public_resolver_addresses = std::to_array<public_resolver_address>({
    {"Cloudflare", "1.1.1.1"}, {"Cloudflare", "1.0.0.1"}, {"Cloudflare", "1.1.1.2"}, {"Cloudflare", "1.0.0.2"},
    {"Cloudflare", "1.1.1.3"}, {"Cloudflare", "1.0.0.3"},
    {"Cloudflare", "2606:4700:4700::1111"}, {"Cloudflare", "2606:4700:4700::1001"},
    {"Cloudflare", "2606:4700:4700::1112"}, {"Cloudflare", "2606:4700:4700::1002"},
    {"Cloudflare", "2606:4700:4700::1113"}, {"Cloudflare", "2606:4700:4700::1003"},
    {"Google", "8.8.8.8"}, {"Google", "8.8.4.4"},
    {"Google", "2001:4860:4860::8888"}, {"Google", "2001:4860:4860::8844"},
    {"Google", "2001:4860:4860::6464"}, {"Google", "2001:4860:4860::64"},
    {"Quad9", "9.9.9.9"}, {"Quad9", "149.112.112.112"}, {"Quad9", "9.9.9.10"}, {"Quad9", "149.112.112.10"},
    {"Quad9", "9.9.9.11"}, {"Quad9", "149.112.112.11"},
    {"Quad9", "2620:fe::fe"}, {"Quad9", "2620:fe::9"}, {"Quad9", "2620:fe::10"}, {"Quad9", "2620:fe::fe:10"},
    {"Quad9", "2620:fe::11"}, {"Quad9", "2620:fe::fe:11"},
    {"OpenDNS", "208.67.222.222"}, {"OpenDNS", "208.67.220.220"}, {"OpenDNS", "208.67.222.123"},
    {"OpenDNS", "208.67.220.123"}, {"OpenDNS", "2620:119:35::35"}, {"OpenDNS", "2620:119:53::53"},
    {"AdGuard", "94.140.14.14"}, {"AdGuard", "94.140.15.15"}, {"AdGuard", "94.140.14.15"},
    {"AdGuard", "94.140.15.16"}, {"AdGuard", "94.140.14.140"}, {"AdGuard", "94.140.14.141"},
    {"AdGuard", "2a10:50c0::ad1:ff"}, {"AdGuard", "2a10:50c0::ad2:ff"},
    {"NextDNS", "45.90.28.0"}, {"NextDNS", "45.90.30.0"},
    {"CleanBrowsing", "185.228.168.9"}, {"CleanBrowsing", "185.228.169.9"},
    {"CleanBrowsing", "185.228.168.10"}, {"CleanBrowsing", "185.228.169.11"},
    {"Mullvad", "194.242.2.2"}, {"Mullvad", "2a07:e340::2"},
});

struct public_resolver_host {
    std::string_view provider;
    std::string_view host;
    bool subdomains;  ///< also matches any name ending in "." + host
};

inline constexpr auto public_resolver_hosts = std::to_array<public_resolver_host>({
    {"Cloudflare", "cloudflare-dns.com", true},  // mozilla., chrome., security., family., 1dot1dot1dot1. ...
    {"Cloudflare", "one.one.one.one", false},
    {"Google", "dns.google", false}, {"Google", "dns.google.com", false}, {"Google", "dns64.dns.google", false},
    {"Quad9", "dns.quad9.net", false}, {"Quad9", "dns9.quad9.net", false}, {"Quad9", "dns10.quad9.net", false},
    {"Quad9", "dns11.quad9.net", false},
    {"OpenDNS", "doh.opendns.com", false}, {"OpenDNS", "doh.familyshield.opendns.com", false},
    {"AdGuard", "dns.adguard.com", false}, {"AdGuard", "dns.adguard-dns.com", false},
    {"AdGuard", "family.adguard-dns.com", false}, {"AdGuard", "unfiltered.adguard-dns.com", false},
    {"NextDNS", "dns.nextdns.io", true},  // <configuration id>.dns.nextdns.io
    {"CleanBrowsing", "doh.cleanbrowsing.org", false},
    {"Mullvad", "dns.mullvad.net", false}, {"Mullvad", "adblock.dns.mullvad.net", false},
    {"Mullvad", "base.dns.mullvad.net", false},
    {"Comcast", "doh.xfinity.com", false},
});

/// Parses dotted-quad or RFC 4291 text (no zone, no embedded IPv4) at compile time or first use.
[[nodiscard]] constexpr ip_address parse_ip_literal(std::string_view s) noexcept {
    ip_address a;
    if (s.find(':') == std::string_view::npos) {
        unsigned part = 0, value = 0;
        for (char ch : s) {
            if (ch == '.') {
                a.bytes[part++] = static_cast<std::uint8_t>(value);
                value = 0;
            } else {
                value = value * 10 + unsigned(ch - '0');
            }
        }
        a.bytes[part] = static_cast<std::uint8_t>(value);
        a.version = 4;
        return a;
    }
    std::array<std::uint16_t, 8> head{}, tail{};
    int nh = 0, nt = 0;
    bool after_gap = false;
    unsigned value = 0;
    bool digits = false;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        const char ch = i < s.size() ? s[i] : ':';
        if (ch == ':') {
            if (digits) {
                (after_gap ? tail[nt++] : head[nh++]) = static_cast<std::uint16_t>(value);
            } else if (i + 1 < s.size() && s[i + 1] == ':') {
                after_gap = true;
            } else if (i > 0 && s[i - 1] == ':') {
                after_gap = true;
            }
            value = 0;
            digits = false;
        } else {
            const unsigned d = ch <= '9' ? unsigned(ch - '0') : unsigned((ch | 0x20) - 'a' + 10);
            value = value * 16 + d;
            digits = true;
        }
    }
    std::array<std::uint16_t, 8> g{};
    for (int i = 0; i < nh; ++i) g[i] = head[i];
    for (int i = 0; i < nt; ++i) g[8 - nt + i] = tail[i];
    for (int i = 0; i < 8; ++i) {
        a.bytes[2 * i] = static_cast<std::uint8_t>(g[i] >> 8);
        a.bytes[2 * i + 1] = static_cast<std::uint8_t>(g[i]);
    }
    a.version = 6;
    return a;
}

inline constexpr auto public_resolver_ips = [] {
    std::array<ip_address, public_resolver_addresses.size()> out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = parse_ip_literal(public_resolver_addresses[i].address);
    return out;
}();

[[nodiscard]] constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
        if (x != y) return false;
    }
    return true;
}

}  // namespace detail

/// The provider ("Cloudflare", "Google", ...) of a well-known public resolver address, or "".
[[nodiscard]] constexpr std::string_view public_resolver_by_address(const ip_address& a) noexcept {
    for (std::size_t i = 0; i < detail::public_resolver_ips.size(); ++i)
        if (detail::public_resolver_ips[i] == a) return detail::public_resolver_addresses[i].provider;
    return {};
}

/// The provider of a well-known DoH / DoT host name (an SNI; case-insensitive, a trailing dot
/// ignored), or "".
[[nodiscard]] constexpr std::string_view public_resolver_by_host(std::string_view name) noexcept {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    for (const auto& h : detail::public_resolver_hosts) {
        if (detail::iequals(name, h.host)) return h.provider;
        if (h.subdomains && name.size() > h.host.size() + 1 && name[name.size() - h.host.size() - 1] == '.' &&
            detail::iequals(name.substr(name.size() - h.host.size()), h.host))
            return h.provider;
    }
    return {};
}

struct dns_transport_signal {
    dns_transport transport = dns_transport::none;
    std::string_view provider{};  ///< a known public resolver's provider, or ""
    bool by_address = false;      ///< the server address is a known public resolver's
    bool by_name = false;         ///< the SNI is a known public resolver's host name
};

/// Classifies a flow from the responder's side: `ip_protocol` 6 or 17, `server_port` the port of
/// the side that accepted the connection (or answered), `server` its address, `sni` the TLS / QUIC
/// server name if any. Port 53 is dns, UDP 5353 mdns, 5355 llmnr, TCP 853 dot, UDP 853 doq; 443
/// (TCP, or UDP for HTTP/3) is doh when the address or the SNI is a known public resolver's.
[[nodiscard]] constexpr dns_transport_signal classify_dns_transport(std::uint8_t ip_protocol, std::uint16_t server_port,
                                                                    const ip_address& server,
                                                                    std::string_view sni = {}) noexcept {
    dns_transport_signal s;
    if (ip_protocol != 6 && ip_protocol != 17) return s;
    const bool tcp = ip_protocol == 6;
    const std::string_view by_addr = public_resolver_by_address(server);
    const std::string_view by_host = sni.empty() ? std::string_view{} : public_resolver_by_host(sni);
    s.by_address = !by_addr.empty();
    s.by_name = !by_host.empty();
    s.provider = !by_host.empty() ? by_host : by_addr;
    switch (server_port) {
        case 53: s.transport = dns_transport::dns; break;
        case 5353: if (!tcp) s.transport = dns_transport::mdns; break;
        case 5355: s.transport = dns_transport::llmnr; break;
        case 853: s.transport = tcp ? dns_transport::dot : dns_transport::doq; break;
        case 443: if (s.by_address || s.by_name) s.transport = dns_transport::doh; break;
        default: break;
    }
    return s;
}

}  // namespace pktdyn
