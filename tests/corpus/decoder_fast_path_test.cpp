// The decoder's straight-line fast path must give exactly the general walk's result: every packet
// of the corpus is decoded both ways and every field a valid result exposes is compared.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "corpus/corpus.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/proto/decoder.hpp"

using namespace pktdyn;

namespace {

bool same_ip(const ip_header& a, const ip_header& b) {
    return a.source == b.source && a.destination == b.destination && a.version == b.version &&
           a.protocol == b.protocol && a.ttl == b.ttl && a.traffic_class == b.traffic_class &&
           a.flow_label == b.flow_label && a.header_length == b.header_length && a.total_length == b.total_length &&
           a.fragment.id == b.fragment.id && a.fragment.offset == b.fragment.offset &&
           a.fragment.more == b.fragment.more && a.fragment.is_fragment == b.fragment.is_fragment &&
           a.extension_count == b.extension_count && a.esp == b.esp && a.option_bytes == b.option_bytes &&
           a.problem == b.problem;
}

std::string difference(const decoded_packet& a, const decoded_packet& b) {
    if (a.status != b.status || a.issue != b.issue) return "status";
    if (a.layer_count != b.layer_count || a.tunnels != b.tunnels) return "layer count";
    for (std::uint8_t i = 0; i < a.layer_count; ++i)
        if (a.layers[i].kind != b.layers[i].kind || a.layers[i].offset != b.layers[i].offset ||
            a.layers[i].length != b.layers[i].length)
            return fmt::format("layer {}", i);
    if (a.vlan_count != b.vlan_count || (a.vlan_count && a.vlan_ids[0] != b.vlan_ids[0])) return "vlan";
    if (a.mpls_count != b.mpls_count || a.ether_type != b.ether_type) return "mpls or ethertype";
    if (a.has_ip() != b.has_ip() || (a.has_ip() && !same_ip(a.outer_ip, b.outer_ip))) return "outer ip";
    if (a.has_ip() && !same_ip(a.inner_ip(), b.inner_ip())) return "inner ip";
    if (!(a.tunnel == b.tunnel)) return "tunnel";
    if (a.transport != b.transport || a.has_transport != b.has_transport || a.source_port != b.source_port ||
        a.destination_port != b.destination_port)
        return "transport";
    if (a.has_transport && a.transport == 6 &&
        (a.tcp.seq != b.tcp.seq || a.tcp.ack != b.tcp.ack || a.tcp.flags != b.tcp.flags ||
         a.tcp.window != b.tcp.window || a.tcp.header_length != b.tcp.header_length ||
         a.tcp.options.data() != b.tcp.options.data() || a.tcp.options.size() != b.tcp.options.size()))
        return "tcp";
    if (a.has_transport && a.transport == 17 && (a.udp.length != b.udp.length)) return "udp";
    if (a.payload_offset != b.payload_offset || a.payload_length != b.payload_length ||
        a.payload_captured != b.payload_captured)
        return "payload";
    return {};
}

}  // namespace

TEST_CASE("the decoder's fast path gives the general walk's result on every corpus packet", "[corpus][dissect]") {
    const auto root = test::corpus_root();
    if (!root) {
        WARN("corpus not found (set PKTDYN_CORPUS): fast-path comparison skipped");
        return;
    }
    decoder fast, walk{decode_options{.fast_path = false}};
    std::size_t packets = 0;
    std::vector<std::string> failures;
    for (const auto& rel : test::corpus_captures(*root)) {
        auto f = capture_file::open(*root / "pcap" / rel);
        if (!f) continue;
        std::size_t n = 0;
        while (auto p = f->next()) {
            ++n;
            ++packets;
            const std::string why = difference(fast.decode(*p), walk.decode(*p));
            if (!why.empty()) failures.push_back(fmt::format("{} packet {}: {}", rel.string(), n, why));
        }
    }
    INFO(packets << " packets decoded both ways");
    for (std::size_t i = 0; i < std::min<std::size_t>(failures.size(), 20); ++i) UNSCOPED_INFO(failures[i]);
    CHECK(failures.empty());
    CHECK(fast.stats().layers == walk.stats().layers);
    CHECK(fast.stats().by_issue == walk.stats().by_issue);
    CHECK(packets > 200000);
}
