// pktdyn — accumulators: per-flow state updated once per packet that writes named feature values.
//
// An accumulator sees each packet of its flow as a `flow_packet` (direction, time, lengths, flags,
// captured payload) and satisfies `flow_accumulator`:
//   update(const flow_packet&) noexcept   once per packet, no allocation
//   merge(const A&)                       fold in the same flow's later part (or another shard's)
//   static constexpr features             one feature_info per value: name, unit, definition
//   write(std::span<double>) noexcept     features.size() values, in that order; NaN: no value
// An accumulator may also write text values (host names, fingerprints, banners), as a
// `text_accumulator`: static constexpr text_features, and write_text(std::span<std::string>) when its
// flow ends (an empty string: no value). Text values go to CSV and JSON, never into a feature matrix.
// `feature_set<A...>` bundles accumulators into a flow_table state (flow_table<feature_set<...>>):
// it turns each decoded packet into a flow_packet and writes every accumulator's values in a row.
// The schema of a set is the concatenation of its accumulators' `features`, so a CSV header, a
// `.npy` column list and docs/features.md come from the same list.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "pktdyn/core/time.hpp"
#include "pktdyn/flow/flow_record.hpp"
#include "pktdyn/proto/decoded_packet.hpp"

namespace pktdyn {

/// One feature: its column name is scope + "_" + name (scope may be empty), with a unit and an
/// exact definition (for docs/features.md). Scopes let one accumulator name the same statistic for
/// the whole flow and for each direction without spelling every combination.
struct feature_info {
    std::string_view scope;
    std::string_view name;
    std::string_view unit;
    std::string_view definition;

    [[nodiscard]] std::string column() const {
        return scope.empty() ? std::string(name) : std::string(scope) + "_" + std::string(name);
    }
};

/// A column's name as a template argument, so that an accumulator ties each value to its column by
/// name (column_index at compile time), never by position: `put<"tls_cipher_suite">(out, ...)`.
template <std::size_t N>
struct column_name {
    std::array<char, N - 1> text{};
    consteval column_name(const char (&s)[N]) {  // NOLINT: implicit, so a string literal is the argument
        for (std::size_t i = 0; i + 1 < N; ++i) text[i] = s[i];
    }
    [[nodiscard]] constexpr std::string_view view() const noexcept { return {text.data(), N - 1}; }
};

inline constexpr std::size_t no_column = static_cast<std::size_t>(-1);

/// The position of the column named `name` (feature_info::column(): "scope_name", or "name" without
/// a scope) in `features`; no_column when it has none.
template <std::size_t N>
[[nodiscard]] constexpr std::size_t column_index(const std::array<feature_info, N>& features, std::string_view name) noexcept {
    for (std::size_t i = 0; i < N; ++i) {
        const auto& f = features[i];
        if (f.scope.empty() ? f.name == name
                            : name.size() == f.scope.size() + 1 + f.name.size() && name.starts_with(f.scope) &&
                                  name[f.scope.size()] == '_' && name.ends_with(f.name))
            return i;
    }
    return no_column;
}

namespace detail {
/// Column names "<prefix><first>", "<prefix><first + 1>", ... built at compile time, so that a
/// feature list's string_views can point into them (numbers up to 999).
template <std::size_t N>
struct numbered_names {
    std::array<std::array<char, 32>, N> text{};
    std::array<std::size_t, N> length{};
    constexpr numbered_names(std::string_view prefix, std::size_t first) {
        for (std::size_t i = 0; i < N; ++i) {
            std::size_t n = 0;
            for (char c : prefix) text[i][n++] = c;
            const std::size_t number = first + i;
            if (number >= 100) text[i][n++] = static_cast<char>('0' + number / 100);
            if (number >= 10) text[i][n++] = static_cast<char>('0' + number / 10 % 10);
            text[i][n++] = static_cast<char>('0' + number % 10);
            length[i] = n;
        }
    }
    [[nodiscard]] constexpr std::string_view operator[](std::size_t i) const { return {text[i].data(), length[i]}; }
};
}  // namespace detail

/// Directions, as flow_record's: 0 originator → responder, 1 responder → originator.
inline constexpr std::array<std::string_view, 3> flow_scopes{"flow", "orig", "resp"};

class dns_cache;  // flow/dns_cache.hpp

/// What a run knows beyond one flow, for accumulators that need it: the DNS answers seen so far in
/// the stream (to name a flow's responder). A pipeline sets it for the thread running a shard
/// (`analysis_context::scope`); without one, `current()` is nullptr and such columns stay empty.
struct analysis_context {
    const dns_cache* names = nullptr;
    /// Where the run already looked the responder up (a sharded pipeline's reader does, in stream
    /// order, for a flow's first packet): that answer, used instead of `names`.
    std::optional<std::string_view> resolved;

