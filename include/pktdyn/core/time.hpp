// pktdyn — time as the capture recorded it.
//
// Timestamps are integer nanoseconds since the Unix epoch taken from the capture, never from the
// wall clock, so the same input always gives the same output.
//
// Capture times come from untrusted files (a pcapng's units × resolution + if_tsoffset can be any
// 64-bit value), so pktdyn keeps them in a range where arithmetic cannot overflow: readers and the
// flow table clamp every time into [earliest_time, latest_time] (±2^62 ns around the epoch: the
// years 1823 to 2116), where the difference of any two times fits a `duration`. Durations that
// accumulate (a sum of gaps) use `saturating_add`.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>

namespace pktdyn {

using duration = std::chrono::duration<std::int64_t, std::nano>;
using timestamp = std::chrono::sys_time<duration>;

[[nodiscard]] constexpr std::int64_t to_ns(timestamp t) noexcept { return t.time_since_epoch().count(); }
[[nodiscard]] constexpr timestamp from_ns(std::int64_t ns) noexcept { return timestamp{duration{ns}}; }
[[nodiscard]] constexpr double to_seconds(duration d) noexcept { return static_cast<double>(d.count()) * 1e-9; }

/// The range of capture times: any two times in it are less than 2^63 ns apart.
inline constexpr timestamp earliest_time = from_ns(-(std::int64_t{1} << 62));
inline constexpr timestamp latest_time = from_ns((std::int64_t{1} << 62) - 1);

/// A capture time moved into [earliest_time, latest_time].
[[nodiscard]] constexpr timestamp clamp_time(timestamp t) noexcept { return std::clamp(t, earliest_time, latest_time); }
/// Nanoseconds since the epoch (any 64-bit value, even beyond int64's range) clamped into the range.
[[nodiscard]] constexpr timestamp clamp_time_ns(__int128 ns) noexcept {
    return from_ns(static_cast<std::int64_t>(std::clamp<__int128>(ns, to_ns(earliest_time), to_ns(latest_time))));
}

/// a + b, held at the ends of duration's range instead of overflowing.
[[nodiscard]] constexpr duration saturating_add(duration a, duration b) noexcept {
    std::int64_t sum = 0;
    if (!__builtin_add_overflow(a.count(), b.count(), &sum)) return duration{sum};
    return b.count() > 0 ? duration::max() : duration::min();
}
/// to − from for any two timestamps (not only clamped ones), held at the ends of duration's range.
[[nodiscard]] constexpr duration saturating_elapsed(timestamp from, timestamp to) noexcept {
    std::int64_t difference = 0;
    if (!__builtin_sub_overflow(to_ns(to), to_ns(from), &difference)) return duration{difference};
    return to > from ? duration::max() : duration::min();
}

}  // namespace pktdyn
