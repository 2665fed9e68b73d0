// pktdyn — TLS handshake fingerprints: JA3 / JA3S (Salesforce) and JA4 / JA4S (FoxIO), from parsed
// hellos. This header makes their texts (ja3_string, ja4_r, ...); the hashed forms (ja3, ja4, ...)
// are in crypto/fingerprints.hpp, which needs pktdyn::crypto (MD5 and SHA-256 through libcrypto).
//
// Computed once per flow, so these return std::string. A fingerprint of a truncated hello covers
// only what was present: callers that want comparable values compute them on complete hellos.
//
//   JA3  = md5("SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats"), decimal
//          values joined by '-', GREASE (RFC 8701) removed; SSLVersion is the ClientHello's
//          legacy_version.
//   JA3S = md5("SSLVersion,Cipher,Extensions") of the ServerHello.
//   JA4  = a_b_c: a = transport(t/q/d) version(2) sni(d/i) ciphers(2) extensions(2) alpn(2);
//          b = sha256(sorted cipher hex list)[:12]; c = sha256(sorted extensions without SNI and
//          ALPN, then '_' and signature algorithms in wire order)[:12]; an empty list hashes to
//          twelve zeros. ja4_r shows the lists instead of hashes; ja4_o / ja4_ro keep wire order
//          (and SNI and ALPN).
//   JA4S = transport version(2) extensions(2) alpn(2) _ cipher(4 hex) _ sha256(extensions in order)[:12].
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/proto/tls.hpp"

