// pktdyn — bytes from the wire as text: one escaping for every text value pktdyn writes.
//
// A server name, a certificate's names, an SSH banner or a DNS name is whatever a peer sent: any
// bytes, invalid UTF-8, NULs, terminal escape sequences. pktdyn turns such values into *pktdyn
// text* once, where the value is read, so every sink (CSV, JSON lines, the terminal, a report)
// writes the same characters and any CSV reader or JSON parser loads them:
//
// - a backslash becomes `\\`;
// - `\xHH` (two lower-case hex digits) stands for each byte of: a byte that is not part of valid
//   UTF-8 (overlong forms, surrogates and code points above U+10FFFF are not valid), an ASCII
//   control character (0x00-0x1F, 0x7F), a C1 control (U+0080-U+009F), a line or paragraph
//   separator (U+2028, U+2029) or a bidirectional formatting character (U+061C, U+200E, U+200F,
//   U+202A-U+202E, U+2066-U+2069), so text cannot move a terminal's cursor or reorder what a
//   person reads;
// - every other character is kept as it is.
//
// The original bytes come back by replacing `\\` with a backslash and `\xHH` with byte HH
// (`unescape_text`). DNS names use the same two escapes (proto/dns.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pktdyn {

namespace detail::text {

// Length of the valid UTF-8 sequence at s[i] (RFC 3629 §4), or 0.
[[nodiscard]] constexpr std::size_t utf8_length(std::string_view s, std::size_t i) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[i + k]); };
    const std::uint8_t c = byte(0);
    if (c < 0x80) return 1;
    std::size_t n = 0;
    std::uint8_t low = 0x80, high = 0xBF;  // the second byte's range
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c == 0xE0) n = 3, low = 0xA0;
    else if (c == 0xED) n = 3, high = 0x9F;  // no surrogates
    else if (c >= 0xE1 && c <= 0xEF) n = 3;
    else if (c == 0xF0) n = 4, low = 0x90;
    else if (c == 0xF4) n = 4, high = 0x8F;  // nothing above U+10FFFF
    else if (c >= 0xF1 && c <= 0xF3) n = 4;
    else return 0;
    if (i + n > s.size() || byte(1) < low || byte(1) > high) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if ((byte(k) & 0xC0) != 0x80) return 0;
    return n;
}

// A valid sequence that is still escaped: controls and characters that reorder or break lines.
[[nodiscard]] constexpr bool unsafe(std::string_view s, std::size_t i, std::size_t n) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[i + k]); };
    if (n == 1) return byte(0) < 0x20 || byte(0) == 0x7F;
    if (n == 2) return (byte(0) == 0xC2 && byte(1) < 0xA0) || (byte(0) == 0xD8 && byte(1) == 0x9C);
    if (n == 3 && byte(0) == 0xE2 && byte(1) == 0x80)
        return byte(2) == 0x8E || byte(2) == 0x8F || (byte(2) >= 0xA8 && byte(2) <= 0xAE);
    if (n == 3 && byte(0) == 0xE2 && byte(1) == 0x81) return byte(2) >= 0xA6 && byte(2) <= 0xA9;
    return false;
}

inline constexpr char hex_digits[] = "0123456789abcdef";

}  // namespace detail::text

/// Appends `raw` as pktdyn text to `out` (anything with push_back(char): std::string,
/// fmt::memory_buffer).
template <class Out>
void append_escaped(Out& out, std::string_view raw) {
    for (std::size_t i = 0; i < raw.size();) {
        const std::size_t n = detail::text::utf8_length(raw, i);
        if (n == 1 && raw[i] == '\\') {
            out.push_back('\\');
            out.push_back('\\');
        } else if (n != 0 && !detail::text::unsafe(raw, i, n)) {
            for (std::size_t k = 0; k < n; ++k) out.push_back(raw[i + k]);
        } else {
            for (std::size_t k = 0; k < (n == 0 ? 1 : n); ++k) {
                const auto b = static_cast<std::uint8_t>(raw[i + k]);
                out.push_back('\\');
                out.push_back('x');
                out.push_back(detail::text::hex_digits[b >> 4]);
                out.push_back(detail::text::hex_digits[b & 15]);
            }
        }
        i += n == 0 ? 1 : n;
    }
}

/// `raw` as pktdyn text.
[[nodiscard]] inline std::string escape_text(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    append_escaped(out, raw);
    return out;
}

/// The bytes pktdyn text stands for (the inverse of escape_text; a lone backslash stays as it is).
[[nodiscard]] inline std::string unescape_text(std::string_view text) {
    const auto hex = [](char c) -> int {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    };
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '\\') {
            out.push_back('\\');
            ++i;
        } else if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x' && hex(text[i + 2]) >= 0 &&
                   hex(text[i + 3]) >= 0) {
            out.push_back(static_cast<char>(hex(text[i + 2]) * 16 + hex(text[i + 3])));
            i += 3;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

}  // namespace pktdyn
