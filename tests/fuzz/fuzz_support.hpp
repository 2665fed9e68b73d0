// Shared by the dissection fuzz targets and the seed extractor: how a fuzz input names a link type
// (its first byte indexes this table), and the tunnels a fuzz target can be built for.
#pragma once

#include <array>
#include <cstdint>

#include "pktdyn/core/link_type.hpp"

namespace pktdyn::fuzz {

inline constexpr std::array<std::uint32_t, 24> link_types{
    1, 113, 276, 101, 228, 229, 0, 108, 9, 50, 51, 166, 104, 107, 10, 239, 226, 242, 192, 127, 105, 12, 14, 147};

[[nodiscard]] inline int link_index(link_type t) noexcept {
    for (std::size_t i = 0; i < link_types.size(); ++i)
        if (link_types[i] == static_cast<std::uint32_t>(t)) return static_cast<int>(i);
    return -1;
}

}  // namespace pktdyn::fuzz
