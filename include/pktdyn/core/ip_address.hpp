// pktdyn — an IPv4 or IPv6 address as a value: 16 bytes and a version, comparable and hashable (std::hash),
// printed in the RFC 5952 canonical form.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>

#include <fmt/format.h>

namespace pktdyn {

struct ip_address {
    std::array<std::uint8_t, 16> bytes{};  ///< IPv4 in the first 4 bytes, the rest zero
    std::uint8_t version = 0;              ///< 4, 6, or 0 for none

    [[nodiscard]] static ip_address v4(std::span<const std::byte, 4> b) noexcept {
        ip_address a;
        std::memcpy(a.bytes.data(), b.data(), 4);
        a.version = 4;
        return a;
    }
    [[nodiscard]] static ip_address v6(std::span<const std::byte, 16> b) noexcept {
        ip_address a;
        std::memcpy(a.bytes.data(), b.data(), 16);
        a.version = 6;
        return a;
    }
    /// Sets this address from 4 or 16 bytes (the caller checked they are there).
    void assign(const std::byte* p, std::uint8_t v) noexcept {
        std::memcpy(bytes.data(), p, v == 4 ? 4 : 16);
        version = v;
    }

    [[nodiscard]] static constexpr ip_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) noexcept {
        ip_address r;
        r.bytes = {a, b, c, d};
        r.version = 4;
        return r;
    }

    [[nodiscard]] std::size_t size() const noexcept { return version == 6 ? 16 : version == 4 ? 4 : 0; }
    friend constexpr auto operator<=>(const ip_address&, const ip_address&) noexcept = default;
    /// Two 8-byte compares instead of a call to memcmp: flow lookups compare keys on every packet.
    friend constexpr bool operator==(const ip_address& x, const ip_address& y) noexcept {
        using words = std::array<std::uint64_t, 2>;
        const auto p = std::bit_cast<words>(x.bytes), q = std::bit_cast<words>(y.bytes);
        return ((p[0] ^ q[0]) | (p[1] ^ q[1])) == 0 && x.version == y.version;
    }

    /// "192.0.2.1", "2001:db8::1" (RFC 5952: lowercase, longest run of zero groups as "::"), "" if none.
    [[nodiscard]] std::string to_string() const {
        if (version == 4) return fmt::format("{}.{}.{}.{}", bytes[0], bytes[1], bytes[2], bytes[3]);
        if (version != 6) return {};
        std::array<unsigned, 8> g{};
        for (int i = 0; i < 8; ++i) g[i] = unsigned(bytes[2 * i]) << 8 | bytes[2 * i + 1];
        int best = -1, best_len = 0;
        for (int i = 0; i < 8;) {
            int j = i;
            while (j < 8 && g[j] == 0) ++j;
            if (j - i > best_len && j - i >= 2) best = i, best_len = j - i;
            i = j == i ? i + 1 : j;
        }
        std::string s;
        for (int i = 0; i < 8; ++i) {
            if (i == best) {
                s += "::";
                i += best_len - 1;
                continue;
            }
            if (!s.empty() && s.back() != ':') s += ':';
            s += fmt::format("{:x}", g[i]);
        }
        return s;
    }
};

}  // namespace pktdyn

/// For unordered containers of addresses (per-host tables). Not seeded: where an attacker picks
/// the addresses and the table sits on the packet path, key a table by flow_key's seeded hash.
template <>
struct std::hash<pktdyn::ip_address> {
    std::size_t operator()(const pktdyn::ip_address& a) const noexcept {
        const auto w = std::bit_cast<std::array<std::uint64_t, 2>>(a.bytes);
        const unsigned __int128 r = static_cast<unsigned __int128>(w[0] ^ 0xa0761d6478bd642full ^ a.version) *
                                    (w[1] ^ 0xe7037ed1a0b428dbull);
        return static_cast<std::size_t>(static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64));
    }
};
