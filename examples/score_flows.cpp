// pktdyn-score — scores every flow of captures with a saved model, as the flows end.
//
//   pktdyn-score --model MODEL.json|MODEL.txt [--output FILE.csv] [--threads N] FILE|DIR...
//
// The model is an XGBoost JSON file (pktdyn-gbdt --save, or Python's Booster.save_model) or a
// LightGBM text file, trained on the flow meter's standard features: it finds its features among
// the row's columns by name, wherever they are. Each flow's row is written as CSV: the flow record,
// the 190 standard features, then the model's outputs (p_0, p_1 for a binary classifier; p_<k> per
// class; prediction for a regression). Exit codes: 0 done, 1 an input or the output failed, 2 usage.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/capture/capture_set.hpp"
#include "pktdyn/export/csv.hpp"
#include "pktdyn/features/schema.hpp"
#include "pktdyn/models/lightgbm_text.hpp"
#include "pktdyn/models/xgboost_json.hpp"
#include "pktdyn/pipeline/pipeline.hpp"

namespace {

constexpr const char* usage = "usage: pktdyn-score --model MODEL.json|MODEL.txt [--output FILE.csv] [--threads N] FILE|DIR...\n";

pktdyn::result<pktdyn::forest> load_model(const std::filesystem::path& path) {
    return path.extension() == ".txt" ? pktdyn::load_lightgbm_text_file(path) : pktdyn::load_xgboost_json_file(path);
}

}  // namespace

int main(int argc, char** argv) {
    std::string model_path, output = "-";
    unsigned threads = 1;
    std::vector<std::filesystem::path> inputs;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--model" && has_value) model_path = argv[++i];
        else if (a == "--output" && has_value) output = argv[++i];
        else if (a == "--threads" && has_value) threads = static_cast<unsigned>(std::stoul(argv[++i]));
        else if (a.starts_with("--")) return std::fputs(usage, stderr), 2;
        else inputs.emplace_back(a);
    }
    if (model_path.empty() || inputs.empty()) return std::fputs(usage, stderr), 2;

    auto model = load_model(model_path);
    if (!model) return fmt::print(stderr, "pktdyn-score: {}\n", model.error().message()), 1;
    auto captures = pktdyn::capture_set::open(inputs);
    if (!captures) return fmt::print(stderr, "pktdyn-score: {}\n", captures.error().message()), 1;

    auto run = pktdyn::from(*captures) | pktdyn::track_flows() | pktdyn::extract<pktdyn::standard_features>() |
               pktdyn::score(pktdyn::forest_scorer(std::move(*model))) | pktdyn::to(pktdyn::csv_sink{output});
    const pktdyn::run_result r = run({.threads = threads});

    for (const auto& e : captures->errors()) fmt::print(stderr, "pktdyn-score: stopped early: {}\n", e.message());
    if (r.output_error) fmt::print(stderr, "pktdyn-score: {}\n", r.output_error->message());
    fmt::print(stderr, "pktdyn-score: {} packets, {} flows scored\n", r.packets, r.flows.flows);
    return r.output_error || !captures->errors().empty() ? 1 : 0;
}
