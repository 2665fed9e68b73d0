// Read + dissect + flow table (+ TCP tracker) on big.pcap: pktdyn with and without the TCP tracker,
// in the same run as the flow counter a person writes first: a libpcap loop, a minimal
// Ethernet/VLAN/IPv4/IPv6 walk and a std::unordered_map keyed by the bidirectional 5-tuple.
// Before timing, both must agree: every IP packet lands in exactly one pktdyn flow, and the
// counter's distinct 5-tuples are no more than pktdyn's flows (timeouts and tuple reuse only split).
#include <benchmark/benchmark.h>
#include <pcap/pcap.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>

#include "bench_support.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/features/schema.hpp"
#include "pktdyn/features/tracked_features.hpp"
#include "pktdyn/flow/flow_path.hpp"
#include "pktdyn/flow/tcp_tracker.hpp"
#include "pktdyn/pipeline/pipeline.hpp"
#include "pktdyn/proto/decoder.hpp"
#include "pktdyn/proto/fragments.hpp"

namespace {

struct totals {
    std::uint64_t packets = 0;
    std::uint64_t flow_packets = 0;  // packets counted in flows
    std::uint64_t flows = 0;
    std::uint64_t retransmissions = 0;
};

// The TCP tracker and pktdyn's standard features together (issue #5's full feature path).
using tracker_and_features = pktdyn::tracked_features<pktdyn::standard_features>;

template <class State>
totals pktdyn_flows(const std::string& path) {
    auto f = pktdyn::capture_file::open(path, {.access = pktdyn::access_mode::stream});
    pktdyn::bench::verify(f.has_value(), "pktdyn opens " + path);
    pktdyn::flow_path<State> flows;
    totals t;
    const auto on_end = [&](auto& e) {
        ++t.flows;
        t.flow_packets += e.record.dir[0].packets + e.record.dir[1].packets;
        if constexpr (requires { e.state.metrics; })
            t.retransmissions += e.state.metrics[0].retransmissions + e.state.metrics[1].retransmissions;
        if constexpr (requires { e.state.tcp.metrics; }) {
            t.retransmissions += e.state.tcp.metrics[0].retransmissions + e.state.tcp.metrics[1].retransmissions;
            std::array<double, pktdyn::standard_features::width> row;
            e.state.features.write(row);  // a feature row per flow, as a user would take it
            benchmark::DoNotOptimize(row);
        }
    };
    while (auto p = f->next()) (void)flows.push(*p, on_end);
    flows.flush(on_end);
    t.packets = flows.table().stats().packets;
    pktdyn::bench::verify(t.flow_packets == t.packets - flows.table().stats().not_ip, "every IP packet is in one flow");
    return t;
}

// The same path as the pipeline value (issue #14): from(file) | track_flows | extract<standard_features>,
// no sink (so no row is built), against the hand-wired flow_path above.
totals pktdyn_pipeline(const std::string& path) {
    auto f = pktdyn::capture_file::open(path, {.access = pktdyn::access_mode::stream});
    pktdyn::bench::verify(f.has_value(), "pktdyn opens " + path);
    auto run = pktdyn::from(*f) | pktdyn::track_flows() | pktdyn::extract<pktdyn::standard_features>();
    const pktdyn::run_result r = run();
    totals t;
    t.packets = r.packets;
    t.flows = r.flows.flows;
    t.flow_packets = r.flows.packets - r.flows.not_ip;
    return t;
}

// The floor under every flow variant: reading and decoding alone.
totals pktdyn_decode_only(const std::string& path) {
    auto f = pktdyn::capture_file::open(path, {.access = pktdyn::access_mode::stream});
    pktdyn::bench::verify(f.has_value(), "pktdyn opens " + path);
    pktdyn::decoder dec;
    pktdyn::decoded_packet d;
    totals t;
    while (auto p = f->next()) {
        dec.decode(*p, d);
        ++t.packets;
        t.flow_packets += d.has_transport;
    }
    return t;
}

// The counter: canonical bidirectional 5-tuple (addresses and ports ordered) → packets, bytes.
struct tuple {
    std::array<std::uint8_t, 16> a{}, b{};
    std::uint16_t port_a = 0, port_b = 0;
    std::uint8_t protocol = 0;
    bool operator==(const tuple&) const = default;
};
struct tuple_hash {
    std::size_t operator()(const tuple& k) const noexcept {
        std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the fields
        const auto mix = [&](const void* p, std::size_t n) {
            for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<const std::uint8_t*>(p)[i]) * 1099511628211ull;
        };
        mix(k.a.data(), 16);
        mix(k.b.data(), 16);
        mix(&k.port_a, 2);
        mix(&k.port_b, 2);
        mix(&k.protocol, 1);
        return h;
    }
};
struct counts {
    std::uint64_t packets = 0, bytes = 0;
};

