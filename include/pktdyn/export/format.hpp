// pktdyn — values as text: the one CSV and JSON writer every sink uses.
//
// Counts as digits; numbers in their shortest round-trip form; durations and timestamps as seconds
// with nanosecond digits; text as is in CSV (RFC 4180 quoting when it holds a comma, a quote or a
// line break) and as a JSON string (quotes, backslashes and control characters escaped, and bytes
// that are not UTF-8 as \u00XX: text from the wire is already pktdyn text, core/text.hpp, so that
// last rule is only a guard). A missing value is an empty CSV field and JSON null.
#pragma once

#include <cmath>
#include <cstdint>
#include <iterator>
#include <string_view>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "pktdyn/core/json.hpp"
#include "pktdyn/core/text.hpp"
#include "pktdyn/export/schema.hpp"

namespace pktdyn {

using text_buffer = fmt::memory_buffer;

namespace detail::format {
inline void digits(text_buffer& b, std::uint64_t v) {
    const fmt::format_int d(v);  // no format string to parse: millions of fields per capture
    b.append(d.data(), d.data() + d.size());
}
/// ns as seconds with nine decimals: -1.500000000, 0.000000001.
inline void seconds(text_buffer& b, std::int64_t ns) {
    if (ns < 0) b.push_back('-');
    const std::uint64_t magnitude = ns < 0 ? std::uint64_t(0) - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
    digits(b, magnitude / 1'000'000'000);
    char fraction[10] = {'.', '0', '0', '0', '0', '0', '0', '0', '0', '0'};
    for (std::uint64_t r = magnitude % 1'000'000'000, i = 9; r != 0; r /= 10, --i) fraction[i] = static_cast<char>('0' + r % 10);
    b.append(fraction, fraction + 10);
}
}  // namespace detail::format

/// A value's text, the same in CSV and JSON for every kind but text (and missing).
inline void append_plain(text_buffer& b, const value& v) {
    switch (v.type) {
        case value::kind::count: detail::format::digits(b, v.u); break;
        case value::kind::number:
            // Whole numbers (most features: sizes, counts) as integer digits: the same characters as
            // the shortest form below 1e15, at a fraction of its cost. -0 keeps its sign.
            if (std::fabs(v.d) < 1e15 && v.d == std::trunc(v.d) && !(v.d == 0 && std::signbit(v.d))) {
                if (v.d < 0) b.push_back('-');
                detail::format::digits(b, static_cast<std::uint64_t>(std::fabs(v.d)));
            } else {
                fmt::format_to(std::back_inserter(b), FMT_COMPILE("{}"), v.d);
            }
            break;
        case value::kind::fixed1: fmt::format_to(std::back_inserter(b), "{:.1f}", v.d); break;
        case value::kind::seconds:
        case value::kind::time: detail::format::seconds(b, v.ns); break;
        case value::kind::text: b.append(v.s); break;
        case value::kind::missing: break;
    }
}

/// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
inline void append_csv(text_buffer& b, const value& v) {
    if (v.type != value::kind::text || v.s.find_first_of(",\"\r\n") == std::string_view::npos) return append_plain(b, v);
    b.push_back('"');
    for (char c : v.s) {
        if (c == '"') b.push_back('"');
        b.push_back(c);
    }
    b.push_back('"');
}

/// A JSON string (RFC 8259 §7), by the library's one JSON writer (core/json.hpp).
inline void append_json_string(text_buffer& b, std::string_view s) { json::append_string(b, s); }

/// A JSON value: numbers bare, text as a string, missing as null.
inline void append_json(text_buffer& b, const value& v) {
    if (v.type == value::kind::missing) return b.append(std::string_view("null"));
    if (v.type == value::kind::text) return append_json_string(b, v.s);
    append_plain(b, v);
}

}  // namespace pktdyn
