// pktdyn — what a row of output is: typed values under named, documented columns.
//
// Everything a pipeline writes about a flow — the record's fields, the TCP tracker's, handshake
// values, features, scores — becomes one row of `value`s in `schema` order. A sink formats each value
// its own way (CSV digits, JSON numbers and strings, a float64 matrix, later IPFIX and ClickHouse
// types), so the column list is described once and a CSV header, a JSON object, a .npy column list
// and the documentation cannot drift apart.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pktdyn/core/time.hpp"

namespace pktdyn {

/// One value of a row. Text is a view that lives until the row has been consumed; it is pktdyn text
/// (core/text.hpp) when it comes from the wire.
struct value {
    enum class kind : std::uint8_t {
        missing,  ///< no value: empty in CSV, null in JSON, NaN in a matrix
        count,    ///< an unsigned integer
        number,   ///< a double, written in its shortest round-trip form (NaN: missing)
        fixed1,   ///< a double written with one decimal
        seconds,  ///< a duration, written as seconds with nanosecond digits
        time,     ///< a timestamp, written as seconds since the epoch with nanosecond digits
        text,     ///< text, possibly empty ("" in JSON, not null)
    };
    kind type = kind::missing;
    std::uint64_t u = 0;
    double d = 0;
    std::int64_t ns = 0;
    std::string_view s{};

    [[nodiscard]] static constexpr value none() noexcept { return {}; }
    [[nodiscard]] static constexpr value of_count(std::uint64_t v) noexcept { return {kind::count, v, 0, 0, {}}; }
    [[nodiscard]] static value of_number(double v) noexcept {
        return std::isnan(v) ? value{} : value{kind::number, 0, v, 0, {}};
    }
    [[nodiscard]] static constexpr value of_fixed1(double v) noexcept { return {kind::fixed1, 0, v, 0, {}}; }
    [[nodiscard]] static constexpr value of_seconds(duration v) noexcept { return {kind::seconds, 0, 0, v.count(), {}}; }
    [[nodiscard]] static constexpr value of_time(timestamp t) noexcept { return {kind::time, 0, 0, to_ns(t), {}}; }
    [[nodiscard]] static constexpr value of_text(std::string_view v) noexcept { return {kind::text, 0, 0, 0, v}; }
    /// Text where an empty string means no value (handshake values a flow did not have).
    [[nodiscard]] static constexpr value of_optional_text(std::string_view v) noexcept {
        return v.empty() ? value{} : of_text(v);
    }
    /// The value as a double, for a matrix: counts, numbers, durations in seconds; NaN otherwise.
    [[nodiscard]] double as_double() const noexcept {
        switch (type) {
            case kind::count: return static_cast<double>(u);
            case kind::number:
            case kind::fixed1: return d;
            case kind::seconds:
            case kind::time: return static_cast<double>(ns) * 1e-9;
            default: return std::nan("");
        }
    }
};

/// What a column holds, for sinks that type their output (JSON strings, a matrix's columns).
enum class column_type : std::uint8_t { integer, real, seconds, time, text };
/// Why a column is there: the flow's own facts, or a numeric feature (the columns a feature matrix
/// and a model take), or a model's score.
enum class column_role : std::uint8_t { record, feature, score };

struct column {
    std::string name;
    column_type type = column_type::real;
    column_role role = column_role::record;
    std::string_view unit{};
    std::string_view definition{};
};

/// The columns of a row, in order.
class schema {
public:
    void add(column c) { columns_.push_back(std::move(c)); }
    [[nodiscard]] std::span<const column> columns() const noexcept { return columns_; }
    [[nodiscard]] std::size_t size() const noexcept { return columns_.size(); }
    [[nodiscard]] const column& operator[](std::size_t i) const noexcept { return columns_[i]; }
    /// The index of the column named `name`, or size() when there is none.
    [[nodiscard]] std::size_t find(std::string_view name) const noexcept {
        for (std::size_t i = 0; i < columns_.size(); ++i)
            if (columns_[i].name == name) return i;
        return columns_.size();
    }

private:
    std::vector<column> columns_;
};

}  // namespace pktdyn
