// pktdyn — what every file reader shares: the mapping, a cursor over it, counters, and the one
// fault that stopped reading, recorded without allocating so `next()` can stay noexcept.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "pktdyn/capture/capture_input.hpp"
#include "pktdyn/capture/capture_stats.hpp"
#include "pktdyn/core/cursor.hpp"
#include "pktdyn/core/result.hpp"

namespace pktdyn {

struct reader_options {
    /// A record whose captured length exceeds this is treated as corruption rather than trusted
    /// (libpcap and Wireshark use the same 256 KiB bound for ordinary link types).
    std::uint32_t max_captured_length = 262144;
    /// map: zero-copy, views live as long as the reader; stream: chunked reads, views live until
    /// the next call to next() (see capture_input.hpp).
    access_mode access = access_mode::map;
    std::size_t stream_chunk = std::size_t{1} << 20;
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
    capture_input input;
    capture_stats stats;
    read_fault fault;
    reader_options options;
    bool done = false;

    reader_core(capture_input i, reader_options o) noexcept : input(std::move(i)), options(o) {}

    [[nodiscard]] const std::string& name() const noexcept { return input.name(); }
    /// Records a read error of a streaming input as the fault, if it was one.
    void note_io_error() noexcept {
        if (input.io_error() != 0)
            fault.raise(errc::io_error, input.offset(), "read failed: {}", std::strerror(input.io_error()));
    }
};

/// A buffer passed as a temporary: a reader over it would dangle, so `from_bytes` refuses it.
template <class C>
concept temporary_buffer = !std::is_lvalue_reference_v<C> && !std::ranges::borrowed_range<C>;

/// Opens a file as the options ask: mapped or streamed.
inline result<capture_input> open_input(const std::filesystem::path& path, const reader_options& options) {
    return options.access == access_mode::stream ? capture_input::stream(path, options.stream_chunk)
                                                 : capture_input::map(path);
}

template <class Reader>
result<Reader> open_reader(const std::filesystem::path& path, reader_options options) {
    auto input = open_input(path, options);
    if (!input) return input.error();
    return Reader::from_input(std::move(input).value(), options);
}

}  // namespace detail
}  // namespace pktdyn
