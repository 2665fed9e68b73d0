// Tree-ensemble inference (issue #7): pktdyn's forest on XGBoost models, in the same run as
// python3-xgboost's inplace_predict with one thread on the same models and rows
// (benchmarks/xgboost_peer.py makes both and writes XGBoost's figures; benchmarks/run.sh runs it
// first). Before timing, pktdyn's margins must equal XGBoost's on every row.
//
// Models: binary:logistic, 200 trees of depth 6 on 40 flow-like features; multi:softprob with 10
// classes (600 trees of depth 6). Rows: 100,000. Data in PKTDYN_BENCH_MODELS (default
// /tmp/pktdyn-bench/models).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "pktdyn/models/gbdt_train.hpp"
#include "pktdyn/models/xgboost_json.hpp"

namespace {

std::filesystem::path models_dir() {
    const char* dir = std::getenv("PKTDYN_BENCH_MODELS");
    return dir && *dir ? dir : "/tmp/pktdyn-bench/models";
}

template <class T>
std::vector<T> read_raw(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    pktdyn::bench::verify(in.good(), "reads " + p.string() + " (run benchmarks/xgboost_peer.py)");
    std::vector<T> v(std::filesystem::file_size(p) / sizeof(T));
    in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(T)));
    return v;
}

// XGBoost's figure for `key` from the peer script's run, 0 if absent.
double xgboost_figure(const std::string& key) {
    std::ifstream in(models_dir() / "xgboost_times.txt");
    std::string k;
    double v = 0;
    while (in >> k)
        if (k == key && in >> v) return v;
    return 0;
}

constexpr std::size_t features = 40;

struct fixture {
    pktdyn::forest model;
    std::vector<double> rows;
    std::size_t n = 0;
};

const fixture& load(const std::string& name) {
    static std::map<std::string, fixture> cache;
    if (auto it = cache.find(name); it != cache.end()) return it->second;
    auto m = pktdyn::load_xgboost_json_file(models_dir() / (name + ".json"));
    pktdyn::bench::verify(m.has_value(), m ? name : m.error().message());
    fixture f{std::move(*m), read_raw<double>(models_dir() / "rows.f64"), 0};
    f.n = f.rows.size() / features;
    // Check before timing: margins equal to XGBoost's on every row.
    const auto expected = read_raw<float>(models_dir() / (name + ".margin.f32"));
    std::vector<double> margins(f.n * f.model.num_outputs());
    f.model.predict_margin(pktdyn::dense_rows{f.rows, features}, margins);
    pktdyn::bench::verify(expected.size() == margins.size(), name + ": as many margins as XGBoost's");
    double worst = 0;
    for (std::size_t i = 0; i < margins.size(); ++i) worst = std::max(worst, std::fabs(margins[i] - expected[i]));
    pktdyn::bench::verify(worst <= 1e-5, name + ": margins equal XGBoost's");
    return cache.emplace(name, std::move(f)).first->second;
}

void report_against_xgboost(benchmark::State& state, const std::string& name, std::size_t rows) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows));
    const double peer = xgboost_figure(name + "_predict_rows_per_second");
    if (peer > 0) state.counters["xgboost_1thread_rows/s"] = peer;
}

void batch(benchmark::State& state, const std::string& name) {
    const fixture& f = load(name);
    std::vector<double> out(f.n * f.model.num_outputs());
    for (auto _ : state) {
        f.model.predict(pktdyn::dense_rows{f.rows, features}, out);
        benchmark::DoNotOptimize(out.data());
    }
    report_against_xgboost(state, name, f.n);
}

void one_row_at_a_time(benchmark::State& state, const std::string& name) {
    const fixture& f = load(name);
    std::vector<double> out(f.model.num_outputs());
    for (auto _ : state) {
        for (std::size_t r = 0; r < f.n; ++r) {
            f.model.predict(std::span(f.rows).subspan(r * features, features), out);
            benchmark::DoNotOptimize(out.data());
        }
    }
    report_against_xgboost(state, name, f.n);
}

// Training with XGBoost hist's parameters in xgboost_peer.py (200 rounds, depth 6, eta 0.1, 256
// bins) on its 100,000 × 40 training rows, binning included, with 2 threads as XGBoost has.
void train(benchmark::State& state) {
    const auto x = read_raw<double>(models_dir() / "train.f64");
    const auto y = read_raw<double>(models_dir() / "train_labels.f64");
    const pktdyn::dense_rows rows{x, features};
    pktdyn::gbdt_params p;
    p.rounds = 200;
    p.max_depth = 6;
    p.learning_rate = 0.1;
    p.threads = static_cast<unsigned>(state.range(0));
    std::size_t trees = 0;
    for (auto _ : state) {
        auto model = pktdyn::train_gbdt(rows, y, p);
        pktdyn::bench::verify(model.has_value(), "training succeeds");
        trees = model->trees.size();
        benchmark::DoNotOptimize(model->trees.data());
    }
    pktdyn::bench::verify(trees == 200, "200 trees");
    const double peer = xgboost_figure(fmt::format("train_seconds_{}_threads", state.range(0)));
    if (peer > 0) state.counters["xgboost_hist_seconds"] = peer;
}

}  // namespace

BENCHMARK(train)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(2);
BENCHMARK_CAPTURE(batch, binary 200 trees depth 6, std::string("binary"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(one_row_at_a_time, binary 200 trees depth 6, std::string("binary"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(batch, 10 classes 600 trees depth 6, std::string("multiclass"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(one_row_at_a_time, 10 classes 600 trees depth 6, std::string("multiclass"))->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
