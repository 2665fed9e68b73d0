// pktdyn — pcapng reader: zero-copy over a read-only mapping, or streamed (see capture_input.hpp).
//
// Every block has the same frame:
//   +---------------------------------------------------------------+
//   |                          Block Type                           |
//   +---------------------------------------------------------------+
//   |                      Block Total Length                       |
//   /                          Block Body                           /
//   +---------------------------------------------------------------+
//   |                      Block Total Length                       |  <- checked against the first
//   +---------------------------------------------------------------+
//
// A Section Header Block (0x0A0D0D0A) sets the byte order (its magic 0x1A2B3C4D) and starts a new
// set of interfaces; a file may hold several sections. Interface Description Blocks give each
// interface its link type, snaplen, if_tsresol (10^-n or 2^-n seconds) and if_tsoffset (seconds
// added to every timestamp). Enhanced, Simple and obsolete Packet Blocks carry packets; every other
// block is skipped by its length and counted. (draft-ietf-opsawg-pcapng)
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pktdyn/capture/reader_core.hpp"
#include "pktdyn/core/packet_view.hpp"

namespace pktdyn {

class pcapng_reader {
public:
    /// One interface of the current section.
    struct interface_info {
        link_type link = link_type::ethernet;
        std::uint32_t snaplen = 0;
        std::uint64_t units_per_second = 1'000'000;  ///< from if_tsresol; default microseconds
        std::int64_t offset_seconds = 0;             ///< if_tsoffset
        std::uint32_t index = 0;                     ///< position among all interfaces of the file
    };

    static constexpr std::uint32_t section_header_block = 0x0A0D0D0A;

    [[nodiscard]] static result<pcapng_reader> open(const std::filesystem::path& path, reader_options options = {}) {
        return detail::open_reader<pcapng_reader>(path, options);
    }

    /// Reads caller-owned bytes; they must outlive the reader and every view it returns.
    [[nodiscard]] static result<pcapng_reader> from_bytes(std::span<const std::byte> bytes,
                                                          reader_options options = {},
                                                          std::string name = "<memory>") {
        return from_input(capture_input::over(bytes, std::move(name)), options);
    }
    /// Views into a temporary buffer would dangle.
    template <detail::temporary_buffer Buffer>
    static void from_bytes(Buffer&&, reader_options = {}, std::string = {}) = delete;

    [[nodiscard]] static result<pcapng_reader> from_input(capture_input input, reader_options options = {}) {
        pcapng_reader r{std::move(input), options};
        capture_input& src = r.core_.input;
        const bool enough = src.want(12);
        const cursor& in = src.in();
        const std::uint32_t type = in.peek<std::uint32_t>(0, byte_order::little);
        if (!enough && type == section_header_block)
            return pktdyn::error{errc::truncated, fmt::format("{}: truncated at byte offset {}: the file ends inside its "
                                                              "section header block (at least 28 bytes)",
                                                              r.core_.name(), in.remaining())};
        if (!enough || type != section_header_block) {
            return pktdyn::error{errc::not_a_capture,
                                 fmt::format("{}: not a pcapng file: first block type {:08x}, expected the section "
                                             "header block 0a0d0d0a",
                                             r.core_.name(), type)};
        }
        const std::uint32_t bom = in.peek<std::uint32_t>(8, byte_order::little);
        if (bom != 0x1A2B3C4D && bom != 0x4D3C2B1A) {
            return pktdyn::error{errc::not_a_capture,
                                 fmt::format("{}: not a pcapng file: byte-order magic {:08x}, expected 1a2b3c4d",
                                             r.core_.name(), bom)};
        }
        return r;
    }

    /// The next packet, or std::nullopt at the end of the file or at the first corrupt block
    /// (then `error()` says what and where).
    [[nodiscard]] std::optional<packet_view> next() noexcept {
        while (!core_.done) {
            capture_input& src = core_.input;
            const std::uint64_t at = src.offset();
            if (!src.want(12)) {
                core_.note_io_error();
                if (src.in().remaining() != 0)
                    core_.fault.raise(errc::truncated, at, "expected a block of at least 12 bytes, found {}",
                                      src.in().remaining());
                return finish();
            }
            const std::uint32_t type = src.in().peek<std::uint32_t>(0, order_);
            if (type == section_header_block && !start_section(at)) return finish();
            const std::uint32_t length = src.in().peek<std::uint32_t>(4, order_);
            if (length < 12 || length % 4 != 0 || length > max_block_length) {
                core_.fault.raise(errc::corrupt, at, "block type {:08x} has total length {}, expected a multiple "
                                  "of 4 from 12 to {}", type, length, max_block_length);
                return finish();
            }
            if (!src.want(length)) {
                core_.note_io_error();
                core_.fault.raise(errc::truncated, at, "block type {:08x} declares {} bytes, found {}", type,
                                  length, src.in().remaining());
                return finish();
            }
            cursor& in = src.in();
            const std::uint32_t trailer = in.peek<std::uint32_t>(length - 4, order_);
            if (trailer != length) {
                core_.fault.raise(errc::corrupt, at, "block type {:08x}: trailing length {} differs from leading "
                                  "length {}", type, trailer, length);
                return finish();
            }
            in.skip(8);
            cursor body = in.sub(length - 12);
            in.skip(4);
            if (auto p = read_block(type, body, at)) return p;
        }
        return std::nullopt;
    }

