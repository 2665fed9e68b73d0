// pktdyn — what a capture reader delivered and what it skipped, by reason.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string_view>

namespace pktdyn {

/// Records a reader passed over without delivering a packet. None of these stop reading.
enum class skip_reason : std::uint8_t {
    interface_statistics,  ///< pcapng Interface Statistics Block
    name_resolution,       ///< pcapng Name Resolution Block
    decryption_secrets,    ///< pcapng Decryption Secrets Block
    custom_block,          ///< pcapng Custom Block (either copy policy)
    unknown_block,         ///< pcapng block type not in the specification pktdyn follows
    unknown_interface,     ///< a packet naming an interface its section never described
    not_a_capture,         ///< a file in a directory that is not a pcap or pcapng file
};
inline constexpr std::size_t skip_reason_count = 7;

[[nodiscard]] constexpr std::string_view to_string(skip_reason r) noexcept {
    switch (r) {
        case skip_reason::interface_statistics: return "interface statistics block";
        case skip_reason::name_resolution: return "name resolution block";
        case skip_reason::decryption_secrets: return "decryption secrets block";
        case skip_reason::custom_block: return "custom block";
        case skip_reason::unknown_block: return "unknown block type";
        case skip_reason::unknown_interface: return "packet for an undeclared interface";
        case skip_reason::not_a_capture: return "file that is not a capture";
    }
    return "?";
}

struct capture_stats {
    std::uint64_t packets = 0;         ///< packets delivered
    std::uint64_t captured_bytes = 0;  ///< sum of captured lengths of delivered packets
    std::uint64_t original_bytes = 0;  ///< sum of original (wire) lengths of delivered packets
    std::uint64_t sliced_packets = 0;  ///< delivered packets whose captured length < original length
    /// Delivered packets longer than the snaplen their file declares. Not corruption: real writers
    /// get the snaplen wrong (tshark and libpcap read such records too), but worth knowing.
    std::uint64_t over_snaplen_packets = 0;
    std::array<std::uint64_t, skip_reason_count> skipped{};

    [[nodiscard]] std::uint64_t skipped_of(skip_reason r) const noexcept {
        return skipped[static_cast<std::size_t>(r)];
    }
    [[nodiscard]] std::uint64_t total_skipped() const noexcept {
        return std::accumulate(skipped.begin(), skipped.end(), std::uint64_t{0});
    }
    void skip(skip_reason r) noexcept { ++skipped[static_cast<std::size_t>(r)]; }
    void count(std::size_t captured, std::uint32_t original, std::uint32_t snaplen) noexcept {
        ++packets;
        captured_bytes += captured;
        original_bytes += original;
        sliced_packets += captured < original;
        over_snaplen_packets += snaplen != 0 && captured > snaplen;
    }
    capture_stats& operator+=(const capture_stats& o) noexcept {
        packets += o.packets;
        captured_bytes += o.captured_bytes;
        original_bytes += o.original_bytes;
        sliced_packets += o.sliced_packets;
        over_snaplen_packets += o.over_snaplen_packets;
        for (std::size_t i = 0; i < skipped.size(); ++i) skipped[i] += o.skipped[i];
        return *this;
    }
};

}  // namespace pktdyn