    [[nodiscard]] static const analysis_context* current() noexcept { return slot(); }
    /// Makes `c` the current context of this thread for the scope's lifetime.
    class scope {
    public:
        explicit scope(const analysis_context* c) noexcept : previous_(slot()) { slot() = c; }
        scope(const scope&) = delete;
        scope& operator=(const scope&) = delete;
        ~scope() { slot() = previous_; }

    private:
        const analysis_context* previous_;
    };

private:
    static const analysis_context*& slot() noexcept {
        thread_local const analysis_context* c = nullptr;
        return c;
    }
};

/// What an accumulator sees of one packet of its flow.
struct flow_packet {
    timestamp time{};
    int direction = 0;                      ///< 0 originator → responder, 1 responder → originator
    std::uint32_t ip_length = 0;            ///< as flow_record counts it (IP total length)
    std::uint32_t payload_length = 0;       ///< transport payload on the wire, by the length fields
    std::span<const std::byte> payload{};   ///< the captured part of that payload
    std::uint16_t tcp_flags = 0;            ///< 0 when not TCP
    bool tcp = false;
    const decoded_packet* decoded = nullptr;
    const analysis_context* context = nullptr;  ///< the run's, or nullptr

    /// From a decoded packet of a flow.
    [[nodiscard]] static flow_packet from(const decoded_packet& d, timestamp now, bool from_originator) noexcept {
        flow_packet p;
        p.time = now;
        p.direction = from_originator ? 0 : 1;
        p.ip_length = flow_record::ip_length(d, d.inner_ip());
        p.payload_length = d.payload_length;
        p.payload = d.payload();
        p.tcp = d.has_transport && d.transport == ip_protocol::tcp;
        p.tcp_flags = p.tcp && !d.tcp.bad_offset ? d.tcp.flags : 0;
        p.decoded = &d;
        p.context = analysis_context::current();
        return p;
    }
};

template <class A>
concept flow_accumulator = std::default_initializable<A> && requires(A& a, const A& b, const flow_packet& p,
                                                                     std::span<double> out) {
    { a.update(p) } noexcept;
    a.merge(b);
    { A::features.size() } -> std::convertible_to<std::size_t>;
    { A::features[0] } -> std::convertible_to<feature_info>;
    { b.write(out) } noexcept;
};

namespace detail::accumulator {
template <class A>
concept names_update = requires { &A::update; };
template <class A>
concept updates = requires(A& a, const flow_packet& p) { a.update(p); };
template <class A>
concept updates_noexcept = requires(A& a, const flow_packet& p) { { a.update(p) } noexcept; };
template <class A>
concept merges = requires(A& a, const A& b) { a.merge(b); };
template <class A>
concept has_features = requires { A::features.size(); A::features[0]; };
template <class A>
concept named_features = requires {
    { A::features.size() } -> std::convertible_to<std::size_t>;
    { A::features[0] } -> std::convertible_to<feature_info>;
};
template <class A>
concept writes = requires(const A& a, std::span<double> out) { a.write(out); };
template <class A>
concept writes_noexcept = requires(const A& a, std::span<double> out) { { a.write(out) } noexcept; };
}  // namespace detail::accumulator

/// Fails compilation with a message naming the requirement A misses; true when A is a
/// flow_accumulator (feature_set<A...> checks each of its accumulators with it).
template <class A>
consteval bool diagnose_flow_accumulator() {
    namespace r = detail::accumulator;
    static_assert(std::default_initializable<A>,
                  "pktdyn::flow_accumulator: the accumulator must be default-initializable (one per flow)");
    static_assert(r::names_update<A> || r::updates<A>,
                  "pktdyn::flow_accumulator: no member `update`; add `void update(const pktdyn::flow_packet&) noexcept`");
    static_assert(!r::names_update<A> || r::updates<A>,
                  "pktdyn::flow_accumulator: `update` cannot be called as update(const pktdyn::flow_packet&): check "
                  "its parameter");
    static_assert(!r::updates<A> || r::updates_noexcept<A>,
                  "pktdyn::flow_accumulator: `update` must be noexcept (it runs once per packet, on the hot path)");
    static_assert(r::merges<A>, "pktdyn::flow_accumulator: no `void merge(const A&)` (folds in the same flow's later "
                                "part, or another shard's)");
    static_assert(r::has_features<A>,
                  "pktdyn::flow_accumulator: no `static constexpr std::array<pktdyn::feature_info, N> features` "
                  "(a name, unit and definition per value)");
    static_assert(!r::has_features<A> || r::named_features<A>,
                  "pktdyn::flow_accumulator: `features` must hold pktdyn::feature_info (a name, unit and definition per value)");
    static_assert(r::writes<A>, "pktdyn::flow_accumulator: no `void write(std::span<double>) const noexcept` "
                                "(features.size() values, NaN for none)");
    static_assert(!r::writes<A> || r::writes_noexcept<A>, "pktdyn::flow_accumulator: `write` must be noexcept");
    return flow_accumulator<A>;
}

/// An accumulator that also writes text values: text_features.size() strings, in that order.
template <class A>
concept text_accumulator = requires(const A& a, std::span<std::string> out) {
    { A::text_features.size() } -> std::convertible_to<std::size_t>;
    { A::text_features[0] } -> std::convertible_to<feature_info>;
    a.write_text(out);
};

namespace detail {
template <class A>
[[nodiscard]] consteval std::size_t text_width_of() noexcept {
    if constexpr (text_accumulator<A>) return A::text_features.size();
    else return 0;
}
}  // namespace detail

/// The number of values an accumulator writes.
template <class A>
inline constexpr std::size_t width_v = A::features.size();

/// Accumulators bundled as one flow state: flow_table<feature_set<...>> updates it per packet.
template <class... A>
class feature_set {
    static_assert((diagnose_flow_accumulator<A>() && ...));

public:
    static constexpr std::size_t width = (width_v<A> + ... + 0);
    static constexpr std::size_t text_width = (detail::text_width_of<A>() + ... + 0);

