// pktdyn — classic pcap (libpcap savefile) reader: zero-copy over a read-only mapping, or streamed
// (see capture_input.hpp).
//
//  File header (24 bytes)                    Record header (16 bytes), then caplen bytes of data
//  +--------------------------------+        +--------------------------------+
//  | magic                          |        | ts seconds                     |
//  +----------------+---------------+        +--------------------------------+
//  | version major  | version minor |        | ts fraction (us or ns)         |
//  +----------------+---------------+        +--------------------------------+
//  | thiszone (ignored)             |        | captured length                |
//  | sigfigs  (ignored)             |        +--------------------------------+
//  | snaplen                        |        | original length                |
//  | FCS | f | link type (26 bits)  |        +--------------------------------+
//  +--------------------------------+
//
// Magics: a1b2c3d4 (microseconds) and a1b23c4d (nanoseconds), in either byte order; a1b2cd34 is
// Kuznetsov's "modified" pcap whose records carry 8 more bytes (ifindex, protocol, type, pad).
// A record whose captured length exceeds reader_options::max_captured_length is corruption; one
// merely longer than the file's snaplen is delivered and counted (capture_stats::over_snaplen_packets):
// real writers get the snaplen wrong. A file that ends inside a record delivers every complete
// packet and then reports where it broke.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "pktdyn/capture/reader_core.hpp"
#include "pktdyn/core/packet_view.hpp"

namespace pktdyn {

class pcap_reader {
public:
    static constexpr std::size_t file_header_size = 24;

    [[nodiscard]] static result<pcap_reader> open(const std::filesystem::path& path, reader_options options = {}) {
        return detail::open_reader<pcap_reader>(path, options);
    }

    /// Reads caller-owned bytes; they must outlive the reader and every view it returns.
    [[nodiscard]] static result<pcap_reader> from_bytes(std::span<const std::byte> bytes, reader_options options = {},
                                                        std::string name = "<memory>") {
        return from_input(capture_input::over(bytes, std::move(name)), options);
    }
    /// Views into a temporary buffer would dangle.
    template <detail::temporary_buffer Buffer>
    static void from_bytes(Buffer&&, reader_options = {}, std::string = {}) = delete;

