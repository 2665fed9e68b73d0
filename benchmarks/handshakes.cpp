// Handshake metadata on tls.pcap (216 captures with TLS ClientHellos, 8 copies): pktdyn's flow path
// with the TCP tracker alone and with handshake_metadata (TLS, DTLS, QUIC, SSH, DNS; a feature row
// and its text values written per flow, as a user takes them), and nDPI's ndpiReader on the same file
// in the same run. Before timing: both pktdyn variants see the same flows, and handshakes are found
// in every copy alike (the server names found are a multiple of the 8 copies, and there are some).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bench_support.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/features/handshakes.hpp"
#include "pktdyn/flow/flow_path.hpp"
#include "pktdyn/flow/tcp_tracker.hpp"

namespace {

struct with_handshakes {
    pktdyn::tcp_tracker tcp;
    pktdyn::handshake_metadata handshakes;
    void update(const pktdyn::decoded_packet& d, pktdyn::timestamp now, bool from_originator) noexcept {
        tcp.update(d, now, from_originator);
        handshakes.update(pktdyn::flow_packet::from(d, now, from_originator));
    }
    [[nodiscard]] bool starts_new_flow(const pktdyn::decoded_packet& d, bool from_originator) const noexcept {
        return tcp.starts_new_flow(d, from_originator);
    }
};

constexpr std::size_t column(std::string_view name) {
    for (std::size_t i = 0; i < pktdyn::handshake_metadata::text_features.size(); ++i)
        if (pktdyn::handshake_metadata::text_features[i].column() == name) return i;
    return 0;
}

struct totals {
    std::uint64_t flows = 0, server_names = 0, fingerprints = 0;
};

template <class State>
totals run_flows(const std::string& path) {
    auto f = pktdyn::capture_file::open(path, {.access = pktdyn::access_mode::stream});
    pktdyn::bench::verify(f.has_value(), "pktdyn opens " + path);
    pktdyn::detail::handshakes::certificate_cache::local().clear();  // each run decodes its certificates afresh
    pktdyn::flow_path<State> flows;
    totals t;
    std::array<double, pktdyn::handshake_metadata::features.size()> row{};
    std::array<std::string, pktdyn::handshake_metadata::text_features.size()> text{};
    const auto on_end = [&](auto& e) {
        ++t.flows;
        if constexpr (requires { e.state.handshakes; }) {
            e.state.handshakes.write(row);
            e.state.handshakes.write_text(text);
            t.server_names += !text[column("server_name")].empty();
            t.fingerprints += !text[column("ja3")].empty() || !text[column("hassh")].empty();
            benchmark::DoNotOptimize(row);
        }
    };
    while (auto p = f->next()) (void)flows.push(*p, on_end);
    flows.flush(on_end);
    return t;
}

const std::string& tls_capture() {
    static const std::string path = [] {
        const std::string p = pktdyn::bench::capture("tls.pcap").string();
        const totals off = run_flows<pktdyn::tcp_tracker>(p), on = run_flows<with_handshakes>(p);
        pktdyn::bench::verify(on.flows == off.flows, "handshake metadata does not change the flows");
        pktdyn::bench::verify(on.server_names > 0 && on.server_names % 8 == 0, "server names found alike in the 8 copies");
        pktdyn::bench::verify(on.fingerprints >= on.server_names / 2, "fingerprints found");
        return p;
    }();
    return path;
}

template <class State>
void flows_bench(benchmark::State& state) {
    const std::string& path = tls_capture();
    totals t;
    for (auto _ : state) t = run_flows<State>(path);
    state.counters["flows"] = static_cast<double>(t.flows);
    state.counters["server_names"] = static_cast<double>(t.server_names);
}

// nDPI 4.2 (Debian's libndpi-bin) on the same file: flows, DPI, TLS/QUIC metadata and JA3, one thread.
void ndpi_reader(benchmark::State& state) {
    const std::string command = "ndpiReader -n 1 -q -i '" + tls_capture() + "' > /dev/null 2>&1";
    if (std::system("command -v ndpiReader > /dev/null") != 0) {
        state.SkipWithError("ndpiReader not installed (scripts/setup-deps.sh --peers)");
        return;
    }
    for (auto _ : state) pktdyn::bench::verify(std::system(command.c_str()) == 0, "ndpiReader runs");
}

}  // namespace

BENCHMARK(flows_bench<pktdyn::tcp_tracker>)->Name("handshakes tls.pcap/pktdyn flows + TCP tracker (handshakes off)")
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(flows_bench<with_handshakes>)->Name("handshakes tls.pcap/pktdyn flows + TCP tracker + handshake metadata")
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(ndpi_reader)->Name("handshakes tls.pcap/nDPI ndpiReader -n 1 (whole process)")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_MAIN();
