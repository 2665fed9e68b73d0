// Plugging your own capture source into pktdyn: anything with `std::optional<packet_view> next()`.
// Here, a ring of frames a NIC driver (or DPDK queue, or socket) would have filled; main() wires it
// to the whole pipeline (flows, TCP analysis, features, CSV) in the lines between the markers.
//
//   custom_source [OUTPUT.csv]     (default: standard output)
#include <array>
#include <cstdio>
#include <optional>
#include <vector>

#include "pktdyn/export/csv.hpp"
#include "pktdyn/features/schema.hpp"
#include "pktdyn/pipeline/pipeline.hpp"

using namespace std::chrono_literals;

/// A ring of Ethernet frames and their arrival times (ns): the user's side of the contract.
struct my_ring {
    std::vector<std::vector<std::byte>> frames;
    std::vector<std::int64_t> arrival_ns;
    std::size_t head = 0;

    std::optional<pktdyn::packet_view> next() {
        if (head == frames.size()) return std::nullopt;  // ring drained: the source has ended
        const auto& f = frames[head];
        return pktdyn::packet_view{pktdyn::from_ns(arrival_ns[head++]), f, static_cast<std::uint32_t>(f.size()),
                                   pktdyn::link_type::ethernet, 0};
    }
};
static_assert(pktdyn::packet_source<my_ring>);

namespace {
/// What a driver would have put in the ring: Ethernet + IPv4 + TCP (flags, sequence numbers, payload).
void put_tcp(my_ring& ring, std::int64_t at_ms, bool from_client, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
             std::uint16_t payload) {
    const std::array<std::uint8_t, 4> client{192, 0, 2, 10}, server{198, 51, 100, 7};
    const auto& src = from_client ? client : server;
    const auto& dst = from_client ? server : client;
    const std::uint16_t sport = from_client ? 49152 : 443, dport = from_client ? 443 : 49152;
    const std::uint16_t ip_length = static_cast<std::uint16_t>(20 + 20 + payload);
    std::vector<std::uint8_t> b{0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00,  // Ethernet, IPv4
                                0x45, 0, std::uint8_t(ip_length >> 8), std::uint8_t(ip_length), 0, 0, 0x40, 0, 64, 6, 0, 0};
    b.insert(b.end(), src.begin(), src.end());
    b.insert(b.end(), dst.begin(), dst.end());
    const auto be16 = [&](std::uint16_t v) { b.push_back(std::uint8_t(v >> 8)), b.push_back(std::uint8_t(v)); };
    const auto be32 = [&](std::uint32_t v) { be16(std::uint16_t(v >> 16)), be16(std::uint16_t(v)); };
    be16(sport), be16(dport), be32(seq), be32(ack);
    b.insert(b.end(), {0x50, flags, 0xff, 0xff, 0, 0, 0, 0});  // data offset 5, window 65535
    b.resize(b.size() + payload, 0x17);
    std::vector<std::byte> frame(b.size());
    for (std::size_t i = 0; i < b.size(); ++i) frame[i] = std::byte{b[i]};
    ring.frames.push_back(std::move(frame));
    ring.arrival_ns.push_back(1'700'000'000'000'000'000 + at_ms * 1'000'000);
}

/// One TCP connection: SYN at 0 ms, SYN-ACK at 20, ACK at 21, a 300-byte request, a 1200-byte
/// response 20 ms later, the close at 42 and 62 ms.
my_ring filled_ring() {
    my_ring ring;
    enum : std::uint8_t { fin = 1, syn = 2, ack = 16, push = 24 };
    put_tcp(ring, 0, true, syn, 1000, 0, 0);
    put_tcp(ring, 20, false, syn | ack, 5000, 1001, 0);
    put_tcp(ring, 21, true, ack, 1001, 5001, 0);
    put_tcp(ring, 21, true, push, 1001, 5001, 300);
    put_tcp(ring, 41, false, push, 5001, 1301, 1200);
    put_tcp(ring, 42, true, fin | ack, 1301, 6201, 0);
    put_tcp(ring, 62, false, fin | ack, 6201, 1302, 0);
    put_tcp(ring, 62, true, ack, 1302, 6202, 0);
    return ring;
}
}  // namespace

int main(int argc, char** argv) {
    my_ring ring = filled_ring();
    // ---- the pipeline: a user's source to flow records with features, in CSV
    auto run = pktdyn::from(ring)                                     // any packet_source
             | pktdyn::track_flows({.idle = 30s})                     // bidirectional flows, TCP analysis
             | pktdyn::extract<pktdyn::standard_features>()           // the 190 feature columns
             | pktdyn::to(pktdyn::csv_sink{argc > 1 ? argv[1] : "-"});  // one row per flow
    const pktdyn::run_result r = run();
    // ---- end of the pipeline
    std::fprintf(stderr, "custom source: %llu packets, %llu flows\n", static_cast<unsigned long long>(r.packets),
                 static_cast<unsigned long long>(r.flows.flows));
    return r.ok() ? 0 : 1;
}
