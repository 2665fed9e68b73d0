// pktdyn — the library's one JSON reader and one JSON string writer.
//
// Writing: append_string() makes any text a JSON string (RFC 8259 §7); the sinks (export/format.hpp)
// and the XGBoost model writer (models/gbdt_train.hpp) both use it.
//
// Reading: a small, bounded reader for model files.
//
// Model files are untrusted input: the reader never reads past the end of the text, bounds the
// nesting depth (so a hostile file cannot exhaust the stack), and reports the first problem as an
// `error` naming the source, the byte offset, what was expected and what was found. It accepts RFC
// 8259 JSON plus the non-finite literals `NaN`, `Infinity` and `-Infinity`, which XGBoost writes
// for categorical splits and which Python's json module reads.
//
// Arrays whose items are all numbers — the bulk of a tree-ensemble file — are kept as one
// `std::vector<double>` rather than one value per number.
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/core/result.hpp"
#include "pktdyn/core/text.hpp"

namespace pktdyn::json {

/// Appends `s` as a JSON string: quotes and backslashes escaped, control characters and bytes that
/// are not UTF-8 as \u00XX (text from the wire is already pktdyn text, core/text.hpp, so that last
/// rule is a guard). `Out`: std::string or fmt::memory_buffer.
template <class Out>
void append_string(Out& out, std::string_view s) {
    out.push_back('"');
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = detail::text::utf8_length(s, i);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c < 0x20 || n == 0) {
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        } else {
            out.append(s.data() + i, s.data() + i + n);
            i += n;
            continue;
        }
        ++i;
    }
    out.push_back('"');
}

enum class kind : std::uint8_t { null, boolean, number, string, array, object };

[[nodiscard]] constexpr std::string_view to_string(kind k) noexcept {
    switch (k) {
        case kind::null: return "null";
        case kind::boolean: return "a boolean";
        case kind::number: return "a number";
        case kind::string: return "a string";
        case kind::array: return "an array";
        case kind::object: return "an object";
    }
    return "?";
}

class value {
public:
    [[nodiscard]] kind type() const noexcept { return kind_; }
    [[nodiscard]] bool is(kind k) const noexcept { return kind_ == k; }
    /// Where the value starts in the text, for messages.
    [[nodiscard]] std::size_t offset() const noexcept { return offset_; }

    [[nodiscard]] bool boolean() const noexcept { return boolean_; }
    [[nodiscard]] double number() const noexcept { return number_; }
    [[nodiscard]] const std::string& string() const noexcept { return string_; }

    /// Items of an array: `numbers()` when every item is a number, `items()` otherwise.
    [[nodiscard]] bool all_numbers() const noexcept { return kind_ == kind::array && items_.empty(); }
    [[nodiscard]] const std::vector<double>& numbers() const noexcept { return numbers_; }
    [[nodiscard]] const std::vector<value>& items() const noexcept { return items_; }
    [[nodiscard]] std::size_t size() const noexcept {
        return kind_ == kind::object ? members_.size() : items_.empty() ? numbers_.size() : items_.size();
    }

    [[nodiscard]] const std::vector<std::pair<std::string, value>>& members() const noexcept { return members_; }
    /// The member named `key` of an object (the first, if repeated); nullptr when absent or not an object.
    [[nodiscard]] const value* find(std::string_view key) const noexcept {
        for (const auto& [k, v] : members_)
            if (k == key) return &v;
        return nullptr;
    }

private:
    friend class parser;

    kind kind_ = kind::null;
    bool boolean_ = false;
    double number_ = 0;
    std::size_t offset_ = 0;
    std::string string_;
    std::vector<double> numbers_;
    std::vector<value> items_;
    std::vector<std::pair<std::string, value>> members_;
};

struct limits {
    std::size_t max_depth = 64;  ///< nested arrays/objects; XGBoost models need 6
};

class parser {
public:
    parser(std::string_view text, std::string_view source, limits lim) : text_(text), source_(source), limits_(lim) {}

    result<value> parse() {
        value v;
        skip_space();
        if (!parse_value(v, 0)) return std::move(*error_);
        skip_space();
        if (pos_ != text_.size()) {
            fail("the end of the document");
            return std::move(*error_);
        }
        return v;
    }

private:
    bool parse_value(value& v, std::size_t depth) {
        if (pos_ >= text_.size()) return fail("a value");
        v.offset_ = pos_;
        const char c = text_[pos_];
        if (c == '{') return parse_object(v, depth + 1);
        if (c == '[') return parse_array(v, depth + 1);
        if (c == '"') {
            v.kind_ = kind::string;
            return parse_string(v.string_);
        }
        if (literal("true")) return v.kind_ = kind::boolean, v.boolean_ = true, true;
        if (literal("false")) return v.kind_ = kind::boolean, v.boolean_ = false, true;
        if (literal("null")) return v.kind_ = kind::null, true;
        v.kind_ = kind::number;
        return parse_number(v.number_);
    }

    bool parse_object(value& v, std::size_t depth) {
        if (depth > limits_.max_depth) return fail_deep();
        v.kind_ = kind::object;
        ++pos_;
        skip_space();
        if (peek('}')) return ++pos_, true;
        for (;;) {
            skip_space();
            std::string key;
            if (!peek('"')) return fail("a member name in quotes");
            if (!parse_string(key)) return false;
            skip_space();
            if (!peek(':')) return fail("':' after a member name");
            ++pos_;
            skip_space();
            value member;
            if (!parse_value(member, depth)) return false;
            v.members_.emplace_back(std::move(key), std::move(member));
            skip_space();
            if (peek(',')) { ++pos_; continue; }
            if (peek('}')) return ++pos_, true;
            return fail("',' or '}' in an object");
        }
    }

