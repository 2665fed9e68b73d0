// pktdyn — the public contract, as concepts.
//
// A `packet_source` is anything with `next()` returning `std::optional<packet_view>`: a file reader,
// a libpcap handle, a user's ring buffer. `std::nullopt` means the source has ended (or, for a live
// source, was stopped). A `reporting_packet_source` also says why it ended (`error()`), so a caller
// can tell a clean end from a capture cut short.
//
// Entry points that accept sources check them with `diagnose_packet_source<S>()`, whose
// static_asserts name the requirement that failed instead of printing a wall of template errors.
#pragma once

#include <concepts>
#include <cstddef>
#include <iterator>
#include <optional>

#include "pktdyn/core/packet_view.hpp"
#include "pktdyn/core/result.hpp"

namespace pktdyn {

template <class S>
concept packet_source = requires(S& s) {
    { s.next() } -> std::same_as<std::optional<packet_view>>;
};

template <class S>
concept reporting_packet_source = packet_source<S> && requires(const S& s) {
    { s.error() } -> std::same_as<std::optional<pktdyn::error>>;
};

namespace detail {
template <class S>
concept has_next_member = requires(S& s) { s.next(); };
}  // namespace detail

/// Fails compilation with a message naming the missing requirement; true when S is a packet_source.
template <class S>
consteval bool diagnose_packet_source() {
    static_assert(detail::has_next_member<S>,
                  "pktdyn::packet_source: the type has no callable member `next()`; add "
                  "`std::optional<pktdyn::packet_view> next()`");
    if constexpr (detail::has_next_member<S>) {
        static_assert(packet_source<S>,
                      "pktdyn::packet_source: `next()` must return exactly "
                      "`std::optional<pktdyn::packet_view>` (std::nullopt at the end)");
    }
    return packet_source<S>;
}

/// An input range over a source, for range-for: `for (const packet_view& p : packets(reader))`.
template <packet_source S>
class packet_range {
public:
    struct sentinel {};

    class iterator {
    public:
        using value_type = packet_view;
        using difference_type = std::ptrdiff_t;

        iterator() = default;
        explicit iterator(packet_range* r) noexcept : r_(r) {}
        const packet_view& operator*() const noexcept { return *r_->current_; }
        const packet_view* operator->() const noexcept { return &*r_->current_; }
        iterator& operator++() {
            r_->current_ = r_->source_->next();
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& it, sentinel) noexcept { return it.at_end(); }

    private:
        [[nodiscard]] bool at_end() const noexcept { return !r_->current_; }
        packet_range* r_ = nullptr;
    };

    explicit packet_range(S& source) noexcept : source_(&source) {}
    iterator begin() {
        current_ = source_->next();
        return iterator{this};
    }
    sentinel end() const noexcept { return {}; }

private:
    S* source_;
    std::optional<packet_view> current_;
};

template <class S>
auto packets(S& source) {
    static_assert(diagnose_packet_source<S>());
    return packet_range<S>{source};
}
/// Views from a temporary source would dangle as soon as it is destroyed.
template <class S>
void packets(S&& source) = delete;

}  // namespace pktdyn