namespace pktdyn::tls {

namespace detail {

template <class Range>
void append_decimal(std::string& out, const Range& values) {
    bool first = true;
    for (auto v : values) {
        if (is_grease(static_cast<std::uint16_t>(v))) continue;
        if (!first) out += '-';
        first = false;
        fmt::format_to(std::back_inserter(out), "{}", v);
    }
}

inline void append_hex_list(std::string& out, const std::vector<std::uint16_t>& values) {
    bool first = true;
    for (auto v : values) {
        if (!first) out += ',';
        first = false;
        fmt::format_to(std::back_inserter(out), "{:04x}", v);
    }
}

template <class Range>
std::vector<std::uint16_t> without_grease(const Range& values) {
    std::vector<std::uint16_t> out;
    for (auto v : values)
        if (!is_grease(v)) out.push_back(v);
    return out;
}

inline std::vector<std::uint16_t> extension_types(const extension_list& l) {
    std::vector<std::uint16_t> out;
    for (const auto& e : l)
        if (!is_grease(e.type)) out.push_back(e.type);
    return out;
}

/// JA4's two version characters.
[[nodiscard]] constexpr std::string_view ja4_version(std::uint16_t v) noexcept {
    switch (v) {
        case version::tls13: return "13";
        case version::tls12: return "12";
        case version::tls11: return "11";
        case version::tls10: return "10";
        case version::ssl3: return "s3";
        case 0x0002: case 0x0200: return "s2";
        case 0x0100: return "s1";
        case version::dtls10: return "d1";
        case version::dtls12: return "d2";
        case version::dtls13: return "d3";
        default: return "00";
    }
}

[[nodiscard]] constexpr char ja4_transport(transport t) noexcept {
    return t == transport::quic ? 'q' : t == transport::dtls ? 'd' : 't';
}

[[nodiscard]] constexpr bool alnum(unsigned char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/// First and last character of an ALPN value; "00" when empty; when either is not an ASCII letter
/// or digit, the first hex digit of the first byte and the last hex digit of the last byte.
[[nodiscard]] inline std::string ja4_alpn(std::string_view v) {
    if (v.empty()) return "00";
    const auto f = static_cast<unsigned char>(v.front()), l = static_cast<unsigned char>(v.back());
    if (alnum(f) && alnum(l)) return {static_cast<char>(f), static_cast<char>(l)};
    constexpr char hex[] = "0123456789abcdef";
    return {hex[f >> 4], hex[l & 15]};
}

[[nodiscard]] inline std::string two_digits(std::size_t n) { return fmt::format("{:02}", std::min<std::size_t>(n, 99)); }

/// The parts of JA4 before hashing: a, the cipher list, the extension(+signature) list.
struct ja4_lists {
    std::string a, ciphers, extensions;
};

[[nodiscard]] inline ja4_lists ja4_compute(const client_hello& h, transport t, bool original) {
    auto ciphers = without_grease(h.cipher_suites);
    auto exts = extension_types(h.extensions);
    const auto sigs = without_grease(h.signature_algorithms);
    std::uint16_t ver = 0;
    for (auto v : h.supported_versions)
        if (!is_grease(v) && (ver == 0 || client_hello::newer(v, ver))) ver = v;
    if (ver == 0) ver = h.legacy_version;

    ja4_lists out;
    out.a += ja4_transport(t);
    out.a += ja4_version(ver);
    out.a += h.has_server_name ? 'd' : 'i';
    out.a += two_digits(ciphers.size());
    out.a += two_digits(exts.size());
    out.a += ja4_alpn(h.has_alpn ? h.alpn.front() : std::string_view{});

    if (!original) {
        std::sort(ciphers.begin(), ciphers.end());
        std::erase_if(exts, [](std::uint16_t e) { return e == extension_type::server_name || e == extension_type::alpn; });
        std::sort(exts.begin(), exts.end());
    }
    append_hex_list(out.ciphers, ciphers);
    append_hex_list(out.extensions, exts);
    if (!sigs.empty() && !out.extensions.empty()) {
        out.extensions += '_';
        append_hex_list(out.extensions, sigs);
    }
    return out;
}

}  // namespace detail

/// JA3's text: "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats".
[[nodiscard]] inline std::string ja3_string(const client_hello& h) {
    std::string s = fmt::format("{},", h.legacy_version);
    detail::append_decimal(s, h.cipher_suites);
    s += ',';
    std::vector<std::uint16_t> exts;
    for (const auto& e : h.extensions) exts.push_back(e.type);
    detail::append_decimal(s, exts);
    s += ',';
    detail::append_decimal(s, h.supported_groups);
    s += ',';
    bool first = true;
    for (auto b : h.ec_point_formats) {
        if (!first) s += '-';
        first = false;
        fmt::format_to(std::back_inserter(s), "{}", std::to_integer<unsigned>(b));
    }
    return s;
}

/// JA3S's text: "SSLVersion,Cipher,Extensions" (legacy_version and cipher in decimal).
[[nodiscard]] inline std::string ja3s_string(const server_hello& h) {
    std::string s = fmt::format("{},{},", h.legacy_version, h.cipher_suite);
    std::vector<std::uint16_t> exts;
    for (const auto& e : h.extensions) exts.push_back(e.type);
    detail::append_decimal(s, exts);
    return s;
}

/// JA4_r: JA4 with the sorted lists in place of their hashes.
[[nodiscard]] inline std::string ja4_r(const client_hello& h, transport t = transport::tcp) {
    const auto l = detail::ja4_compute(h, t, false);
    return l.a + '_' + l.ciphers + '_' + l.extensions;
}
/// JA4_ro: the raw wire-order lists.
[[nodiscard]] inline std::string ja4_ro(const client_hello& h, transport t = transport::tcp) {
    const auto l = detail::ja4_compute(h, t, true);
    return l.a + '_' + l.ciphers + '_' + l.extensions;
}

namespace detail {
inline std::pair<std::string, std::string> ja4s_parts(const server_hello& h, transport t) {
    const auto exts = extension_types(h.extensions);
    std::string a;
    a += ja4_transport(t);
    a += ja4_version(h.version());
    a += two_digits(exts.size());
    a += ja4_alpn(h.alpn);
    a += fmt::format("_{:04x}", h.cipher_suite);
    std::string list;
    append_hex_list(list, exts);
    return {a, list};
}
}  // namespace detail

/// JA4S_r: the extension list in place of its hash.
[[nodiscard]] inline std::string ja4s_r(const server_hello& h, transport t = transport::tcp) {
    const auto [a, list] = detail::ja4s_parts(h, t);
    return a + '_' + list;
}

}  // namespace pktdyn::tls
