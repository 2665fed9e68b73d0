// Plugging your own capture source into pktdyn: anything with `std::optional<packet_view> next()`.
// Here, a ring of frames a NIC driver (or DPDK queue, or socket) would have filled.
#include <array>
#include <cstdio>
#include <optional>

#include "pktdyn/core/concepts.hpp"

struct my_ring {
    std::array<std::array<std::byte, 64>, 4> slots{};
    std::size_t head = 0;

    std::optional<pktdyn::packet_view> next() {
        if (head == slots.size()) return std::nullopt;  // ring drained: the source has ended
        const auto t = pktdyn::from_ns(1'700'000'000'000'000'000 + std::int64_t(head) * 1000);
        return pktdyn::packet_view{t, slots[head++], 64, pktdyn::link_type::ethernet, 0};
    }
};
static_assert(pktdyn::packet_source<my_ring>);

int main() {
    my_ring ring;
    std::size_t bytes = 0;
    for (const pktdyn::packet_view& p : pktdyn::packets(ring)) bytes += p.captured_length();
    std::printf("custom source: %zu bytes\n", bytes);
}
