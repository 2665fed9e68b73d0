// pktdyn — Community ID v1 (github.com/corelight/community-id-spec): a flow identifier that Zeek,
// Suricata, Wireshark, Arkime and others compute the same way, so pktdyn's records join theirs.
//
//   "1:" + base64(SHA-1(seed(16) | address 1 | address 2 | protocol(8) | 0(8) | port 1(16) | port 2(16)))
//
// The endpoints are ordered so the smaller (address, port) comes first; ICMP and ICMPv6 use the
// type and its counterpart type (echo ↔ echo reply, ...) as ports, or the type and code for
// messages without a counterpart, which are one-way and never reordered. Other protocols hash no
// ports. SHA-1 and base64 are implemented here (FIPS 180-4, RFC 4648) so the flow layer needs no
// crypto library; they are tested against the standards' vectors.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "pktdyn/core/ip_address.hpp"

namespace pktdyn {

namespace detail {

/// SHA-1 of a short message (FIPS 180-4).
[[nodiscard]] inline std::array<std::uint8_t, 20> sha1(std::span<const std::uint8_t> message) noexcept {
    std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    const auto rotl = [](std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };
    const std::uint64_t bits = std::uint64_t{message.size()} * 8;
    const std::size_t blocks = (message.size() + 9 + 63) / 64;
    for (std::size_t blk = 0; blk < blocks; ++blk) {
        std::uint8_t chunk[64];
        for (std::size_t i = 0; i < 64; ++i) {
            const std::size_t at = blk * 64 + i;
            if (at < message.size()) chunk[i] = message[at];
            else if (at == message.size()) chunk[i] = 0x80;
            else if (blk == blocks - 1 && i >= 56) chunk[i] = static_cast<std::uint8_t>(bits >> (8 * (63 - i)));
            else chunk[i] = 0;
        }
        std::uint32_t w[80];
        for (int i = 0; i < 16; ++i)
            w[i] = std::uint32_t{chunk[4 * i]} << 24 | std::uint32_t{chunk[4 * i + 1]} << 16 |
                   std::uint32_t{chunk[4 * i + 2]} << 8 | chunk[4 * i + 3];
        for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; ++i) {
            std::uint32_t f, k;
            if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999;
            else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
            else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
            else f = b ^ c ^ d, k = 0xCA62C1D6;
            const std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
            e = d, d = c, c = rotl(b, 30), b = a, a = t;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
    }
    std::array<std::uint8_t, 20> out{};
    for (int i = 0; i < 20; ++i) out[i] = static_cast<std::uint8_t>(h[i / 4] >> (24 - 8 * (i % 4)));
    return out;
}

[[nodiscard]] inline std::string base64(std::span<const std::uint8_t> bytes) {
    static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::uint32_t n = std::uint32_t{bytes[i]} << 16 | (i + 1 < bytes.size() ? bytes[i + 1] << 8 : 0) |
                                (i + 2 < bytes.size() ? bytes[i + 2] : 0);
        out += table[n >> 18 & 63];
        out += table[n >> 12 & 63];
        out += i + 1 < bytes.size() ? table[n >> 6 & 63] : '=';
        out += i + 2 < bytes.size() ? table[n & 63] : '=';
    }
    return out;
}

}  // namespace detail

/// ICMP type (and code) as the port pair Zeek and Community ID use; `one_way` when the type has
/// no counterpart (then the pair is type and code, and the endpoints are never swapped).
struct icmp_ports {
    std::uint16_t source = 0, destination = 0;
    bool one_way = true;
};

[[nodiscard]] constexpr icmp_ports icmp_port_equivalents(bool v6, std::uint8_t type, std::uint8_t code) noexcept {
    constexpr std::uint8_t v4_pairs[][2] = {{8, 0}, {0, 8}, {13, 14}, {14, 13}, {15, 16}, {16, 15},
                                            {10, 9}, {9, 10}, {17, 18}, {18, 17}};
    constexpr std::uint8_t v6_pairs[][2] = {{128, 129}, {129, 128}, {130, 131}, {131, 130}, {133, 134}, {134, 133},
                                            {135, 136}, {136, 135}, {139, 140}, {140, 139}, {144, 145}, {145, 144}};
    if (v6) {
        for (const auto& p : v6_pairs)
            if (p[0] == type) return {type, p[1], false};
    } else {
        for (const auto& p : v4_pairs)
            if (p[0] == type) return {type, p[1], false};
    }
    return {type, code, true};
}

/// The Community ID v1 string of a flow seen as source → destination. For ICMP pass the type and
/// code as the ports; `seed` is the spec's seed (0 by default everywhere).
[[nodiscard]] inline std::string community_id_v1(const ip_address& source, const ip_address& destination,
                                                 std::uint8_t protocol, std::uint16_t source_port,
                                                 std::uint16_t destination_port, std::uint16_t seed = 0) {
    bool ordered_fixed = false;
    const bool icmp = protocol == 1 || protocol == 58;
    if (icmp) {
        const auto e = icmp_port_equivalents(protocol == 58, static_cast<std::uint8_t>(source_port),
                                             static_cast<std::uint8_t>(destination_port));
        source_port = e.source;
        destination_port = e.destination;
        ordered_fixed = e.one_way;
    }
    const bool has_ports = icmp || protocol == 6 || protocol == 17 || protocol == 132;
    const ip_address* a = &source;
    const ip_address* b = &destination;
    std::uint16_t pa = source_port, pb = destination_port;
    const int c = std::memcmp(a->bytes.data(), b->bytes.data(), a->size());
    if (!ordered_fixed && (c > 0 || (c == 0 && pa > pb))) {
        std::swap(a, b);
        std::swap(pa, pb);
    }
    std::uint8_t buf[2 + 16 + 16 + 2 + 4];
    std::size_t n = 0;
    buf[n++] = static_cast<std::uint8_t>(seed >> 8);
    buf[n++] = static_cast<std::uint8_t>(seed);
    std::memcpy(buf + n, a->bytes.data(), a->size());
    n += a->size();
    std::memcpy(buf + n, b->bytes.data(), b->size());
    n += b->size();
    buf[n++] = protocol;
    buf[n++] = 0;
    if (has_ports) {
        buf[n++] = static_cast<std::uint8_t>(pa >> 8);
        buf[n++] = static_cast<std::uint8_t>(pa);
        buf[n++] = static_cast<std::uint8_t>(pb >> 8);
        buf[n++] = static_cast<std::uint8_t>(pb);
    }
    const auto digest = detail::sha1({buf, n});
    return "1:" + detail::base64(digest);
}

}  // namespace pktdyn
