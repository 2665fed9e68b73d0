// libFuzzer target for one tunnel entry point (PKTDYN_FUZZ_TUNNEL picks it): the input is what
// follows a fixed outer Ethernet + IPv4 header (and UDP header for the UDP tunnels), so every
// mutation lands in the tunnel's own parser and what it carries.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "pktdyn/proto/decoder.hpp"

namespace {
struct entry {
    std::uint8_t ip_protocol;
    std::uint16_t udp_port;  // 0: not over UDP
};
// vxlan, geneve, gtp-u, teredo, ayiya, capwap, vxlan-gpe, gre-in-udp, mpls-in-udp, gre, ip-in-ip, 6in4, pim, srv6-ethernet
constexpr entry entries[] = {{17, 4789}, {17, 6081}, {17, 2152}, {17, 3544}, {17, 5072}, {17, 5247}, {17, 4790},
                             {17, 4754}, {17, 6635}, {47, 0},    {4, 0},     {41, 0},    {103, 0},   {143, 0}};
constexpr entry chosen = entries[PKTDYN_FUZZ_TUNNEL];

void put16(std::vector<std::byte>& v, std::size_t at, std::size_t value) {
    v[at] = static_cast<std::byte>(value >> 8);
    v[at + 1] = static_cast<std::byte>(value);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::size_t udp = chosen.udp_port ? 8 : 0;
    if (size > 60000) return 0;
    std::vector<std::byte> frame(14 + 20 + udp + size);
    put16(frame, 12, 0x0800);
    frame[14] = std::byte{0x45};
    put16(frame, 16, 20 + udp + size);
    frame[22] = std::byte{64};
    frame[23] = std::byte{chosen.ip_protocol};
    frame[26] = std::byte{10};
    frame[30] = std::byte{10};
    if (udp) {
        put16(frame, 34, 40000);
        put16(frame, 36, chosen.udp_port);
        put16(frame, 38, 8 + size);
    }
    for (std::size_t i = 0; i < size; ++i) frame[14 + 20 + udp + i] = static_cast<std::byte>(data[i]);
    static pktdyn::decoder dec;
    const auto d = dec.decode(pktdyn::packet_view{{}, frame, static_cast<std::uint32_t>(frame.size()),
                                                  pktdyn::link_type::ethernet, 0});
    for (const auto& l : d)
        if (l.offset + std::uint64_t{l.length} > frame.size()) __builtin_trap();
    return 0;
}
