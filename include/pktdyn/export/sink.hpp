// pktdyn — where rows go: the `sink` contract, a sink calling the user's function, and `tee`.
//
// A sink is told the columns once, then takes one row per flow, then reports how it went:
//   result<void> begin(const schema&)        the columns (a CSV header, a JSON key list, ...)
//   void consume(std::span<const value>)     one row in schema order; the views live only during
//                                            the call: copy what must be kept
//   result<void> finish()                    flush and close; the first error (a full disk, a
//                                            refused connection) with a message a person can act on
// A sink does its own buffering and keeps its first error for finish(): consume() never throws.
#pragma once

#include <concepts>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>

#include "pktdyn/core/result.hpp"
#include "pktdyn/export/format.hpp"
#include "pktdyn/export/schema.hpp"

namespace pktdyn {

template <class K>
concept sink = requires(K& k, const schema& s, std::span<const value> row) {
    { k.begin(s) } -> std::same_as<result<void>>;
    k.consume(row);
    { k.finish() } -> std::same_as<result<void>>;
};

namespace detail::sink {
template <class K>
concept names_begin = requires { &K::begin; };
template <class K>
concept begins = requires(K& k, const schema& s) { k.begin(s); };
template <class K>
concept begins_with_result = requires(K& k, const schema& s) { { k.begin(s) } -> std::same_as<result<void>>; };
template <class K>
concept names_consume = requires { &K::consume; };
template <class K>
concept consumes = requires(K& k, std::span<const value> row) { k.consume(row); };
template <class K>
concept finishes = requires(K& k) { k.finish(); };
template <class K>
concept finishes_with_result = requires(K& k) { { k.finish() } -> std::same_as<result<void>>; };
}  // namespace detail::sink

/// Fails compilation with a message naming the requirement K misses; true when K is a sink.
template <class K>
consteval bool diagnose_sink() {
    namespace r = detail::sink;
    static_assert(r::names_begin<K> || r::begins<K>,
                  "pktdyn::sink: no member `begin`; add `pktdyn::result<void> begin(const pktdyn::schema&)`");
    static_assert(!r::names_begin<K> || r::begins<K>,
                  "pktdyn::sink: `begin` cannot be called as begin(const pktdyn::schema&)");
    static_assert(!r::begins<K> || r::begins_with_result<K>,
                  "pktdyn::sink: `begin` must return pktdyn::result<void> (an error says why the sink cannot start)");
    static_assert(r::names_consume<K> || r::consumes<K>,
                  "pktdyn::sink: no member `consume`; add `void consume(std::span<const pktdyn::value> row)`");
    static_assert(!r::names_consume<K> || r::consumes<K>,
                  "pktdyn::sink: `consume` cannot be called as consume(std::span<const pktdyn::value>): take the row "
                  "as a span of values");
    static_assert(r::finishes<K>, "pktdyn::sink: no member `finish`; add `pktdyn::result<void> finish()`");
    static_assert(!r::finishes<K> || r::finishes_with_result<K>,
                  "pktdyn::sink: `finish` must return pktdyn::result<void> (the first error: a full disk, a refused "
                  "connection)");
    return sink<K>;
}

/// Whether a sink takes rows at all: a sink may say it does not (`bool wants_rows() const`, as an
/// empty one_of_sinks), so that a run with nothing to write builds no rows.
template <class K>
[[nodiscard]] bool wants_rows(const K& k) noexcept {
    if constexpr (requires { { k.wants_rows() } -> std::convertible_to<bool>; }) return k.wants_rows();
    else return true;
}

struct flow_facts;  // detect/flow_facts.hpp

/// A sink that observes ended flows as facts (detect/flow_facts.hpp): `observe(const flow_facts&)`.
/// A pipeline reads the facts from the flow's record and accumulators and gives them to such a sink
/// on the thread and in the order others get rows; it gives it rows too only if it wants them
/// (`wants_rows()`), and builds rows only if some sink does. (detection_sink observes and takes no
/// rows; a tee of it and a CSV sink does both.)
template <class K>
concept flow_observer = requires(K& k, const flow_facts& f) { k.observe(f); };

namespace detail::sink {
/// Whether `k` is to be given rows: every sink but an observer that does not want them.
template <class K>
[[nodiscard]] bool takes_rows(const K& k) noexcept {
    if constexpr (flow_observer<K>) return pktdyn::wants_rows(k);
    else return true;
}
}  // namespace detail::sink

/// A sink that formats rows on any thread: `prepare(row, text_buffer&) const` writes a row's bytes
/// touching nothing but what begin() set, and `consume_prepared(row, bytes)` takes them in row order.
/// A sharded pipeline prepares each row in the shard that made it, so the thread that feeds the
/// sinks only copies bytes (CSV and JSON formatting run on every core). The row given to
/// consume_prepared is empty unless some sink needs values: a preparing sink that reads it says so
/// with `bool needs_values() const`.
template <class K>
concept preparing_sink = requires(const K& c, K& k, std::span<const value> row, text_buffer& b, std::string_view bytes) {
    c.prepare(row, b);
    k.consume_prepared(row, bytes);
};

namespace detail::sink {
/// Several sinks' prepared bytes in one buffer: for each preparing sink, a 4-byte length, then its bytes.
template <class K>
void prepare_framed(const K& k, std::span<const value> row, text_buffer& b) {
    if constexpr (preparing_sink<K>) {
        const std::size_t at = b.size();
        b.resize(at + 4);
        k.prepare(row, b);
        const auto n = static_cast<std::uint32_t>(b.size() - at - 4);
        std::memcpy(b.data() + at, &n, 4);
    }
}
/// Gives `k` its frame of `bytes` (or, a sink that does not prepare, the row); the frames after it.
template <class K>
std::string_view consume_framed(K& k, std::span<const value> row, std::string_view bytes) {
    if constexpr (preparing_sink<K>) {
        std::uint32_t n = 0;
        std::memcpy(&n, bytes.data(), 4);
        k.consume_prepared(row, bytes.substr(4, n));
        return bytes.substr(4 + n);
    } else {
        k.consume(row);
        return bytes;
    }
}
/// Whether `k` needs the row's values even when it was prepared (a sink that reads them).
template <class K>
[[nodiscard]] bool needs_values(const K& k) noexcept {
    if constexpr (requires { k.needs_values(); }) return k.needs_values();
    else if constexpr (preparing_sink<K>) return false;
    else return pktdyn::wants_rows(k);
}
}  // namespace detail::sink

/// A sink that hands every row to the user: `on_row(const schema&, std::span<const value>)`.
template <class F>
class callback_sink {
public:
    explicit callback_sink(F on_row) : on_row_(std::move(on_row)) {}
    result<void> begin(const schema& s) {
        schema_ = &s;
        return {};
    }
    void consume(std::span<const value> row) { on_row_(*schema_, row); }
    result<void> finish() { return {}; }

private:
    F on_row_;
    const schema* schema_ = nullptr;
};

/// A sink the caller keeps: the pipeline writes through a reference, and the caller reads the sink
/// (its counts, its state) after the run. The sink must outlive the run.
template <class K>
class sink_reference {
    static_assert(diagnose_sink<K>());

public:
    explicit sink_reference(K& k) noexcept : k_(&k) {}
    result<void> begin(const schema& s) { return k_->begin(s); }
    void consume(std::span<const value> row) { k_->consume(row); }
    result<void> finish() { return k_->finish(); }
    [[nodiscard]] bool wants_rows() const noexcept { return pktdyn::wants_rows(*k_); }
    void observe(const flow_facts& f)
        requires flow_observer<K>
    {
        k_->observe(f);
    }

private:
    K* k_;
};

template <class K>
sink_reference<K> by_reference(K& k) noexcept {
    return sink_reference<K>(k);
}

/// Every row to each of several sinks, in order; finish() reports the first error of any.
template <class... K>
class tee_sink {
    static_assert((diagnose_sink<K>() && ...));

public:
    explicit tee_sink(K... sinks) : sinks_(std::move(sinks)...) {}
    result<void> begin(const schema& s) {
        return std::apply([&](auto&... k) { return first_error({k.begin(s)...}); }, sinks_);
    }
    void consume(std::span<const value> row) {
        std::apply([&](auto&... k) { ((detail::sink::takes_rows(k) ? k.consume(row) : void()), ...); }, sinks_);
    }
    void prepare(std::span<const value> row, text_buffer& b) const {
        std::apply([&](const auto&... k) { (detail::sink::prepare_framed(k, row, b), ...); }, sinks_);
    }
    void consume_prepared(std::span<const value> row, std::string_view bytes) {
        std::apply([&](auto&... k) { ((bytes = detail::sink::takes_rows(k) ? detail::sink::consume_framed(k, row, bytes) : bytes), ...); },
                   sinks_);
    }
    /// Each observing sink's facts (a tee observes when one of its sinks does).
    void observe(const flow_facts& f)
        requires(flow_observer<K> || ...)
    {
        const auto one = [&](auto& k) {
            if constexpr (flow_observer<std::remove_cvref_t<decltype(k)>>) k.observe(f);
        };
        std::apply([&](auto&... k) { (one(k), ...); }, sinks_);
    }
    [[nodiscard]] bool needs_values() const noexcept {
        return std::apply([](const auto&... k) { return (detail::sink::needs_values(k) || ...); }, sinks_);
    }
    result<void> finish() {
        return std::apply([&](auto&... k) { return first_error({k.finish()...}); }, sinks_);
    }
    template <std::size_t I>
    [[nodiscard]] auto& get() noexcept { return std::get<I>(sinks_); }
    [[nodiscard]] bool wants_rows() const noexcept {
        return std::apply([](const auto&... k) { return (pktdyn::wants_rows(k) || ...); }, sinks_);
    }

private:
    static result<void> first_error(std::initializer_list<result<void>> all) {
        for (const auto& r : all)
            if (!r) return r.error();
        return {};
    }
    std::tuple<K...> sinks_;
};

template <class... K>
tee_sink<K...> tee(K... sinks) {
    return tee_sink<K...>(std::move(sinks)...);
}

/// One of several sinks, chosen at run time (a program's --format), or none at all.
template <class... K>
class one_of_sinks {
    static_assert((diagnose_sink<K>() && ...));

public:
    one_of_sinks() = default;
    template <class S>
    explicit one_of_sinks(S chosen) : sink_(std::move(chosen)) {}
    template <class S, class... Args>
    S& emplace(Args&&... args) {
        return sink_.template emplace<S>(std::forward<Args>(args)...);
    }
    [[nodiscard]] bool empty() const noexcept { return sink_.index() == 0; }
    [[nodiscard]] bool wants_rows() const noexcept {
        return std::visit([](const auto& k) {
            if constexpr (std::is_same_v<std::decay_t<decltype(k)>, std::monostate>) return false;
            else return pktdyn::wants_rows(k);
        }, sink_);
    }
    result<void> begin(const schema& s) {
        return std::visit([&](auto& k) -> result<void> {
            if constexpr (requires { k.begin(s); }) return k.begin(s);
            else return {};
        }, sink_);
    }
    void consume(std::span<const value> row) {
        std::visit([&](auto& k) {
            if constexpr (requires { k.consume(row); }) k.consume(row);
        }, sink_);
    }
    void prepare(std::span<const value> row, text_buffer& b) const {
        std::visit([&](const auto& k) {
            if constexpr (preparing_sink<std::decay_t<decltype(k)>>) k.prepare(row, b);
        }, sink_);
    }
    void consume_prepared(std::span<const value> row, std::string_view bytes) {
        std::visit([&](auto& k) {
            if constexpr (preparing_sink<std::decay_t<decltype(k)>>) k.consume_prepared(row, bytes);
            else if constexpr (requires { k.consume(row); }) k.consume(row);
        }, sink_);
    }
    [[nodiscard]] bool needs_values() const noexcept {
        return std::visit([](const auto& k) {
            if constexpr (std::is_same_v<std::decay_t<decltype(k)>, std::monostate>) return false;
            else return detail::sink::needs_values(k);
        }, sink_);
    }
    result<void> finish() {
        return std::visit([&](auto& k) -> result<void> {
            if constexpr (requires { k.finish(); }) return k.finish();
            else return {};
        }, sink_);
    }

private:
    std::variant<std::monostate, K...> sink_;
};

}  // namespace pktdyn
