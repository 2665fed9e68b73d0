// pktdyn — open a capture file without knowing its format: pcap or pcapng, told by the magic.
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
        auto file = mapped_file::open(path);
        if (!file) return file.error();
        if (starts_pcapng(file->bytes())) return wrap(detail::adopt<pcapng_reader>(std::move(file).value(), options));
        return wrap(detail::adopt<pcap_reader>(std::move(file).value(), options));
    }

    /// Reads caller-owned bytes; they must outlive the reader and every view it returns.
    [[nodiscard]] static result<capture_file> from_bytes(std::span<const std::byte> bytes, reader_options options = {},
                                                         std::string name = "<memory>") {
        if (starts_pcapng(bytes)) return wrap(pcapng_reader::from_bytes(bytes, options, std::move(name)));
        return wrap(pcap_reader::from_bytes(bytes, options, std::move(name)));
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

    static bool starts_pcapng(std::span<const std::byte> bytes) noexcept {
        // The section header block type is a palindrome: the same in both byte orders.
        return cursor{bytes}.peek<std::uint32_t>(0, byte_order::little) == pcapng_reader::section_header_block;
    }

    std::variant<pcap_reader, pcapng_reader> reader_;
};

}  // namespace pktdyn
