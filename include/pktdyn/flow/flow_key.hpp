// pktdyn — the canonical bidirectional flow key, and its seeded hash.
//
// Both directions of a conversation map to one key: the endpoint with the smaller (address, port)
// is `a`, the other `b`, and each packet carries a direction bit saying whether it goes a → b.
// ICMP uses Community ID's port equivalents (echo and echo reply share a key; one-way messages are
// keyed by type and code, in their own direction). Optionally the key also holds the outermost
// VLAN id and the innermost tunnel's id, for networks that reuse addresses across them.
//
// The hash is keyed by a per-table random seed (a wyhash-style multiply-mix), so an attacker who
// does not know the seed cannot pick addresses that collide: hash flooding does not degrade the table.
#pragma once

#include <bit>
#include <compare>
#include <cstdint>
#include <cstring>

#include "pktdyn/core/ip_address.hpp"
#include "pktdyn/flow/community_id.hpp"
#include "pktdyn/proto/decoded_packet.hpp"

namespace pktdyn {

struct flow_key {
    ip_address a, b;
    std::uint16_t port_a = 0, port_b = 0;
    std::uint8_t protocol = 0;
    std::uint16_t vlan = 0;   ///< 0 unless the table keys by VLAN
    tunnel_id tunnel;         ///< empty unless the table keys by tunnel

    friend bool operator==(const flow_key&, const flow_key&) = default;
};

struct key_options {
    bool by_vlan = false;     ///< flows on different VLANs with the same addresses stay apart
    bool by_tunnel = false;   ///< the same for tunnel ids (VNI, GRE key, TEID)
};

/// A packet's key and its direction: `a_to_b` when the packet's source is the key's `a`.
struct keyed_packet {
    flow_key key;
    bool a_to_b = true;
};

/// Ports known for a packet from elsewhere: a later IP fragment's, from its first fragment
/// (fragment_tracker).
struct known_ports {
    std::uint16_t source = 0, destination = 0;
};

namespace detail {
/// The byte order memcmp gives, as two big-endian 8-byte compares (memcmp is a call per packet).
[[nodiscard]] inline std::strong_ordering compare(const ip_address& x, const ip_address& y) noexcept {
    std::uint64_t p[2], q[2];
    std::memcpy(p, x.bytes.data(), 16);
    std::memcpy(q, y.bytes.data(), 16);
    if constexpr (std::endian::native == std::endian::little)
        for (int i = 0; i < 2; ++i) {
            p[i] = __builtin_bswap64(p[i]);
            q[i] = __builtin_bswap64(q[i]);
        }
    return p[0] != q[0] ? p[0] <=> q[0] : p[1] <=> q[1];
}
}  // namespace detail

/// The key of a decoded packet, from its innermost IP header and transport (or, for a later
/// fragment, the ports its first fragment carried); false without IP.
[[nodiscard]] inline bool make_flow_key(const decoded_packet& d, keyed_packet& out, key_options o = {},
                                        const known_ports* fragment_ports = nullptr) noexcept {
    if (!d.has_ip()) return false;
    const ip_header& ip = d.inner_ip();
    flow_key& k = out.key;
    k.protocol = d.transport != 0 ? d.transport : ip.protocol;
    std::uint16_t sport = 0, dport = 0;
    bool fixed = false;
    if (d.has_transport && (k.protocol == 6 || k.protocol == 17 || k.protocol == 132)) {
        sport = d.source_port;
        dport = d.destination_port;
    } else if (fragment_ports != nullptr && !d.has_transport) {
        sport = fragment_ports->source;
        dport = fragment_ports->destination;
    } else if (d.has_transport && (k.protocol == 1 || k.protocol == 58)) {
        const auto e = icmp_port_equivalents(k.protocol == 58, d.icmp.type, d.icmp.code);
        sport = e.source;
        dport = e.destination;
        fixed = e.one_way;
    }
    const auto c = detail::compare(ip.source, ip.destination);
    out.a_to_b = fixed || c < 0 || (c == 0 && sport <= dport);
    k.a = out.a_to_b ? ip.source : ip.destination;
    k.b = out.a_to_b ? ip.destination : ip.source;
    k.port_a = out.a_to_b ? sport : dport;
    k.port_b = out.a_to_b ? dport : sport;
    k.vlan = o.by_vlan && d.vlan_count ? d.vlan_ids[0] : 0;
    k.tunnel = o.by_tunnel ? d.tunnel : tunnel_id{};
    return true;
}

namespace detail {
[[nodiscard]] inline std::uint64_t mix(std::uint64_t a, std::uint64_t b) noexcept {
    const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}
}  // namespace detail

/// Seeded 64-bit hash of a key.
[[nodiscard]] inline std::uint64_t hash(const flow_key& k, std::uint64_t seed) noexcept {
    constexpr std::uint64_t p0 = 0xa0761d6478bd642full, p1 = 0xe7037ed1a0b428dbull, p2 = 0x8ebc6af09c88c6e3ull;
    std::uint64_t w[6];
    std::memcpy(&w[0], k.a.bytes.data(), 8);
    std::memcpy(&w[1], k.a.bytes.data() + 8, 8);
    std::memcpy(&w[2], k.b.bytes.data(), 8);
    std::memcpy(&w[3], k.b.bytes.data() + 8, 8);
    w[4] = std::uint64_t{k.port_a} | std::uint64_t{k.port_b} << 16 | std::uint64_t{k.protocol} << 32 |
           std::uint64_t{k.vlan} << 40 | std::uint64_t{k.a.version} << 56;
    w[5] = std::uint64_t{k.tunnel.id} | std::uint64_t{static_cast<std::uint8_t>(k.tunnel.kind)} << 32;
    std::uint64_t h = seed ^ p0;
    h = detail::mix(w[0] ^ p1 ^ h, w[1] ^ p2);
    h = detail::mix(w[2] ^ p1 ^ h, w[3] ^ p2);
    h = detail::mix(w[4] ^ p1 ^ h, w[5] ^ p2 ^ seed);
    return detail::mix(h ^ p0, h ^ p1);
}

/// The Community ID of a flow, from its key. The key's ICMP port equivalents map back to
/// themselves, and one-way ICMP keeps the packet's own direction, so this equals the ID of any of
/// the flow's packets.
[[nodiscard]] inline std::string community_id(const flow_key& k, std::uint16_t seed = 0) {
    return community_id_v1(k.a, k.b, k.protocol, k.port_a, k.port_b, seed);
}

}  // namespace pktdyn
