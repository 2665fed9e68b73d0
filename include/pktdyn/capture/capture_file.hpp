// pktdyn — open a capture file without knowing its format: pcap or pcapng, told by the magic.
// Mapped (zero-copy) by default, streamed when reader_options::access asks (see capture_input.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>

#include "pktdyn/capture/pcap_reader.hpp"
#include "pktdyn/capture/pcapng_reader.hpp"

namespace pktdyn {

enum class capture_format : std::uint8_t { pcap, pcapng };

class capture_file {
public:
    [[nodiscard]] static result<capture_file> open(const std::filesystem::path& path, reader_options options = {}) {
        auto input = detail::open_input(path, options);
        if (!input) return input.error();
        return from_input(std::move(input).value(), options);
    }

    /// Reads caller-owned bytes; they must outlive the reader and every view it returns.
    [[nodiscard]] static result<capture_file> from_bytes(std::span<const std::byte> bytes, reader_options options = {},
                                                         std::string name = "<memory>") {
        return from_input(capture_input::over(bytes, std::move(name)), options);
    }

    [[nodiscard]] static result<capture_file> from_input(capture_input input, reader_options options = {}) {
        // The section header block type is a palindrome: the same in both byte orders.
        const bool pcapng = input.want(4) && input.in().peek<std::uint32_t>(0, byte_order::little) ==
                                                 pcapng_reader::section_header_block;
        if (pcapng) return wrap(pcapng_reader::from_input(std::move(input), options));
        return wrap(pcap_reader::from_input(std::move(input), options));
    }
    template <detail::temporary_buffer Buffer>
    static void from_bytes(Buffer&&, reader_options = {}, std::string = {}) = delete;

    [[nodiscard]] std::optional<packet_view> next() noexcept {
        return std::visit([](auto& r) noexcept { return r.next(); }, reader_);
    }
    [[nodiscard]] std::optional<pktdyn::error> error() const {
        return std::visit([](const auto& r) { return r.error(); }, reader_);
    }
    [[nodiscard]] const capture_stats& stats() const noexcept {
        return std::visit([](const auto& r) noexcept -> const capture_stats& { return r.stats(); }, reader_);
    }
    [[nodiscard]] const std::string& name() const noexcept {
        return std::visit([](const auto& r) noexcept -> const std::string& { return r.name(); }, reader_);
    }
    /// File offset of the next record: how far reading has come (for progress).
    [[nodiscard]] std::uint64_t offset() const noexcept {
        return std::visit([](const auto& r) noexcept { return r.offset(); }, reader_);
    }
    [[nodiscard]] capture_format format() const noexcept {
        return reader_.index() == 0 ? capture_format::pcap : capture_format::pcapng;
    }

private:
    explicit capture_file(pcap_reader r) noexcept : reader_(std::move(r)) {}
    explicit capture_file(pcapng_reader r) noexcept : reader_(std::move(r)) {}

    template <class R>
    static result<capture_file> wrap(result<R> r) {
        if (!r) return r.error();
        return capture_file{std::move(r).value()};
    }

    std::variant<pcap_reader, pcapng_reader> reader_;
};

}  // namespace pktdyn
