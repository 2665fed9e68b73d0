// pktdyn — error values for the edges (files, models, configuration).
//
// The hot path reports problems as counters and status codes; where a person has to act (a file
// that will not open, a capture cut short, a model that does not load) pktdyn returns an `error`
// whose message says what was expected, where, and what was found. `result<T>` carries either a
// value or such an error; `value()` throws `bad_result_access` for callers who prefer exceptions.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace pktdyn {

enum class errc : std::uint8_t {
    io_error,            ///< the operating system refused (open, stat, mmap)
    not_a_capture,       ///< the bytes do not start with a capture format's magic
    unsupported,         ///< a valid input pktdyn does not handle (format version, link type, ...)
    truncated,           ///< the input ends in the middle of a record
    corrupt,             ///< a length or field is impossible
    invalid_argument,    ///< the caller asked for something inconsistent
};

[[nodiscard]] constexpr std::string_view to_string(errc e) noexcept {
    switch (e) {
        case errc::io_error: return "I/O error";
        case errc::not_a_capture: return "not a capture file";
        case errc::unsupported: return "unsupported";
        case errc::truncated: return "truncated";
        case errc::corrupt: return "corrupt";
        case errc::invalid_argument: return "invalid argument";
    }
    return "unknown error";
}

/// An error a person can act on: a category and a message naming the file, the offset, what was
/// expected and what was found.
class error {
public:
    error(errc code, std::string message) : code_(code), message_(std::move(message)) {}

    [[nodiscard]] errc code() const noexcept { return code_; }
    [[nodiscard]] const std::string& message() const noexcept { return message_; }

private:
    errc code_;
    std::string message_;
};

class bad_result_access : public std::runtime_error {
public:
    explicit bad_result_access(const error& e) : std::runtime_error(e.message()), code_(e.code()) {}
    [[nodiscard]] errc code() const noexcept { return code_; }

private:
    errc code_;
};

/// Either a T or an error. Accessing the value of an error throws `bad_result_access`;
/// `value()` on an rvalue returns the value by move, so `open(...).value()` never dangles.
template <class T>
class [[nodiscard]] result {
    static_assert(!std::is_reference_v<T>, "result<T&> would dangle; hold a pointer or a view");

public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}                 // NOLINT: implicit by design
    result(pktdyn::error e) : v_(std::in_place_index<1>, std::move(e)) {}             // NOLINT: implicit by design

    [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    [[nodiscard]] T& value() & { check(); return std::get<0>(v_); }
    [[nodiscard]] const T& value() const& { check(); return std::get<0>(v_); }
    [[nodiscard]] T value() && { check(); return std::move(std::get<0>(v_)); }

    [[nodiscard]] T& operator*() & noexcept { return *std::get_if<0>(&v_); }
    [[nodiscard]] const T& operator*() const& noexcept { return *std::get_if<0>(&v_); }
    [[nodiscard]] T operator*() && noexcept(std::is_nothrow_move_constructible_v<T>) {
        return std::move(*std::get_if<0>(&v_));
    }
    [[nodiscard]] T* operator->() noexcept { return std::get_if<0>(&v_); }
    [[nodiscard]] const T* operator->() const noexcept { return std::get_if<0>(&v_); }

    /// The error; only meaningful when `!has_value()`.
    [[nodiscard]] const pktdyn::error& error() const& noexcept { return *std::get_if<1>(&v_); }

private:
    void check() const {
        if (!has_value()) throw bad_result_access(std::get<1>(v_));
    }

    std::variant<T, pktdyn::error> v_;
};

/// Success or an error, for operations that return nothing else (`return {};` on success).
template <>
class [[nodiscard]] result<void> {
public:
    result() noexcept = default;
    result(pktdyn::error e) : e_(std::move(e)) {}  // NOLINT: implicit by design

    [[nodiscard]] bool has_value() const noexcept { return !e_; }
    explicit operator bool() const noexcept { return has_value(); }
    /// Throws `bad_result_access` when this is an error.
    void value() const {
        if (e_) throw bad_result_access(*e_);
    }
    /// The error; only meaningful when `!has_value()`.
    [[nodiscard]] const pktdyn::error& error() const& noexcept { return *e_; }

private:
    std::optional<pktdyn::error> e_;
};

}  // namespace pktdyn