    [[nodiscard]] static result<pcap_reader> from_input(capture_input input, reader_options options = {}) {
        pcap_reader r{std::move(input), options};
        capture_input& src = r.core_.input;
        const auto& name = r.core_.name();
        if (!src.want(4)) {
            return pktdyn::error{errc::not_a_capture,
                                 fmt::format("{}: {} bytes, too short for a capture file's magic number", name,
                                             src.in().remaining())};
        }
        cursor& in = src.in();
        switch (in.peek<std::uint32_t>(0, byte_order::little)) {
            case 0xa1b2c3d4: r.order_ = byte_order::little; break;
            case 0xd4c3b2a1: r.order_ = byte_order::big; break;
            case 0xa1b23c4d: r.order_ = byte_order::little; r.nanosecond_ = true; break;
            case 0x4d3cb2a1: r.order_ = byte_order::big; r.nanosecond_ = true; break;
            case 0xa1b2cd34: r.order_ = byte_order::little; r.record_header_size_ = 24; break;
            case 0x34cdb2a1: r.order_ = byte_order::big; r.record_header_size_ = 24; break;
            default:
                return pktdyn::error{errc::not_a_capture,
                                     fmt::format("{}: not a capture file: it starts with {:08x}; pcap files start "
                                                 "with a1b2c3d4 or a1b23c4d (in either byte order), pcapng files "
                                                 "with 0a0d0d0a",
                                                 name, in.peek<std::uint32_t>(0, byte_order::big))};
        }
        if (!src.want(file_header_size)) {
            return pktdyn::error{errc::truncated,
                                 fmt::format("{}: truncated at byte offset 0: expected a {}-byte pcap file header, "
                                             "found {} bytes",
                                             name, file_header_size, src.in().remaining())};
        }
        cursor& h = src.in();
        h.skip(4);
        r.version_major_ = h.u16(r.order_);
        r.version_minor_ = h.u16(r.order_);
        h.skip(8);  // thiszone, sigfigs: unused by every modern writer and reader
        r.snaplen_ = h.u32(r.order_);
        const std::uint32_t link_field = h.u32(r.order_);
        r.link_ = static_cast<link_type>(link_field & 0x03FF'FFFFu);
        if (link_field & 0x0400'0000u) r.fcs_bytes_ = static_cast<std::uint8_t>(2 * (link_field >> 28));
        if (r.version_major_ != 2) {
            return pktdyn::error{errc::unsupported, fmt::format("{}: pcap version {}.{} is not supported (expected 2.x)",
                                                                name, r.version_major_, r.version_minor_)};
        }
        return r;
    }

    /// The next packet, or std::nullopt at the end of the file or at the first corrupt record
    /// (then `error()` says what and where).
    [[nodiscard]] std::optional<packet_view> next() noexcept {
        if (core_.done) return std::nullopt;
        capture_input& src = core_.input;
        const std::uint64_t at = src.offset();
        if (!src.want(record_header_size_)) {
            core_.note_io_error();
            if (src.in().remaining() != 0)
                core_.fault.raise(errc::truncated, at, "expected a {}-byte record header, found {} bytes",
                                  record_header_size_, src.in().remaining());
            return finish();
        }
        cursor& in = src.in();
        // Where the next record starts depends on this one's length, so cache misses would queue
        // one behind the other: ask early for the lines this packet's headers and the next records
        // lie on (a no-op where the memory is not mapped yet).
        __builtin_prefetch(in.current() + 64);
        __builtin_prefetch(in.current() + 512);
        const std::uint32_t seconds = in.u32(order_);
        const std::uint32_t fraction = in.u32(order_);
        const std::uint32_t captured = in.u32(order_);
        const std::uint32_t original = in.u32(order_);
        in.skip(record_header_size_ - 16);
        if (captured > core_.options.max_captured_length) {
            core_.fault.raise(errc::corrupt, at, "record claims {} captured bytes, more than the {}-byte maximum",
                              captured, core_.options.max_captured_length);
            return finish();
        }
        if (!src.want(captured)) {
            core_.note_io_error();
            core_.fault.raise(errc::truncated, at, "expected {} bytes of packet data, found {}", captured,
                              src.in().remaining());
            return finish();
        }
        // At most 2^32 s + 2^32 µs: inside the range of capture times (core/time.hpp), never clamped.
        const std::int64_t ns = std::int64_t{seconds} * 1'000'000'000 +
                                (nanosecond_ ? std::int64_t{fraction} : std::int64_t{fraction} * 1000);
        core_.stats.count(captured, original, snaplen_);
        return packet_view{from_ns(ns), src.in().take(captured), original, link_, 0};
    }

    /// Why reading stopped early, if it did: truncation or corruption, with the byte offset.
    [[nodiscard]] std::optional<pktdyn::error> error() const { return core_.fault.to_error(core_.name()); }
    [[nodiscard]] const capture_stats& stats() const noexcept { return core_.stats; }
    [[nodiscard]] const std::string& name() const noexcept { return core_.name(); }
    /// File offset of the next record: how far reading has come (for progress).
    [[nodiscard]] std::uint64_t offset() const noexcept { return core_.input.offset(); }

    [[nodiscard]] link_type link() const noexcept { return link_; }
    [[nodiscard]] std::uint32_t snaplen() const noexcept { return snaplen_; }
    [[nodiscard]] bool nanosecond() const noexcept { return nanosecond_; }
    [[nodiscard]] byte_order file_byte_order() const noexcept { return order_; }
    [[nodiscard]] std::uint16_t version_major() const noexcept { return version_major_; }
    [[nodiscard]] std::uint16_t version_minor() const noexcept { return version_minor_; }
    /// Bytes of frame check sequence at the end of each packet, when the header declares them.
    [[nodiscard]] std::uint8_t fcs_bytes() const noexcept { return fcs_bytes_; }

private:
    pcap_reader(capture_input input, reader_options options) noexcept : core_(std::move(input), options) {}

    std::optional<packet_view> finish() noexcept {
        core_.done = true;
        return std::nullopt;
    }

    detail::reader_core core_;
    byte_order order_ = byte_order::little;
    link_type link_ = link_type::ethernet;
    std::uint32_t snaplen_ = 0;
    std::uint32_t record_header_size_ = 16;
    std::uint16_t version_major_ = 0;
    std::uint16_t version_minor_ = 0;
    std::uint8_t fcs_bytes_ = 0;
    bool nanosecond_ = false;
};

}  // namespace pktdyn
