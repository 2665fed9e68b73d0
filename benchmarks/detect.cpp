// Baselines and detections on big.pcap (issue #15): what they add to the flow path, and what they
// hold per tracked host. Whole pipelines on one thread, in the same run:
//   flows            from | track_flows | a sink that takes no rows     (the flow path)
//   + evidence       ... | extract<login_outcomes, dns_activity>       (what detectors read inside flows)
//   + detection      ... | to(detection_sink): every detector and baseline on every flow's facts
//   + server names   ... | extract<..., tls_meta>: pktdyn-detect's whole path (new-SaaS needs names)
// One thread by default; PKTDYN_BENCH_THREADS=N runs each pipeline sharded (detection then runs on
// the writer thread, beside the reader and the shards). Before timing: the detection run raises alerts (big.pcap holds the corpus's attacks 15 times) and
// sees every flow of the flow path. The flood: a million source hosts, one flow each, through the
// detector set; the host profiles hold their cap and count every eviction, and the heap per tracked
// host is measured (mallinfo2) against the 2 KiB budget.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/export/detection_sink.hpp"
#include "pktdyn/features/evidence.hpp"
#include "pktdyn/features/handshakes.hpp"
#include "pktdyn/pipeline/pipeline.hpp"

namespace {

struct no_rows {  // the flow path alone: rows are never built
    pktdyn::result<void> begin(const pktdyn::schema&) { return {}; }
    void consume(std::span<const pktdyn::value>) {}
    pktdyn::result<void> finish() { return {}; }
    [[nodiscard]] bool wants_rows() const noexcept { return false; }
};

struct counted_alerts {
    std::uint64_t* count;
    pktdyn::result<void> begin() { return {}; }
    void consume(const pktdyn::alert&) { ++*count; }
    pktdyn::result<void> finish() { return {}; }
};

// Bytes malloc has handed out: from its arenas and, for large blocks, from mmap (a table's array of
// a few MiB is mmapped or not depending on what was freed before: count both).
std::size_t heap_in_use() {
    const auto m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

unsigned bench_threads() {
    const char* t = std::getenv("PKTDYN_BENCH_THREADS");
    return t ? static_cast<unsigned>(std::atoi(t)) : 1u;
}

enum class variant { flows, evidence, detection, server_names };

struct totals {
    std::uint64_t packets = 0, flows = 0, alerts = 0;
};

totals pass(const std::string& path, variant v) {
    const pktdyn::detector_config defaults;
    auto f = pktdyn::capture_file::open(path, {.access = pktdyn::access_mode::stream});
    pktdyn::bench::verify(f.has_value(), "pktdyn opens " + path);
    totals t;
    const auto done = [&](const pktdyn::run_result& r) {
        t.packets = r.packets;
        t.flows = r.flows.flows;
    };
    switch (v) {
        case variant::flows: done((pktdyn::from(*f) | pktdyn::track_flows({}) | pktdyn::to(no_rows{}))({.threads = bench_threads()})); break;
        case variant::evidence:
            done((pktdyn::from(*f) | pktdyn::track_flows({}) | pktdyn::extract<pktdyn::login_outcomes, pktdyn::dns_activity>() |
                  pktdyn::to(no_rows{}))({.threads = bench_threads()}));
            break;
        case variant::detection:
            done((pktdyn::from(*f) | pktdyn::track_flows({}) | pktdyn::extract<pktdyn::login_outcomes, pktdyn::dns_activity>() |
                  pktdyn::to(pktdyn::detection_sink(defaults, counted_alerts{&t.alerts})))({.threads = bench_threads()}));
            break;
        case variant::server_names:
            done((pktdyn::from(*f) | pktdyn::track_flows({}) |
                  pktdyn::extract<pktdyn::login_outcomes, pktdyn::dns_activity, pktdyn::tls_meta>() |
                  pktdyn::to(pktdyn::detection_sink(defaults, counted_alerts{&t.alerts})))({.threads = bench_threads()}));
            break;
    }
    return t;
}

void check_once() {
    static bool checked = false;
    if (checked) return;
    checked = true;
    const std::string path = pktdyn::bench::capture("big.pcap").string();
    const totals flows = pass(path, variant::flows), detection = pass(path, variant::detection);
    pktdyn::bench::verify(flows.flows > 0 && flows.flows == detection.flows, "detection sees every flow of the flow path");
    pktdyn::bench::verify(detection.alerts > 0, "big.pcap's attacks raise alerts");
}

void pipeline_bench(benchmark::State& state, variant v) {
    check_once();
    const std::string path = pktdyn::bench::capture("big.pcap").string();
    totals t;
    for (auto _ : state) {
        t = pass(path, v);
        benchmark::DoNotOptimize(t);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * t.packets));
    state.counters["flows"] = static_cast<double>(t.flows);
    state.counters["alerts"] = static_cast<double>(t.alerts);
}

// The detectors alone: big.pcap's flow facts (server names included) read once by a pipeline and
// kept, then given to a fresh detector set each iteration, so the figure is the detectors' own
// cost per flow, without the flow path's noise around it.
struct kept_facts {
    std::vector<pktdyn::kept_flow_facts>* out;
    pktdyn::result<void> begin(const pktdyn::schema&) { return {}; }
    void consume(std::span<const pktdyn::value>) {}
    pktdyn::result<void> finish() { return {}; }
    [[nodiscard]] bool wants_rows() const noexcept { return false; }
    void observe(const pktdyn::flow_facts& f) { out->emplace_back().assign(f); }
};

void detectors_alone(benchmark::State& state) {
    static std::vector<pktdyn::kept_flow_facts> facts;
    if (facts.empty()) {
        auto f = pktdyn::capture_file::open(pktdyn::bench::capture("big.pcap").string(), {.access = pktdyn::access_mode::stream});
        pktdyn::bench::verify(f.has_value(), "pktdyn opens big.pcap");
        (void)(pktdyn::from(*f) | pktdyn::track_flows({}) | pktdyn::extract<pktdyn::login_outcomes, pktdyn::dns_activity, pktdyn::tls_meta>() |
               pktdyn::to(kept_facts{&facts}))();
    }
    std::size_t alerts = 0;
    for (auto _ : state) {
        pktdyn::detector_set d;
        std::vector<pktdyn::alert> out;
        for (const auto& k : facts) d.observe(k.get(), out);
        d.finish(out);
        alerts = out.size();
        benchmark::DoNotOptimize(out.data());
    }
    pktdyn::bench::verify(alerts > 0, "big.pcap's attacks raise alerts");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * facts.size()));
    state.counters["flows"] = static_cast<double>(facts.size());
    state.counters["alerts"] = static_cast<double>(alerts);
    state.counters["ns_per_flow"] = benchmark::Counter(static_cast<double>(facts.size()), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// A million source hosts, each with one flow to its own peer: the host profiles keep their cap.
void host_flood(benchmark::State& state) {
    const auto hosts = static_cast<std::uint32_t>(state.range(0));
    for (auto _ : state) {
        pktdyn::detector_set d;
        std::vector<pktdyn::alert> out;
        const std::size_t heap_before = heap_in_use();
        pktdyn::flow_facts f;
        f.protocol = 6;
        f.history = "ShADadFf";
        f.orig_packets = f.resp_packets = 5;
        f.orig_bytes = f.resp_bytes = 1500;
        for (std::uint32_t i = 0; i < hosts; ++i) {
            f.originator = pktdyn::ip_address::v4(10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                                                  static_cast<std::uint8_t>(i));
            f.responder = pktdyn::ip_address::v4(203, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i));
            f.originator_port = 40000;
            f.responder_port = 443;
            f.first = f.last = pktdyn::timestamp{std::chrono::seconds(1'700'000'000 + i / 1000)};
            d.observe(f, out);
            out.clear();
        }
        const std::size_t heap = heap_in_use() - heap_before;
        const auto& profiles = d.bands().hosts();
        pktdyn::bench::verify(profiles.size() == std::min<std::size_t>(hosts, profiles.options().capacity), "the host profiles hold their cap");
        pktdyn::bench::verify(profiles.evictions() == hosts - profiles.size(), "every eviction is counted");
        const double tracked = static_cast<double>(profiles.size());
        state.counters["hosts_tracked"] = tracked;
        state.counters["host_evictions"] = static_cast<double>(profiles.evictions());
        state.counters["heap_MiB"] = static_cast<double>(heap) / (1 << 20);
        // Everything the detector set holds that grows with hosts (profiles of hosts, pairs and
        // services, scan and guessing windows), per tracked host; the fixed first-seen tables are not.
        state.counters["heap_bytes_per_host"] = static_cast<double>(heap) / tracked;
        state.counters["profile_bytes_per_key"] = static_cast<double>(profiles.bytes_per_key());
    }
}

}  // namespace

BENCHMARK_CAPTURE(pipeline_bench, flows, variant::flows)->Name("detect big.pcap/flows (the flow path)")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(pipeline_bench, evidence, variant::evidence)->Name("detect big.pcap/+ evidence accumulators")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(pipeline_bench, detection, variant::detection)->Name("detect big.pcap/+ every detector and baseline")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(pipeline_bench, names, variant::server_names)->Name("detect big.pcap/+ server names (pktdyn-detect's path)")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(detectors_alone)->Name("detect big.pcap/the detectors alone (facts read beforehand)")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(host_flood)->Name("detect/flood of source hosts")->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_MAIN();