    [[nodiscard]] std::optional<pktdyn::error> error() const { return core_.fault.to_error(core_.name()); }
    [[nodiscard]] const capture_stats& stats() const noexcept { return core_.stats; }
    [[nodiscard]] const std::string& name() const noexcept { return core_.name(); }
    /// File offset of the next record: how far reading has come (for progress).
    [[nodiscard]] std::uint64_t offset() const noexcept { return core_.input.offset(); }
    /// Interfaces of the section being read.
    [[nodiscard]] const std::vector<interface_info>& interfaces() const noexcept { return interfaces_; }
    [[nodiscard]] std::uint32_t sections() const noexcept { return sections_; }

private:
    static constexpr std::uint32_t interface_description_block = 1;
    static constexpr std::uint32_t obsolete_packet_block = 2;
    static constexpr std::uint32_t simple_packet_block = 3;
    static constexpr std::uint32_t name_resolution_block = 4;
    static constexpr std::uint32_t interface_statistics_block = 5;
    static constexpr std::uint32_t enhanced_packet_block = 6;
    static constexpr std::uint32_t decryption_secrets_block = 10;
    static constexpr std::uint32_t custom_block = 0x00000BAD;
    static constexpr std::uint32_t custom_block_no_copy = 0x40000BAD;

    /// Blocks above this are corruption: no real block comes near it, and a streamed reader must
    /// hold a whole block in memory.
    static constexpr std::uint32_t max_block_length = 64u << 20;

    pcapng_reader(capture_input input, reader_options options) noexcept : core_(std::move(input), options) {}

    std::optional<packet_view> finish() noexcept {
        core_.done = true;
        return std::nullopt;
    }

    // Sets the byte order from the SHB at `at` (the cursor still points at it).
    bool start_section(std::uint64_t at) noexcept {
        if (!core_.input.want(12)) return false;
        const std::uint32_t bom = core_.input.in().peek<std::uint32_t>(8, byte_order::little);
        if (bom == 0x1A2B3C4D) {
            order_ = byte_order::little;
        } else if (bom == 0x4D3C2B1A) {
            order_ = byte_order::big;
        } else {
            core_.fault.raise(errc::corrupt, at, "section header block with byte-order magic {:08x}, expected "
                              "1a2b3c4d", bom);
            return false;
        }
        return true;
    }

    std::optional<packet_view> read_block(std::uint32_t type, cursor body, std::uint64_t at) noexcept {
        switch (type) {
            case section_header_block: read_section_header(body, at); return std::nullopt;
            case interface_description_block: read_interface(body, at); return std::nullopt;
            case enhanced_packet_block: return read_packet(body, at, false);
            case obsolete_packet_block: return read_packet(body, at, true);
            case simple_packet_block: return read_simple_packet(body, at);
            case name_resolution_block: core_.stats.skip(skip_reason::name_resolution); return std::nullopt;
            case interface_statistics_block:
                core_.stats.skip(skip_reason::interface_statistics);
                return std::nullopt;
            case decryption_secrets_block: core_.stats.skip(skip_reason::decryption_secrets); return std::nullopt;
            case custom_block:
            case custom_block_no_copy: core_.stats.skip(skip_reason::custom_block); return std::nullopt;
            default: core_.stats.skip(skip_reason::unknown_block); return std::nullopt;
        }
    }

    void read_section_header(cursor body, std::uint64_t at) noexcept {
        body.skip(4);  // byte-order magic, already applied
        const std::uint16_t major = body.u16(order_);
        const std::uint16_t minor = body.u16(order_);
        if (!body.ok()) {
            core_.fault.raise(errc::corrupt, at, "section header block too short for its version fields");
            finish();
        } else if (major != 1) {
            core_.fault.raise(errc::unsupported, at, "pcapng version {}.{}, expected 1.x", major, minor);
            finish();
        }
        interfaces_.clear();
        ++sections_;
    }

