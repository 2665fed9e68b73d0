// pktdyn — one captured packet, as a view into bytes someone else owns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "pktdyn/core/link_type.hpp"
#include "pktdyn/core/time.hpp"

namespace pktdyn {

/// A packet as a source delivers it. `data` points into the source's buffer (for file readers: the
/// read-only mapping of the file), so the view is valid as long as the source documents — for file
/// readers, as long as the reader lives; for live sources, until the next call to `next()`.
struct packet_view {
    timestamp time{};                       ///< capture time, ns since the Unix epoch
    std::span<const std::byte> data{};      ///< the captured bytes (captured length = data.size())
    std::uint32_t original_length = 0;      ///< length on the wire, >= data.size() for sane files
    link_type link = link_type::ethernet;   ///< how to read the first byte of `data`
    std::uint32_t interface = 0;            ///< the source's interface index (pcapng: IDB order in the file)

    [[nodiscard]] std::uint32_t captured_length() const noexcept {
        return static_cast<std::uint32_t>(data.size());
    }
    /// True when the capture kept fewer bytes than were on the wire (snaplen).
    [[nodiscard]] bool sliced() const noexcept { return data.size() < original_length; }
};

}  // namespace pktdyn
