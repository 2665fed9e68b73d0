// pktdyn — what every file reader shares: the mapping, a cursor over it, counters, and the one
// fault that stopped reading, recorded without allocating so `next()` can stay noexcept.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "pktdyn/capture/capture_stats.hpp"
#include "pktdyn/capture/mapped_file.hpp"
#include "pktdyn/core/cursor.hpp"
#include "pktdyn/core/result.hpp"

namespace pktdyn {

struct reader_options {
    /// A record whose captured length exceeds this is treated as corruption rather than trusted
    /// (libpcap and Wireshark use the same 256 KiB bound for ordinary link types).
    std::uint32_t max_captured_length = 262144;
};

namespace detail {

/// The first thing that stopped a reader: category, byte offset and a short "expected ..., found
/// ..." text, kept in a fixed buffer so recording it never allocates.
class read_fault {
public:
    [[nodiscard]] bool raised() const noexcept { return raised_; }

    template <class... Args>
    void raise(errc code, std::uint64_t offset, fmt::format_string<Args...> fmt_str, Args&&... args) noexcept {
        if (raised_) return;
        raised_ = true;
        code_ = code;
        offset_ = offset;
        const auto r = fmt::format_to_n(text_.data(), text_.size(), fmt_str, std::forward<Args>(args)...);
        length_ = std::min(r.size, text_.size());
    }

    /// "<source>: truncated at byte offset 1234: expected ..., found ..."
    [[nodiscard]] std::optional<pktdyn::error> to_error(std::string_view source) const {
        if (!raised_) return std::nullopt;
        return pktdyn::error{code_, fmt::format("{}: {} at byte offset {}: {}", source, to_string(code_), offset_,
                                                std::string_view{text_.data(), length_})};
    }

private:
    bool raised_ = false;
    errc code_ = errc::corrupt;
    std::uint64_t offset_ = 0;
    std::size_t length_ = 0;
    std::array<char, 200> text_{};
};

/// State shared by the pcap and pcapng readers.
struct reader_core {
    mapped_file file;           // empty when reading caller-owned bytes
    std::string name;           // file path, or the name given to from_bytes
    cursor in;                  // over the whole input; position() is the file offset
    capture_stats stats;
    read_fault fault;
    reader_options options;
    bool done = false;

    reader_core(mapped_file f, std::span<const std::byte> bytes, std::string n, reader_options o) noexcept
        : file(std::move(f)), name(std::move(n)), in(bytes), options(o) {}
};

/// A buffer passed as a temporary: a reader over it would dangle, so `from_bytes` refuses it.
template <class C>
concept temporary_buffer = !std::is_lvalue_reference_v<C> && !std::ranges::borrowed_range<C>;

/// Builds a Reader over a mapping and hands the mapping to it. The mapping does not move in
/// memory, so the views the reader returns stay valid.
template <class Reader>
result<Reader> adopt(mapped_file file, reader_options options) {
    const auto bytes = file.bytes();
    auto reader = Reader::from_bytes(bytes, options, file.path().string());
    if (reader) reader->core_.file = std::move(file);
    return reader;
}

template <class Reader>
result<Reader> open_mapped(const std::filesystem::path& path, reader_options options) {
    auto file = mapped_file::open(path);
    if (!file) return file.error();
    return adopt<Reader>(std::move(file).value(), options);
}

}  // namespace detail
}  // namespace pktdyn
