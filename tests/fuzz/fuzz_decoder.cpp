// libFuzzer target: the decode driver. Byte 0 picks the link type (fuzz_support.hpp); the rest is
// the packet, copied to an exact-size buffer so any read past it is caught.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_support.hpp"
#include "pktdyn/proto/decoder.hpp"
#include "pktdyn/proto/fragments.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto link = static_cast<pktdyn::link_type>(pktdyn::fuzz::link_types[data[0] % pktdyn::fuzz::link_types.size()]);
    const std::vector<std::byte> packet(reinterpret_cast<const std::byte*>(data + 1),
                                        reinterpret_cast<const std::byte*>(data + size));
    static pktdyn::decoder dec;
    static pktdyn::fragment_tracker fragments{pktdyn::fragment_options{.capacity = 64, .reassemble = true,
                                                                       .reassembly_slots = 4}};
    const pktdyn::packet_view p{{}, packet, static_cast<std::uint32_t>(packet.size()), link, 0};
    const auto d = dec.decode(p);
    for (const auto& l : d)
        if (l.offset + std::uint64_t{l.length} > packet.size()) __builtin_trap();
    if (d.payload_offset + std::uint64_t{d.payload_captured} > packet.size() && d.payload_captured) __builtin_trap();
    (void)d.tcp.parse_options();
    (void)fragments.track(p.time, d, p.data);
    return 0;
}
