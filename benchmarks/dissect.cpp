// Read + dissect big.pcap to layer 4: pktdyn (streamed reader, decoder through every tunnel) in the
// same run as a libpcap loop with a minimal hand-written Ethernet/VLAN/IP/TCP/UDP walk, and libtins
// building its full PDU chain. Before timing, pktdyn decoding only the outer headers must find
// exactly the TCP/UDP packets and port sums the minimal walk finds.
#include <benchmark/benchmark.h>
#include <pcap/pcap.h>
#include <tins/tins.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "bench_support.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/proto/decoder.hpp"

namespace {

struct totals {
    std::uint64_t packets = 0;
    std::uint64_t transport = 0;   // packets with a TCP or UDP header
    std::uint64_t port_sum = 0;    // sum of their source + destination ports
    bool operator==(const totals&) const = default;
};

totals pktdyn_decode(const std::string& path, pktdyn::decode_depth depth) {
    auto f = pktdyn::capture_file::open(path, {.access = pktdyn::access_mode::stream});
    pktdyn::bench::verify(f.has_value(), "pktdyn opens " + path);
    pktdyn::decoder dec{{.depth = depth}};
    pktdyn::decoded_packet d;
    totals t;
    while (auto p = f->next()) {
        dec.decode(*p, d);
        ++t.packets;
        if (d.has_transport && (d.transport == 6 || d.transport == 17)) {
            ++t.transport;
            t.port_sum += d.source_port + d.destination_port;
        }
    }
    return t;
}

// The walk a person writes in an afternoon: Ethernet, up to two VLAN tags, IPv4 (no fragments) or
// IPv6 (no extension headers), TCP or UDP ports.
totals libpcap_walk(const std::string& path) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* handle = pcap_open_offline(path.c_str(), err);
    pktdyn::bench::verify(handle != nullptr, "libpcap opens " + path);
    totals t;
    pcap_pkthdr* h;
    const u_char* b;
    while (pcap_next_ex(handle, &h, &b) == 1) {
        ++t.packets;
        const std::uint32_t n = h->caplen;
        pktdyn::bench::ethernet_walk l2;
        if (!l2.walk(b, n)) continue;
        const std::uint16_t type = l2.type;
        std::uint32_t at = l2.at;
        std::uint8_t protocol = 0;
        if (type == 0x0800 && at + 20 <= n && (b[at] >> 4) == 4) {
            const unsigned ihl = (b[at] & 0x0F) * 4u;
            const unsigned total = b[at + 2] << 8 | b[at + 3];
            if (ihl < 20 || total < ihl || (b[at + 6] & 0x1F) || b[at + 7]) continue;  // fragments: skip
            protocol = b[at + 9];
            at += ihl;
        } else if (type == 0x86DD && at + 40 <= n && (b[at] >> 4) == 6) {
            protocol = b[at + 6];
            at += 40;
        } else {
            continue;
        }
        if ((protocol == 6 || protocol == 17) && at + (protocol == 6 ? 20u : 8u) <= n) {
            ++t.transport;
            t.port_sum += (b[at] << 8 | b[at + 1]) + (b[at + 2] << 8 | b[at + 3]);
        }
    }
    pcap_close(handle);
    return t;
}

totals libtins_parse(const std::string& path) {
    Tins::FileSniffer sniffer(path);
    totals t;
    sniffer.sniff_loop([&](Tins::PDU& pdu) {
        ++t.packets;
        if (const auto* tcp = pdu.find_pdu<Tins::TCP>()) {
            ++t.transport;
            t.port_sum += tcp->sport() + tcp->dport();
        } else if (const auto* udp = pdu.find_pdu<Tins::UDP>()) {
            ++t.transport;
            t.port_sum += udp->sport() + udp->dport();
        }
        return true;
    });
    return t;
}

const std::string& big() {
    static const std::string path = [] {
        const std::string p = pktdyn::bench::capture("big.pcap").string();
        // The outer-header decode must equal the minimal walk, except where the walk is too simple:
        // it skips IPv6 extension headers and IPv4 fragments' headers the decoder reads. So compare
        // packet counts exactly, and the rest as at least what the walk finds.
        const totals outer = pktdyn_decode(p, pktdyn::decode_depth::transport), walk = libpcap_walk(p);
        pktdyn::bench::verify(outer.packets == walk.packets, "pktdyn and libpcap see the same packets");
        pktdyn::bench::verify(outer.transport >= walk.transport && outer.transport - walk.transport < walk.transport / 100,
                              "pktdyn finds the TCP/UDP headers the minimal walk finds (and at most 1% more)");
        return p;
    }();
    return path;
}

template <totals (*Run)(const std::string&)>
void run(benchmark::State& state) {
    pktdyn::bench::time_passes(state, big(), Run, [](const totals& t, benchmark::State& s) {
        s.counters["tcp_udp_packets"] = static_cast<double>(t.transport);
    });
}

totals pktdyn_full(const std::string& path) { return pktdyn_decode(path, pktdyn::decode_depth::full); }

}  // namespace

BENCHMARK(run<libpcap_walk>)->Name("dissect big.pcap/libpcap + minimal walk")->Unit(benchmark::kMillisecond)
    ->UseRealTime()->MinTime(2);
BENCHMARK(run<libtins_parse>)->Name("dissect big.pcap/libtins full PDU parse")->Unit(benchmark::kMillisecond)
    ->UseRealTime()->MinTime(2);
BENCHMARK(run<pktdyn_full>)->Name("dissect big.pcap/pktdyn read + decode to L4, all tunnels")
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

BENCHMARK_MAIN();