    void read_interface(cursor body, std::uint64_t at) {
        interface_info i;
        i.link = static_cast<link_type>(body.u16(order_));
        body.skip(2);
        i.snaplen = body.u32(order_);
        if (!body.ok()) {
            core_.fault.raise(errc::corrupt, at, "interface description block too short for its 8 fixed bytes");
            finish();
            return;
        }
        // Options: code, length, value padded to 4 bytes. A malformed option list ends the options,
        // not the file: the fixed fields are what packets need.
        while (body.remaining() >= 4) {
            const std::uint16_t code = body.u16(order_);
            const std::uint16_t length = body.u16(order_);
            cursor value = body.sub(length);
            body.skip((4 - length % 4) % 4);
            if (code == 0 || !body.ok()) break;
            if (code == 9 && length == 1) {  // if_tsresol
                const std::uint8_t r = value.u8();
                const unsigned exponent = r & 0x7Fu;
                if ((r & 0x80u) ? exponent > 63 : exponent > 19) {
                    core_.fault.raise(errc::unsupported, at, "if_tsresol {:#04x} is finer than 64-bit timestamps "
                                      "can count", r);
                    finish();
                    return;
                }
                std::uint64_t units = 1;
                for (unsigned k = 0; k < exponent; ++k) units *= (r & 0x80u) ? 2 : 10;
                i.units_per_second = units;
            } else if (code == 14 && length == 8) {  // if_tsoffset
                i.offset_seconds = static_cast<std::int64_t>(value.u64(order_));
            }
        }
        i.index = next_interface_index_++;
        interfaces_.push_back(i);
    }

    std::optional<packet_view> read_packet(cursor body, std::uint64_t at, bool obsolete) noexcept {
        std::uint32_t interface_id;
        if (obsolete) {
            interface_id = body.u16(order_);
            body.skip(2);  // drops count
        } else {
            interface_id = body.u32(order_);
        }
        const std::uint64_t high = body.u32(order_);
        const std::uint64_t low = body.u32(order_);
        const std::uint32_t captured = body.u32(order_);
        const std::uint32_t original = body.u32(order_);
        if (!body.ok()) {
            core_.fault.raise(errc::corrupt, at, "packet block too short for its 20 fixed bytes");
            return finish();
        }
        if (captured > body.remaining() || captured > core_.options.max_captured_length) {
            core_.fault.raise(errc::corrupt, at, "packet block claims {} captured bytes; the block holds {} and "
                              "the maximum is {}", captured, body.remaining(), core_.options.max_captured_length);
            return finish();
        }
        if (interface_id >= interfaces_.size()) {
            core_.stats.skip(skip_reason::unknown_interface);
            return std::nullopt;
        }
        const interface_info& i = interfaces_[interface_id];
        core_.stats.count(captured, original, i.snaplen);
        return packet_view{to_time(i, high << 32 | low), body.take(captured), original, i.link, i.index};
    }

    std::optional<packet_view> read_simple_packet(cursor body, std::uint64_t at) noexcept {
        const std::uint32_t original = body.u32(order_);
        if (!body.ok()) {
            core_.fault.raise(errc::corrupt, at, "simple packet block too short for its original length");
            return finish();
        }
        if (interfaces_.empty()) {
            core_.stats.skip(skip_reason::unknown_interface);
            return std::nullopt;
        }
        const interface_info& i = interfaces_.front();
        // The SPB has no captured length: the data is the original length, cut by the snaplen.
        std::size_t captured = std::min<std::size_t>(original, body.remaining());
        if (i.snaplen != 0) captured = std::min<std::size_t>(captured, i.snaplen);
        core_.stats.count(captured, original, i.snaplen);
        return packet_view{timestamp{}, body.take(captured), original, i.link, i.index};
    }

    /// Interface time units → ns since the epoch, truncating sub-nanosecond resolution; a time
    /// beyond the range pktdyn represents (core/time.hpp) is clamped to its end.
    [[nodiscard]] static timestamp to_time(const interface_info& i, std::uint64_t units) noexcept {
        using wide = unsigned __int128;
        const std::uint64_t per_second = i.units_per_second;
        const wide ns = wide{units / per_second} * 1'000'000'000 + wide{units % per_second} * 1'000'000'000 / per_second;
        return clamp_time_ns(static_cast<__int128>(ns) + __int128{i.offset_seconds} * 1'000'000'000);
    }

    detail::reader_core core_;
    std::vector<interface_info> interfaces_;
    byte_order order_ = byte_order::little;
    std::uint32_t next_interface_index_ = 0;
    std::uint32_t sections_ = 0;
};

}  // namespace pktdyn
