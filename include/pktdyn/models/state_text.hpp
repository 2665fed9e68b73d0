// pktdyn — a model's or detector's state as a small versioned text, and back.
//
//   pktdyn.ewma_detector 1          <- kind and format version
//   alpha 0.05                      <- one field a line: key, then values
//   mean 1432.5
//   window 3 1 2 3                  <- a sequence: its length, then the values
//
// Numbers are written in the shortest form that reads back to the same bits (std::to_chars), so a
// detector restored from its text continues exactly as the original would have. Reading checks the
// kind, the version, every key in order and every number; the first problem becomes an error value
// naming the line, what was expected and what was found.
#pragma once

#include <algorithm>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "pktdyn/core/result.hpp"

namespace pktdyn {

template <class T>
concept state_number = std::is_arithmetic_v<T> && !std::same_as<T, bool> && !std::same_as<T, char>;

namespace detail {
/// A number in the shortest text that reads back to it (for messages as much as for state).
template <state_number T>
[[nodiscard]] std::string shortest_text(T value) {
    char buf[32];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
}
}  // namespace detail

class state_writer {
public:
    state_writer(std::string_view kind, unsigned version) {
        text_.append(kind);
        put(version);
        text_ += '\n';
    }

    template <state_number T>
    state_writer& field(std::string_view key, T value) {
        text_.append(key);
        put(value);
        text_ += '\n';
        return *this;
    }

    template <state_number T>
    state_writer& field(std::string_view key, std::span<const T> values) {
        text_.append(key);
        put(values.size());
        for (T v : values) put(v);
        text_ += '\n';
        return *this;
    }
    template <state_number T>
    state_writer& field(std::string_view key, const std::vector<T>& values) {
        return field(key, std::span<const T>(values));
    }

    [[nodiscard]] std::string str() && { return std::move(text_); }
    [[nodiscard]] const std::string& str() const& { return text_; }

private:
    template <state_number T>
    void put(T value) {
        char buf[32];
        text_ += ' ';
        text_.append(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);  // shortest round trip
    }

    std::string text_;
};

/// Reads what state_writer wrote, field by field in the same order. Failure is sticky: read every
/// field, then ask finish() once.
class state_reader {
public:
    state_reader(std::string_view text, std::string_view kind, unsigned version) : rest_(text), kind_(kind) {
        unsigned v = 0;
        if (!next_line()) {
            fail(fmt_expected(std::string(kind) + " state", "an empty text"));
        } else if (const std::string_view found = token(); found != kind) {
            fail(fmt_expected("'" + std::string(kind) + "'", quote(found)));
        } else if (number(v) && v != version) {
            error_.emplace(errc::unsupported, std::string(kind) + " state: format version " + std::to_string(v) +
                                                  ", this build reads version " + std::to_string(version));
        }
        end_of_line();
    }

    template <state_number T>
    state_reader& field(std::string_view key, T& out) {
        if (begin(key)) {
            number(out);
            end_of_line();
        }
        return *this;
    }

    /// A sequence of exactly out.size() values.
    template <state_number T>
    state_reader& field(std::string_view key, std::span<T> out) {
        std::size_t n = 0;
        if (begin(key) && number(n)) {
            if (n != out.size())
                fail(fmt_expected(std::to_string(out.size()) + " values for '" + std::string(key) + "'",
                                  std::to_string(n)));
            for (std::size_t i = 0; i < n && ok(); ++i) number(out[i]);
            end_of_line();
        }
        return *this;
    }

    /// A sequence of at most max_count values (the bound keeps a corrupt length from allocating).
    template <state_number T>
    state_reader& field(std::string_view key, std::vector<T>& out, std::size_t max_count) {
        std::size_t n = 0;
        if (begin(key) && number(n)) {
            if (n > max_count) {
                fail(fmt_expected("at most " + std::to_string(max_count) + " values for '" + std::string(key) + "'",
                                  std::to_string(n)));
                return *this;
            }
            // Each value takes at least two characters: a length the line cannot hold allocates nothing.
            if (n > (line_text_.size() + 1) / 2) {
                fail(fmt_expected(std::to_string(n) + " values for '" + std::string(key) + "'", "a shorter line"));
                return *this;
            }
            out.resize(n);
            for (std::size_t i = 0; i < n && ok(); ++i) number(out[i]);
            end_of_line();
        }
        return *this;
    }

    [[nodiscard]] bool ok() const noexcept { return !error_; }

    /// Records a problem found by the caller (a value out of range), unless one came first.
    void reject(std::string_view what) {
        if (ok()) error_.emplace(errc::corrupt, std::string(kind_) + " state, line " + std::to_string(line_) +
                                                    ": " + std::string(what));
    }

    /// The first problem met, or one if anything but blank space follows the last field.
    [[nodiscard]] result<void> finish() {
        if (ok() && rest_.find_first_not_of(" \t\r\n") != std::string_view::npos) {
            next_line();
            fail(fmt_expected("the end of the text", quote(token())));
        }
        if (error_) return *error_;
        return {};
    }

private:
    bool begin(std::string_view key) {
        if (!ok()) return false;
        if (!next_line()) return fail(fmt_expected("'" + std::string(key) + "'", "the end of the text"));
        const std::string_view found = token();
        if (found != key) return fail(fmt_expected("'" + std::string(key) + "'", quote(found)));
        return true;
    }