totals unordered_map_counter(const std::string& path) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* handle = pcap_open_offline(path.c_str(), err);
    pktdyn::bench::verify(handle != nullptr, "libpcap opens " + path);
    std::unordered_map<tuple, counts, tuple_hash> flows;
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
        tuple k;
        std::uint32_t length = 0;
        bool fragment = false;
        if (type == 0x0800 && at + 20 <= n && (b[at] >> 4) == 4) {
            const unsigned ihl = (b[at] & 0x0F) * 4u;
            length = b[at + 2] << 8 | b[at + 3];
            fragment = (b[at + 6] & 0x1F) || b[at + 7];
            k.protocol = b[at + 9];
            std::memcpy(k.a.data(), b + at + 12, 4);
            std::memcpy(k.b.data(), b + at + 16, 4);
            at += ihl;
        } else if (type == 0x86DD && at + 40 <= n && (b[at] >> 4) == 6) {
            length = 40u + (b[at + 4] << 8 | b[at + 5]);
            k.protocol = b[at + 6];
            std::memcpy(k.a.data(), b + at + 8, 16);
            std::memcpy(k.b.data(), b + at + 24, 16);
            at += 40;
        } else {
            continue;
        }
        if (!fragment && (k.protocol == 6 || k.protocol == 17) && at + 4 <= n) {
            k.port_a = static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
            k.port_b = static_cast<std::uint16_t>(b[at + 2] << 8 | b[at + 3]);
        }
        if (std::tie(k.b, k.port_b) < std::tie(k.a, k.port_a)) {
            std::swap(k.a, k.b);
            std::swap(k.port_a, k.port_b);
        }
        counts& c = flows[k];
        ++c.packets;
        c.bytes += length;
        ++t.flow_packets;
    }
    pcap_close(handle);
    t.flows = flows.size();
    return t;
}

const std::string& big() {
    static const std::string path = [] {
        const std::string p = pktdyn::bench::capture("big.pcap").string();
        const totals ours = pktdyn_flows<pktdyn::tcp_tracker>(p), counter = unordered_map_counter(p);
        pktdyn::bench::verify(ours.packets == counter.packets, "pktdyn and libpcap see the same packets");
        pktdyn::bench::verify(ours.flows >= counter.flows, "pktdyn's flows split the counter's 5-tuples, never merge them");
        pktdyn::bench::verify(ours.flow_packets >= counter.flow_packets, "pktdyn puts at least the counter's IP packets in flows");
        return p;
    }();
    return path;
}

template <totals (*Run)(const std::string&)>
void run(benchmark::State& state) {
    pktdyn::bench::time_passes(state, big(), Run, [](const totals& t, benchmark::State& s) {
        s.counters["flows"] = static_cast<double>(t.flows);
        s.counters["retransmissions"] = static_cast<double>(t.retransmissions);
    });
}

}  // namespace

BENCHMARK(run<unordered_map_counter>)->Name("flows big.pcap/libpcap + walk + unordered_map 5-tuple counter")
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);
BENCHMARK(run<pktdyn_decode_only>)->Name("flows big.pcap/pktdyn read + decode (no flows: the floor)")
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);
BENCHMARK(run<pktdyn_flows<pktdyn::no_state>>)->Name("flows big.pcap/pktdyn read + decode + flow table")
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);
BENCHMARK(run<pktdyn_flows<pktdyn::tcp_tracker>>)->Name("flows big.pcap/pktdyn read + decode + flow table + TCP tracker")
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

BENCHMARK(run<pktdyn_flows<tracker_and_features>>)
    ->Name("flows big.pcap/pktdyn read + decode + flow table + TCP tracker + standard features")
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

BENCHMARK(run<pktdyn_pipeline>)
    ->Name("flows big.pcap/pipeline: from | track_flows | extract<standard_features> (no sink)")
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

BENCHMARK_MAIN();