    /// flow_table's per-packet hook.
    void update(const decoded_packet& d, timestamp now, bool from_originator) noexcept {
        if constexpr (sizeof...(A) != 0) observe(flow_packet::from(d, now, from_originator));
    }
    void observe(const flow_packet& p) noexcept {
        std::apply([&](auto&... a) { (a.update(p), ...); }, parts_);
    }
    void merge(const feature_set& other) {
        merge_each(other, std::index_sequence_for<A...>{});
    }
    /// Writes `width` values: each accumulator's, in the order of A...
    void write(std::span<double> out) const noexcept {
        std::size_t at = 0;
        std::apply([&](const auto&... a) { ((a.write(out.subspan(at, a.features.size())), at += a.features.size()), ...); }, parts_);
        (void)at;  // an empty set writes nothing
    }
    /// Writes `text_width` strings: each text accumulator's, in the order of A... The strings are
    /// cleared first (callers reuse them from flow to flow): what an accumulator leaves unwritten is empty.
    void write_text(std::span<std::string> out) const {
        for (auto& s : out) s.clear();
        std::size_t at = 0;
        const auto one = [&](const auto& a) {
            using part = std::remove_cvref_t<decltype(a)>;
            if constexpr (text_accumulator<part>) {
                a.write_text(out.subspan(at, part::text_features.size()));
                at += part::text_features.size();
            }
        };
        std::apply([&](const auto&... a) { (one(a), ...); }, parts_);
    }
    /// Every text feature of the set, in write_text() order.
    [[nodiscard]] static constexpr std::array<feature_info, text_width> text_features() noexcept {
        std::array<feature_info, text_width> all{};
        std::size_t at = 0;
        const auto one = [&]<class P>(std::type_identity<P>) {
            if constexpr (text_accumulator<P>) {
                std::copy(P::text_features.begin(), P::text_features.end(), all.begin() + static_cast<std::ptrdiff_t>(at));
                at += P::text_features.size();
            }
        };
        (one(std::type_identity<A>{}), ...);
        (void)one;  // an empty set has none
        return all;
    }
    /// Every feature of the set, in write() order.
    [[nodiscard]] static constexpr std::array<feature_info, width> features() noexcept {
        std::array<feature_info, width> all{};
        std::size_t at = 0;
        ((std::copy(A::features.begin(), A::features.end(), all.begin() + static_cast<std::ptrdiff_t>(at)),
          at += A::features.size()),
         ...);
        (void)at;
        return all;
    }
    /// For each feature, whether it belongs in a feature matrix: true unless its accumulator says
    /// `static constexpr bool feature_matrix = false` (numbers that describe, as handshake codes).
    [[nodiscard]] static constexpr std::array<bool, width> in_feature_matrix() noexcept {
        std::array<bool, width> all{};
        std::size_t at = 0;
        const auto one = [&]<class P>(std::type_identity<P>) {
            bool in = true;
            if constexpr (requires { P::feature_matrix; }) in = P::feature_matrix;
            for (std::size_t i = 0; i < P::features.size(); ++i) all[at++] = in;
        };
        (one(std::type_identity<A>{}), ...);
        (void)one;
        return all;
    }
    template <class T>
    [[nodiscard]] const T& get() const noexcept { return std::get<T>(parts_); }
    /// Calls `f(part)` for each accumulator, in the order of A... (readers that look for a member).
    template <class F>
    void each(F&& f) const {
        std::apply([&](const auto&... a) { (f(a), ...); }, parts_);
    }

private:
    template <std::size_t... I>
    void merge_each(const feature_set& other, std::index_sequence<I...>) {
        (std::get<I>(parts_).merge(std::get<I>(other.parts_)), ...);
    }
    [[no_unique_address]] std::tuple<A...> parts_{};  // an empty set takes no room in a flow state
};

}  // namespace pktdyn
