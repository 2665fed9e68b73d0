// pktdyn — what every detector shares: which networks are ours, until when the run only learns,
// and the registered-domain lookup. Time is the packets' (the latest flow end seen), never the wall clock.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "pktdyn/baseline/networks.hpp"
#include "pktdyn/core/time.hpp"
#include "pktdyn/proto/public_suffix.hpp"

namespace pktdyn {

/// An address's bytes (4 or 16) as a key: what the detectors hash and remember, never text.
[[nodiscard]] inline std::string_view address_bytes(const ip_address& a) noexcept {
    return {reinterpret_cast<const char*>(a.bytes.data()), a.size()};
}

struct detect_context {
    network_list internal = network_list::internal();
    /// From the first flow's first packet, novelty detectors only learn (a day by default: without a
    /// baseline everything is new). Restored state keeps its own end of learning.
    duration learning_period = std::chrono::hours(24);
    timestamp learning_until{};                 ///< before this packet time, detectors that judge novelty only learn
    const public_suffix_list* suffixes = nullptr;  ///< nullptr: a name's last two labels are its registered domain
    timestamp now{};                            ///< the latest packet time seen

    [[nodiscard]] bool is_internal(const ip_address& a) const noexcept { return internal.contains(a); }
    [[nodiscard]] bool learning(timestamp t) const noexcept { return t < learning_until; }

    /// The name's registered domain (Public Suffix List), or its last two labels without a list or
    /// where the list has no answer (labels of raw bytes, as tunnels send); the
    /// name itself when neither gives one (a single label, an IP literal).
    [[nodiscard]] std::string registered_domain(std::string_view name) const {
        while (!name.empty() && name.back() == '.') name.remove_suffix(1);
        // Labels of raw bytes (escaped as \xHH) name no domain: the domain is in the labels after them.
        if (const std::size_t escape = name.rfind('\\'); escape != std::string_view::npos) {
            const std::size_t dot = name.find('.', escape);
            name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
        }
        if (suffixes) {
            std::string d = suffixes->registrable_domain(name);
            if (!d.empty()) return d;  // else (bytes no IDNA maps): the last two labels
        }
        const std::size_t last = name.rfind('.');
        if (last == std::string_view::npos || last == 0) return std::string(name);
        const std::size_t before = name.rfind('.', last - 1);
        return std::string(before == std::string_view::npos ? name : name.substr(before + 1));
    }
};

}  // namespace pktdyn
