// pktdyn-dissect: the protocol and encapsulation mix of a capture, and how well it decoded.
//
//   pktdyn-dissect FILE|DIR...
//
// Counts every packet by the headers it carries, the tunnel it came through, its transport, and
// its decode status with the reason; reassembles nothing, follows every tunnel.
#include <array>
#include <map>
#include <string>

#include <fmt/format.h>

#include "pktdyn/capture/capture_set.hpp"
#include "pktdyn/proto/decoder.hpp"
#include "pktdyn/proto/fragments.hpp"

namespace {

std::string share(std::uint64_t n, std::uint64_t of) {
    return fmt::format("{:>10}  {:6.2f} %", n, of ? 100.0 * double(n) / double(of) : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        fmt::print(stderr, "usage: {} FILE|DIR...\n", argv[0]);
        return 2;
    }
    const std::vector<std::filesystem::path> files(argv + 1, argv + argc);  // files or directories
    auto set = pktdyn::capture_set::open(files, {.access = pktdyn::access_mode::stream});
    if (!set) {
        fmt::print(stderr, "pktdyn-dissect: {}\n", set.error().message());
        return 1;
    }

    pktdyn::decoder dec;
    pktdyn::fragment_tracker fragments;
    pktdyn::decoded_packet d;
    std::map<std::uint32_t, std::uint64_t> links, transports, non_ip;
    std::array<std::uint64_t, pktdyn::layer_kind_count> tunnels{};
    std::uint64_t quoted = 0;
    while (auto p = set->next()) {
        dec.decode(*p, d);
        (void)fragments.track(p->time, d, p->data);
        ++links[static_cast<std::uint32_t>(p->link)];
        if (d.tunnels) ++tunnels[static_cast<std::size_t>(d.tunnel.kind)];
        if (d.has_ip()) ++transports[d.transport];
        if (d.issue == pktdyn::decode_issue::not_ip) ++non_ip[d.ether_type];
        quoted += d.has_quoted;
    }

    const auto& s = dec.stats();
    const std::uint64_t n = s.packets;
    fmt::print("packets {}\n\ndecode status\n", n);
    for (std::size_t i = 0; i < pktdyn::decode_status_count; ++i)
        fmt::print("  {:<44}{}\n", to_string(static_cast<pktdyn::decode_status>(i)), share(s.by_status[i], n));
    fmt::print("\nwhere decoding stopped, by reason\n");
    for (std::size_t i = 1; i < pktdyn::decode_issue_count; ++i)
        if (s.by_issue[i])
            fmt::print("  {:<44}{}  ({})\n", to_string(static_cast<pktdyn::decode_issue>(i)), share(s.by_issue[i], n),
                       to_string(status_of(static_cast<pktdyn::decode_issue>(i))));
    fmt::print("\nlink types\n");
    for (const auto& [link, count] : links) {
        const auto name = pktdyn::name(static_cast<pktdyn::link_type>(link));
        fmt::print("  {:<44}{}\n", fmt::format("{} ({})", name.empty() ? "unknown" : name, link), share(count, n));
    }
    fmt::print("\nheaders (packets carrying each; a packet counts once per header it has)\n");
    for (std::size_t k = 0; k < pktdyn::layer_kind_count; ++k)
        if (s.layers[k]) fmt::print("  {:<44}{}\n", to_string(static_cast<pktdyn::layer_kind>(k)), share(s.layers[k], n));
    fmt::print("\nencapsulation\n  {:<44}{}\n", "tunnelled packets", share(s.tunnelled, n));
    for (std::size_t k = 0; k < tunnels.size(); ++k)
        if (tunnels[k]) {
            const auto kind = static_cast<pktdyn::layer_kind>(k);
            fmt::print("    innermost tunnel {:<27}{}\n",
                       kind == pktdyn::layer_kind::payload ? "IP-in-IP" : to_string(kind), share(tunnels[k], n));
        }
    fmt::print("\ninnermost transport (of packets with IP)\n");
    for (const auto& [protocol, count] : transports) {
        const char* name = protocol == 6 ? "tcp" : protocol == 17 ? "udp" : protocol == 1 ? "icmp"
                         : protocol == 58 ? "icmpv6" : protocol == 50 ? "esp" : "ip protocol";
        fmt::print("  {:<44}{}\n", fmt::format("{} ({})", name, protocol), share(count, n));
    }
    fmt::print("  {:<44}{}\n", "ICMP errors quoting a packet", share(quoted, n));
    if (!non_ip.empty()) {
        fmt::print("\nnot IP, by EtherType\n");
        for (const auto& [type, count] : non_ip) fmt::print("  {:<44}{}\n", fmt::format("0x{:04x}", type), share(count, n));
    }
    const auto& f = fragments.stats();
    fmt::print("\nIP fragments {}: {} attributed to their flow, {} not (first fragment unseen)\n", f.fragments,
               f.attributed, f.unattributed);
    for (const auto& e : set->errors()) fmt::print("stopped early: {}\n", e.message());
    return 0;
}
