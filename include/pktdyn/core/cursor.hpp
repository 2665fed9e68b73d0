// pktdyn — bounds-checked byte cursor with sticky failure.
//
// Every untrusted byte pktdyn reads goes through a cursor. A read that does not fit fails the
// cursor instead of reading past the end; once failed, every further read returns zero / empty and
// nothing advances, so a parser can make several reads and check `ok()` once at the end.
// Integers are loaded with memcpy + byte swap, never by casting to packed structs.
#pragma once

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace pktdyn {

enum class byte_order : std::uint8_t { big, little };

namespace detail {

template <std::unsigned_integral T>
[[nodiscard]] constexpr T byteswap(T v) noexcept {
    if constexpr (sizeof(T) == 1) {
        return v;
    } else if constexpr (sizeof(T) == 2) {
        return static_cast<T>(__builtin_bswap16(v));
    } else if constexpr (sizeof(T) == 4) {
        return static_cast<T>(__builtin_bswap32(v));
    } else {
        static_assert(sizeof(T) == 8);
        return static_cast<T>(__builtin_bswap64(v));
    }
}

/// Loads a T stored in `order` at `p`. The caller guarantees sizeof(T) readable bytes.
template <std::unsigned_integral T>
[[nodiscard]] inline T load(const std::byte* p, byte_order order) noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);
    const bool host_big = std::endian::native == std::endian::big;
    return (order == byte_order::big) == host_big ? v : byteswap(v);
}

template <std::unsigned_integral T>
[[nodiscard]] inline T load_be(const std::byte* p) noexcept { return load<T>(p, byte_order::big); }

template <std::unsigned_integral T>
[[nodiscard]] inline T load_le(const std::byte* p) noexcept { return load<T>(p, byte_order::little); }

}  // namespace detail

class cursor {
public:
    constexpr cursor() noexcept = default;
    constexpr explicit cursor(std::span<const std::byte> bytes) noexcept
        : begin_(bytes.data()), pos_(bytes.data()), end_(bytes.data() + bytes.size()) {}

    /// False once any read did not fit; stays false.
    [[nodiscard]] constexpr bool ok() const noexcept { return ok_; }
    /// Bytes left to read (0 once failed).
    [[nodiscard]] constexpr std::size_t remaining() const noexcept {
        return ok_ ? static_cast<std::size_t>(end_ - pos_) : 0;
    }
    /// Offset of the next byte from the start of the cursor's bytes.
    [[nodiscard]] constexpr std::size_t position() const noexcept {
        return static_cast<std::size_t>(pos_ - begin_);
    }
    [[nodiscard]] constexpr bool has(std::size_t n) const noexcept { return remaining() >= n; }
    [[nodiscard]] constexpr bool empty() const noexcept { return remaining() == 0; }
    /// Where the next read would start (kept, not cleared, when the cursor fails).
    [[nodiscard]] constexpr const std::byte* current() const noexcept { return pos_; }
    /// The unread bytes (empty once failed).
    [[nodiscard]] constexpr std::span<const std::byte> rest() const noexcept { return {pos_, remaining()}; }

    /// Marks the cursor failed: a parser found the bytes inconsistent.
    constexpr void fail() noexcept { ok_ = false; }

    template <std::unsigned_integral T>
    [[nodiscard]] T read(byte_order order) noexcept {
        if (!claim(sizeof(T))) return 0;
        const T v = detail::load<T>(pos_, order);
        pos_ += sizeof(T);
        return v;
    }
    [[nodiscard]] std::uint8_t u8() noexcept { return read<std::uint8_t>(byte_order::big); }
    [[nodiscard]] std::uint16_t u16be() noexcept { return read<std::uint16_t>(byte_order::big); }
    [[nodiscard]] std::uint32_t u32be() noexcept { return read<std::uint32_t>(byte_order::big); }
    [[nodiscard]] std::uint64_t u64be() noexcept { return read<std::uint64_t>(byte_order::big); }
    [[nodiscard]] std::uint16_t u16le() noexcept { return read<std::uint16_t>(byte_order::little); }
    [[nodiscard]] std::uint32_t u32le() noexcept { return read<std::uint32_t>(byte_order::little); }
    [[nodiscard]] std::uint64_t u64le() noexcept { return read<std::uint64_t>(byte_order::little); }
    [[nodiscard]] std::uint16_t u16(byte_order o) noexcept { return read<std::uint16_t>(o); }
    [[nodiscard]] std::uint32_t u32(byte_order o) noexcept { return read<std::uint32_t>(o); }
    [[nodiscard]] std::uint64_t u64(byte_order o) noexcept { return read<std::uint64_t>(o); }

    /// The next n bytes as a view, advancing past them; empty (and failed) if fewer remain.
    [[nodiscard]] std::span<const std::byte> take(std::size_t n) noexcept {
        if (!claim(n)) return {};
        const std::span<const std::byte> s{pos_, n};
        pos_ += n;
        return s;
    }
    /// A cursor over the next n bytes, advancing this one past them.
    [[nodiscard]] cursor sub(std::size_t n) noexcept {
        cursor c{take(n)};
        c.ok_ = ok_;
        return c;
    }
    void skip(std::size_t n) noexcept {
        if (claim(n)) pos_ += n;
    }

    // Lookahead never consumes and never fails the cursor: out of range reads give 0.
    [[nodiscard]] std::uint8_t peek_u8(std::size_t at = 0) const noexcept {
        return has(at + 1) ? std::to_integer<std::uint8_t>(pos_[at]) : 0;
    }
    template <std::unsigned_integral T>
    [[nodiscard]] T peek(std::size_t at, byte_order order) const noexcept {
        return at <= remaining() && remaining() - at >= sizeof(T) ? detail::load<T>(pos_ + at, order) : 0;
    }

private:
    // Checks before advancing: the pointer never moves past end_.
    [[nodiscard]] bool claim(std::size_t n) noexcept {
        if (ok_ && static_cast<std::size_t>(end_ - pos_) >= n) return true;
        ok_ = false;
        return false;
    }

    const std::byte* begin_ = nullptr;
    const std::byte* pos_ = nullptr;
    const std::byte* end_ = nullptr;
    bool ok_ = true;
};

}  // namespace pktdyn
