// pktdyn — networks as CIDR prefixes, and lists of them: which addresses are "internal".
//
// `parse_network("10.0.0.0/8")`, `"2001:db8::/32"`, or a bare address (a /32 or /128) checks the text
// as Python's ipaddress.ip_network(strict=True) does: an address inet_pton(3) reads, a prefix length
// of decimal digits within 0..32 or 0..128, and no bit set past the prefix ("10.1.0.0/8" is refused:
// it names a host, not a network). `network_list::parse("10.0.0.0/8, fc00::/7")` takes a comma-
// separated list; an error names the entry and what is wrong with it.
//
// Internal by default (`network_list::internal()`): RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 4193
// unique local (fc00::/7), and link-local (169.254/16, RFC 3927; fe80::/10, RFC 4291).
#pragma once

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/core/ip_address.hpp"
#include "pktdyn/core/result.hpp"

namespace pktdyn {

struct network {
    ip_address base;
    std::uint8_t prefix = 0;  ///< leading bits that must match

    [[nodiscard]] bool contains(const ip_address& a) const noexcept {
        if (a.version != base.version) return false;
        const unsigned whole = prefix / 8u, rest = prefix % 8u;
        for (unsigned i = 0; i < whole; ++i)
            if (a.bytes[i] != base.bytes[i]) return false;
        if (rest == 0) return true;
        const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
        return (a.bytes[whole] & mask) == base.bytes[whole];
    }
    [[nodiscard]] std::string to_string() const { return fmt::format("{}/{}", base.to_string(), prefix); }
};

/// Parses "ADDRESS/PREFIX" or "ADDRESS" (see the top of this header).
[[nodiscard]] inline result<network> parse_network(std::string_view text) {
    const auto bad = [&](std::string_view why) {
        return error{errc::invalid_argument, fmt::format("network '{}': {}", text, why)};
    };
    const std::size_t slash = text.find('/');
    const std::string address(text.substr(0, slash));
    network n;
    if (address.find(':') == std::string::npos) {
        if (inet_pton(AF_INET, address.c_str(), n.base.bytes.data()) != 1) return bad("not an IPv4 or IPv6 address");
        n.base.version = 4;
    } else {
        if (inet_pton(AF_INET6, address.c_str(), n.base.bytes.data()) != 1) return bad("not an IPv4 or IPv6 address");
        n.base.version = 6;
    }
    const unsigned most = n.base.version == 4 ? 32 : 128;
    n.prefix = static_cast<std::uint8_t>(most);
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        unsigned value = 0;
        if (digits.empty() || digits.size() > 3 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return bad("the prefix length is not a number");
        for (char c : digits) value = value * 10 + unsigned(c - '0');
        if (value > most) return bad(fmt::format("the prefix length {} is more than {}", value, most));
        n.prefix = static_cast<std::uint8_t>(value);
    }
    network masked = n;
    for (unsigned bit = n.prefix; bit < most; ++bit) masked.base.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    if (masked.base != n.base) return bad(fmt::format("has host bits set (the network is {})", masked.to_string()));
    return n;
}

class network_list {
public:
    network_list() = default;
    explicit network_list(std::vector<network> networks) : networks_(std::move(networks)) {
        for (const network& n : networks_) {
            std::array<std::uint8_t, 16> mask{};
            for (unsigned bit = 0; bit < n.prefix; ++bit) mask[bit / 8] |= static_cast<std::uint8_t>(0x80u >> (bit % 8));
            masked m{n.base.version, words(n.base.bytes), words(mask)};
            m.base = {m.base[0] & m.mask[0], m.base[1] & m.mask[1]};
            masked_.push_back(m);
        }
    }

    /// A comma-separated list ("10.0.0.0/8, 192.168.0.0/16"); spaces around entries are ignored.
    [[nodiscard]] static result<network_list> parse(std::string_view text) {
        std::vector<network> all;
        std::size_t at = 0;
        while (at <= text.size()) {
            const std::size_t end = std::min(text.find(',', at), text.size());
            std::string_view entry = text.substr(at, end - at);
            while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
            while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
            if (entry.empty()) return error{errc::invalid_argument, fmt::format("network list '{}': an empty entry", text)};
            auto n = parse_network(entry);
            if (!n) return n.error();
            all.push_back(*n);
            at = end + 1;
        }
        return network_list(std::move(all));
    }
    /// RFC 1918, RFC 4193 and link-local networks.
    [[nodiscard]] static network_list internal() {
        static const network_list ours =
            parse("10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16, fc00::/7, fe80::/10").value();
        return ours;  // a copy of one parsed list (parsing once; GCC 12 also misreads the moved temporary)
    }

    /// Asked for several addresses of every flow a detector sees: two masked 64-bit compares a network.
    [[nodiscard]] bool contains(const ip_address& a) const noexcept {
        const auto w = words(a.bytes);
        for (const masked& m : masked_)
            if (m.version == a.version && (w[0] & m.mask[0]) == m.base[0] && (w[1] & m.mask[1]) == m.base[1]) return true;
        return false;
    }
    [[nodiscard]] const std::vector<network>& networks() const noexcept { return networks_; }

private:
    struct masked {
        std::uint8_t version;
        std::array<std::uint64_t, 2> base, mask;  // 16 bytes as two words, in memory order
    };
    static std::array<std::uint64_t, 2> words(const std::array<std::uint8_t, 16>& bytes) noexcept {
        std::array<std::uint64_t, 2> w;
        std::memcpy(w.data(), bytes.data(), 16);
        return w;
    }
    std::vector<network> networks_;
    std::vector<masked> masked_;
};

}  // namespace pktdyn
