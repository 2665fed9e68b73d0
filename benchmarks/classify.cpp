// Classification, posture and suspicious TLS on big.pcap (issue #16): what scoring every flow at its
// end adds to the feature path they read, and how long the shipped models take to load. Whole
// pipelines, in the same run:
//   features     from | track_flows | resolve_names | extract<handshake_metadata, flow_shape,
//                cleartext_evidence> | a sink taking every row (rows built, nothing formatted)
//   + classify   ... | score(app_classifier: the text models, category and application)
//   + early      the same with the early verdicts (the category model three more times a flow)
//   + all three  ... | score(classifier) | score(encryption_posture) | score(suspicious_tls)
// One thread by default; PKTDYN_BENCH_THREADS=N shards each. Before timing: the scored run sees
// every flow of the feature path and names an application for some of them. Model loads: both text
// models (what pktdyn-classify loads), from the files in data/models.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "bench_support.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/detect/posture.hpp"
#include "pktdyn/detect/suspicious_tls.hpp"
#include "pktdyn/features/cleartext.hpp"
#include "pktdyn/features/flow_shape.hpp"
#include "pktdyn/features/handshakes.hpp"
#include "pktdyn/models/app_classifier.hpp"
#include "pktdyn/pipeline/pipeline.hpp"

#ifndef PKTDYN_MODEL_DIR
#define PKTDYN_MODEL_DIR "data/models"
#endif

namespace {

unsigned bench_threads() {
    const char* t = std::getenv("PKTDYN_BENCH_THREADS");
    return t ? static_cast<unsigned>(std::atoi(t)) : 1u;
}

struct totals {
    std::uint64_t packets = 0, flows = 0, rows = 0, named = 0;
};

// Takes every row; counts those with an application named.
struct row_counter {
    totals* t;
    std::size_t name = 0;
    pktdyn::result<void> begin(const pktdyn::schema& s) {
        name = s.find("app_name");
        return {};
    }
    void consume(std::span<const pktdyn::value> row) {
        ++t->rows;
        if (name < row.size() && row[name].type == pktdyn::value::kind::text && row[name].s != "unknown") ++t->named;
    }
    pktdyn::result<void> finish() { return {}; }
};

enum class variant { features, classify, classify_early, all };

const pktdyn::app_classifier& models(bool early = false) {
    const auto load = [](bool e) {
        auto loaded = pktdyn::app_classifier::load_shipped(PKTDYN_MODEL_DIR, true, e);
        pktdyn::bench::verify(loaded.has_value(), "the shipped models load from " PKTDYN_MODEL_DIR);
        return std::move(*loaded);
    };
    static const pktdyn::app_classifier plain = load(false), with_early = load(true);
    return early ? with_early : plain;
}

totals pass(const std::string& path, variant v) {
    auto f = pktdyn::capture_file::open(path, {.access = pktdyn::access_mode::stream});
    pktdyn::bench::verify(f.has_value(), "pktdyn opens " + path);
    totals t;
    auto features = pktdyn::from(*f) | pktdyn::track_flows({}) | pktdyn::resolve_names() |
                    pktdyn::extract<pktdyn::handshake_metadata, pktdyn::flow_shape, pktdyn::cleartext_evidence>();
    pktdyn::run_result r;
    switch (v) {
        case variant::features: r = (std::move(features) | pktdyn::to(row_counter{&t}))({.threads = bench_threads()}); break;
        case variant::classify:
            r = (std::move(features) | pktdyn::score(models()) | pktdyn::to(row_counter{&t}))({.threads = bench_threads()});
            break;
        case variant::classify_early:
            r = (std::move(features) | pktdyn::score(models(true)) | pktdyn::to(row_counter{&t}))({.threads = bench_threads()});
            break;
        case variant::all:
            r = (std::move(features) | pktdyn::score(models()) | pktdyn::score(pktdyn::encryption_posture{}) |
                 pktdyn::score(pktdyn::suspicious_tls{}) | pktdyn::to(row_counter{&t}))({.threads = bench_threads()});
            break;
    }
    pktdyn::bench::verify(r.ok(), "the run ends without an error");
    t.packets = r.packets;
    t.flows = r.flows.flows;
    return t;
}

void check_once() {
    static bool checked = false;
    if (checked) return;
    checked = true;
    const std::string path = pktdyn::bench::capture("big.pcap").string();
    const totals plain = pass(path, variant::features), scored = pass(path, variant::all);
    pktdyn::bench::verify(plain.rows > 0 && plain.rows == scored.rows, "the scored run gives every flow of the feature path a row");
    pktdyn::bench::verify(scored.named > 0, "the classifier names applications on big.pcap");
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
    state.counters["named"] = static_cast<double>(t.named);
}

void model_load(benchmark::State& state, const char* file) {
    for (auto _ : state) {
        auto m = pktdyn::app_model::load(std::string(PKTDYN_MODEL_DIR) + "/" + file);
        pktdyn::bench::verify(m.has_value(), std::string("the shipped model loads: ") + file);
        benchmark::DoNotOptimize(m);
    }
}

}  // namespace

BENCHMARK_CAPTURE(pipeline_bench, features_big, variant::features)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(pipeline_bench, classify_big, variant::classify)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(pipeline_bench, classify_early_big, variant::classify_early)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(pipeline_bench, all_three_big, variant::all)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(model_load, category_text, "app_category_text.json")->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK_CAPTURE(model_load, category_behaviour, "app_category_behaviour.json")->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK_CAPTURE(model_load, name_text, "app_name_text.json")->Unit(benchmark::kMillisecond)->Iterations(5);

BENCHMARK_MAIN();