    bool parse_array(value& v, std::size_t depth) {
        if (depth > limits_.max_depth) return fail_deep();
        v.kind_ = kind::array;
        ++pos_;
        skip_space();
        if (peek(']')) return ++pos_, true;
        for (;;) {
            skip_space();
            value item;
            if (!parse_value(item, depth)) return false;
            // Numbers stay compact until the first item that is not a number.
            if (item.kind_ == kind::number && v.items_.empty()) {
                v.numbers_.push_back(item.number_);
            } else {
                if (v.items_.empty()) spill_numbers(v);
                v.items_.push_back(std::move(item));
            }
            skip_space();
            if (peek(',')) { ++pos_; continue; }
            if (peek(']')) return ++pos_, true;
            return fail("',' or ']' in an array");
        }
    }

    static void spill_numbers(value& v) {
        v.items_.reserve(v.numbers_.size() + 1);
        for (double n : v.numbers_) {
            value item;
            item.kind_ = kind::number;
            item.number_ = n;
            v.items_.push_back(std::move(item));
        }
        v.numbers_.clear();
    }

    bool parse_number(double& out) {
        const std::size_t start = pos_;
        const bool negative = peek('-');
        if (negative) ++pos_;
        if (literal("Infinity")) {
            out = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
            return true;
        }
        if (!negative && literal("NaN")) {
            out = std::numeric_limits<double>::quiet_NaN();
            return true;
        }
        // RFC 8259 grammar, checked before from_chars (which also takes forms JSON forbids).
        if (peek('0')) {
            ++pos_;
        } else if (digit()) {
            while (digit()) ++pos_;
        } else {
            pos_ = start;
            return fail("a value");
        }
        if (peek('.')) {
            ++pos_;
            if (!digit()) return fail("a digit after '.'");
            while (digit()) ++pos_;
        }
        if (peek('e') || peek('E')) {
            ++pos_;
            if (peek('+') || peek('-')) ++pos_;
            if (!digit()) return fail("a digit in the exponent");
            while (digit()) ++pos_;
        }
        const auto [end, ec] = std::from_chars(text_.data() + start, text_.data() + pos_, out);
        if (ec != std::errc{} || end != text_.data() + pos_) {
            pos_ = start;
            return fail("a number within double's range");
        }
        return true;
    }

    bool parse_string(std::string& out) {
        ++pos_;  // the opening quote
        for (;;) {
            if (pos_ >= text_.size()) return fail("'\"' to close the string");
            const char c = text_[pos_];
            if (c == '"') return ++pos_, true;
            if (static_cast<unsigned char>(c) < 0x20) return fail("no control character inside a string");
            if (c != '\\') {
                out += c;
                ++pos_;
                continue;
            }
            if (++pos_ >= text_.size()) return fail("an escape after '\\'");
            const char e = text_[pos_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    std::uint32_t cp = 0;
                    if (!hex4(cp)) return false;
                    if (cp >= 0xD800 && cp < 0xDC00) {  // a high surrogate needs its low half
                        std::uint32_t low = 0;
                        if (!(literal("\\u") && hex4(low) && low >= 0xDC00 && low < 0xE000))
                            return fail("a low surrogate '\\uDC00'..'\\uDFFF' after a high one");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    } else if (cp >= 0xDC00 && cp < 0xE000) {
                        return fail("no lone low surrogate");
                    }
                    append_utf8(out, cp);
                    break;
                }
                default: --pos_; return fail("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
            }
        }
    }

    bool hex4(std::uint32_t& cp) {
        if (text_.size() - pos_ < 4) return fail("four hex digits after \\u");
        for (int i = 0; i < 4; ++i) {
            const char h = text_[pos_];
            const int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
            if (d < 0) return fail("four hex digits after \\u");
            cp = cp * 16 + static_cast<std::uint32_t>(d);
            ++pos_;
        }
        return true;
    }

    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    bool literal(std::string_view word) noexcept {
        if (text_.substr(pos_, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }
    [[nodiscard]] bool peek(char c) const noexcept { return pos_ < text_.size() && text_[pos_] == c; }
    [[nodiscard]] bool digit() const noexcept { return pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9'; }
    void skip_space() noexcept {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t'))
            ++pos_;
    }

    bool fail_deep() {
        error_.emplace(errc::unsupported, fmt::format("{}: JSON nested deeper than {} levels at byte offset {}", source_,
                                                      limits_.max_depth, pos_));
        return false;
    }
    bool fail(std::string_view expected) {
        std::string found = pos_ >= text_.size() ? std::string("the end of the text")
                                                 : fmt::format("'{}'", printable(text_[pos_]));
        error_.emplace(pos_ >= text_.size() ? errc::truncated : errc::corrupt,
                       fmt::format("{}: invalid JSON at byte offset {}: expected {}, found {}", source_, pos_, expected, found));
        return false;
    }
    static std::string printable(char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7F ? std::string(1, c) : fmt::format("\\x{:02x}", u);
    }

    std::string_view text_;
    std::string_view source_;
    limits limits_;
    std::size_t pos_ = 0;
    std::optional<pktdyn::error> error_;
};

/// Parses a whole document. `source` names it in error messages (a file name, "model", ...).
[[nodiscard]] inline result<value> parse(std::string_view text, std::string_view source = "JSON", limits lim = {}) {
    return parser(text, source, lim).parse();
}

}  // namespace pktdyn::json
