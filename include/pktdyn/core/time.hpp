// pktdyn — time as the capture recorded it.
//
// Timestamps are integer nanoseconds since the Unix epoch taken from the capture, never from the
// wall clock, so the same input always gives the same output. 64-bit nanoseconds reach year 2262.
#pragma once

#include <chrono>
#include <cstdint>

namespace pktdyn {

using duration = std::chrono::duration<std::int64_t, std::nano>;
using timestamp = std::chrono::sys_time<duration>;

[[nodiscard]] constexpr std::int64_t to_ns(timestamp t) noexcept { return t.time_since_epoch().count(); }
[[nodiscard]] constexpr timestamp from_ns(std::int64_t ns) noexcept { return timestamp{duration{ns}}; }
[[nodiscard]] constexpr double to_seconds(duration d) noexcept { return static_cast<double>(d.count()) * 1e-9; }

}  // namespace pktdyn