    template <state_number T>
    bool number(T& out) {
        if (!ok()) return false;
        const std::string_view t = token();
        if (t.empty()) return fail(fmt_expected("a number", "the end of the line"));
        const auto r = std::from_chars(t.data(), t.data() + t.size(), out);
        if (r.ec != std::errc{} || r.ptr != t.data() + t.size())
            return fail(fmt_expected(std::is_integral_v<T> ? "an integer in range" : "a number", quote(t)));
        return true;
    }

    void end_of_line() {
        if (!ok()) return;
        if (const std::string_view extra = token(); !extra.empty())
            fail(fmt_expected("the end of the line", quote(extra)));
    }

    bool next_line() {
        while (!rest_.empty()) {
            const std::size_t nl = rest_.find('\n');
            line_text_ = rest_.substr(0, nl);
            rest_ = nl == std::string_view::npos ? std::string_view{} : rest_.substr(nl + 1);
            ++line_;
            if (line_text_.find_first_not_of(" \t\r") != std::string_view::npos) return true;  // skip blank lines
        }
        return false;
    }

    std::string_view token() {
        const std::size_t b = line_text_.find_first_not_of(" \t\r");
        if (b == std::string_view::npos) {
            line_text_ = {};
            return {};
        }
        const std::size_t e = std::min(line_text_.find_first_of(" \t\r", b), line_text_.size());
        const std::string_view t = line_text_.substr(b, e - b);
        line_text_.remove_prefix(e);
        return t;
    }

    static std::string quote(std::string_view s) {
        return "'" + std::string(s.substr(0, 40)) + (s.size() > 40 ? "...'" : "'");
    }
    std::string fmt_expected(const std::string& expected, const std::string& found) const {
        return std::string(kind_) + " state, line " + std::to_string(line_) + ": expected " + expected + ", found " +
               found;
    }
    bool fail(std::string message) {  // always false, so a check can `return fail(...)`
        if (ok()) error_.emplace(errc::corrupt, std::move(message));
        return false;
    }

    std::string_view rest_, line_text_;
    std::string_view kind_;
    std::size_t line_ = 0;
    std::optional<pktdyn::error> error_;
};

/// A state text made of several parts (baseline/profile.hpp, baseline/first_seen.hpp,
/// detect/detectors.hpp), read line by line with the count kept, so that every error names its line:
/// "<what> state, line N: <problem>".
class state_lines {
public:
    state_lines(std::string_view text, std::string_view what) : rest_(text), what_(what) {}

    /// The next line (without its '\n').
    std::string_view line() {
        ++number_;
        const std::size_t end = rest_.find('\n');
        const std::string_view l = rest_.substr(0, end);
        rest_ = end == std::string_view::npos ? std::string_view{} : rest_.substr(end + 1);
        return l;
    }
    /// The next `n` whole lines, '\n' included, for a part's own reader; nothing when fewer are left.
    std::optional<std::string_view> lines(std::size_t n) {
        std::size_t at = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t end = rest_.find('\n', at);
            if (end == std::string_view::npos) return std::nullopt;
            at = end + 1;
        }
        const std::string_view body = rest_.substr(0, at);
        rest_.remove_prefix(at);
        number_ += n;
        return body;
    }
    /// Whole numbers separated by single spaces, the line holding exactly those.
    template <class... T>
    static bool numbers(std::string_view l, T&... out) {
        const auto one = [&](auto& v) {
            const std::size_t space = l.find(' ');
            const std::string_view token = l.substr(0, space);
            l = space == std::string_view::npos ? std::string_view{} : l.substr(space + 1);
            const auto r = std::from_chars(token.data(), token.data() + token.size(), v);
            return !token.empty() && r.ec == std::errc{} && r.ptr == token.data() + token.size();
        };
        return (one(out) && ...) && l.empty();
    }
    /// The next line as "KEY N...".
    template <class... T>
    bool field(std::string_view key, T&... out) {
        const std::string_view l = line();
        return l.starts_with(key) && l.size() > key.size() && l[key.size()] == ' ' && numbers(l.substr(key.size() + 1), out...);
    }
    [[nodiscard]] bool at_end() const noexcept { return rest_.empty(); }
    /// Lines read so far (the last one read is this line's number).
    [[nodiscard]] std::size_t number() const noexcept { return number_; }
    /// The problem, at line `at` (default: the last line read).
    [[nodiscard]] error fail(std::string_view problem, std::size_t at = 0) const {
        std::string m(what_);
        m += " state, line ";
        m += std::to_string(at ? at : number_);
        m += ": ";
        m += problem;
        return error{errc::corrupt, std::move(m)};
    }
    /// Text left after the last part: an error at the first line of it.
    [[nodiscard]] error fail_trailing(std::string_view after) const {
        return fail("expected the end after " + std::string(after), number_ + 1);
    }

private:
    std::string_view rest_;
    std::string_view what_;
    std::size_t number_ = 0;
};

}  // namespace pktdyn
