#include "pktdyn/models/xgboost_json.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <fmt/format.h>

#include "models/reference_data.hpp"

using pktdyn::test::read_numbers;

namespace {

// Largest |a - b| over two equally shaped tables; NaN only where both are NaN.
double worst_difference(const std::vector<double>& a, const std::vector<double>& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::isnan(a[i]) && std::isnan(b[i])) continue;
        const double d = std::fabs(a[i] - b[i]);
        worst = std::isnan(d) ? INFINITY : std::max(worst, d);
    }
    return worst;
}

}  // namespace

TEST_CASE("XGBoost JSON models predict as python3-xgboost does, row by row and in blocks", "[models][xgboost]") {
    const auto dir = pktdyn::test::xgboost_reference_dir();
    if (!std::filesystem::exists(dir / "manifest.txt")) {
        WARN("no XGBoost reference in " << dir.string() << " (run scripts/xgboost_reference.py --out DIR): skipped");
        return;
    }
    auto cases = pktdyn::test::read_lines(dir / "manifest.txt");
    INFO("reference from " << cases.front());
    cases.erase(cases.begin());
    REQUIRE(cases.size() >= 12);
    for (const std::string& name : cases) {
        SECTION(name) {
            auto model = pktdyn::load_xgboost_json_file(dir / (name + ".json"));
            INFO((model ? "" : model.error().message()));
            REQUIRE(model);
            const auto inputs = read_numbers(dir / (name + ".inputs.csv"));
            const auto margins = read_numbers(dir / (name + ".margin.csv"));
            const auto preds = read_numbers(dir / (name + ".pred.csv"));
            const std::size_t k = model->num_outputs();
            REQUIRE(inputs.width == model->num_features());
            REQUIRE(margins.width == k);
            REQUIRE(margins.rows() == inputs.rows());

            // One row at a time.
            std::vector<double> margin(inputs.rows() * k), pred(inputs.rows() * k);
            for (std::size_t r = 0; r < inputs.rows(); ++r) {
                const std::span<const double> row(inputs.values.data() + r * inputs.width, inputs.width);
                model->predict_margin(row, std::span(margin).subspan(r * k, k));
                model->predict(row, std::span(pred).subspan(r * k, k));
            }
            // A batch: the same numbers, bit for bit.
            std::vector<double> batch_margin(margin.size()), batch_pred(pred.size());
            const pktdyn::dense_rows rows{inputs.values, inputs.width};
            model->predict_margin(rows, batch_margin);
            model->predict(rows, batch_pred);
            CHECK(worst_difference(margin, batch_margin) == 0);
            CHECK(worst_difference(pred, batch_pred) == 0);

            const double margin_error = worst_difference(margin, margins.values);
            INFO(name << ": " << inputs.rows() << " rows, worst |Δ margin| " << margin_error);
            CHECK(margin_error <= 1e-5);
            if (name == "softmax") {  // XGBoost returns the class; pktdyn the probabilities
                for (std::size_t r = 0; r < inputs.rows(); ++r) {
                    const auto* p = pred.data() + r * k;
                    CHECK(static_cast<double>(std::max_element(p, p + k) - p) == preds.at(r, 0));
                }
            } else {
                const double pred_error = worst_difference(pred, preds.values);
                INFO("worst |Δ prediction| " << pred_error);
                CHECK(pred_error <= 1e-6);
            }
        }
    }
}

namespace {
// A two-split binary:logistic model as XGBoost 1.7 writes it (trimmed to the members pktdyn reads).
const std::string small_model = R"({"learner": {"attributes": {}, "feature_names": ["bytes", "packets"], "feature_types": [],
 "gradient_booster": {"model": {"gbtree_model_param": {"num_parallel_tree": "1", "num_trees": "1"}, "tree_info": [0],
  "trees": [{"base_weights": [0, 0, 0, 0, 0], "default_left": [1, 0, 0, 0, 0], "id": 0,
    "left_children": [1, -1, 3, -1, -1], "right_children": [2, -1, 4, -1, -1],
    "split_conditions": [1.5E2, -4E-1, 3E0, 1E-1, 7E-1], "split_indices": [0, 0, 1, 0, 0], "split_type": [0, 0, 0, 0, 0],
    "categories": [], "categories_nodes": [], "categories_segments": [], "categories_sizes": [],
    "tree_param": {"num_deleted": "0", "num_feature": "2", "num_nodes": "5", "size_leaf_vector": "0"}}]},
  "name": "gbtree"},
 "learner_model_param": {"base_score": "5E-1", "boost_from_average": "1", "num_class": "0", "num_feature": "2", "num_target": "1"},
 "objective": {"name": "binary:logistic", "reg_loss_param": {"scale_pos_weight": "1"}}}, "version": [1, 7, 4]})";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}
}  // namespace

TEST_CASE("a small XGBoost model: float32 thresholds, default_left, base_score as a margin", "[models][xgboost_json]") {
    auto model = pktdyn::load_xgboost_json(small_model);
    REQUIRE(model);
    CHECK(model->num_features() == 2);
    CHECK(model->feature_names() == std::vector<std::string>{"bytes", "packets"});
    double m = 0;
    auto margin = [&](double bytes, double packets) {
        const double row[] = {bytes, packets};
        model->predict_margin(row, std::span(&m, 1));
        return m;
    };
    CHECK(margin(149, 0) == Approx(-0.4));
    CHECK(margin(150, 2) == Approx(0.1));
    CHECK(margin(150, 3) == Approx(0.7));
    CHECK(margin(149.999997, 3) == Approx(0.7));  // rounds to 150.0f, which is not < 150
    CHECK(margin(149.99999, 3) == Approx(-0.4));  // rounds to 149.999985f
    CHECK(margin(NAN, 3) == Approx(-0.4));       // default_left at the root
    CHECK(margin(200, NAN) == Approx(0.7));      // default right at node 2
    double p = 0;
    const double row[] = {200, 5};
    model->predict(row, std::span(&p, 1));
    CHECK(p == Approx(1 / (1 + std::exp(-0.7))));
}

TEST_CASE("base_score as XGBoost 2 writes it, one value or one per class", "[models][xgboost_json]") {
    auto model = pktdyn::load_xgboost_json(replaced(small_model, R"("base_score": "5E-1")", R"("base_score": "[2E-1]")"));
    REQUIRE(model);
    CHECK(model->base_margin()[0] == Approx(std::log(0.2 / 0.8)));
}

TEST_CASE("malformed or unsupported XGBoost models are refused with what is wrong", "[models][xgboost_json]") {
    struct bad {
        std::string from, to, message;
    };
    const bad cases[] = {
        {R"("learner": {)", R"("learnr": {)", "the document has no 'learner'"},
        {R"("binary:logistic")", R"("rank:pairwise")", "objective 'rank:pairwise' is not supported"},
        {R"("name": "gbtree")", R"("name": "dart")", "booster 'dart' is not supported"},
        {R"("num_target": "1")", R"("num_target": "2")", "multi-target models are not supported"},
        {R"("left_children": [1, -1, 3, -1, -1])", R"("left_children": [1, -1, 3, -1])", "node arrays of different lengths"},
        {R"("left_children": [1, -1, 3, -1, -1])", R"("left_children": [1, -1, 9, -1, -1])", "is not a node of the tree"},
        {R"("left_children": [1, -1, 3, -1, -1])", R"("left_children": [1, -1, 0, -1, -1])", "node 0 is reached twice"},
        {R"("split_indices": [0, 0, 1, 0, 0])", R"("split_indices": [0, 0, 2, 0, 0])", "split feature 2 is not one of the 2 features"},
        {R"("split_indices": [0, 0, 1, 0, 0])", R"("split_indices": [0, 0, 0.5, 0, 0])", "split feature 0.5"},
        {R"("split_type": [0, 0, 0, 0, 0])", R"("split_type": [0, 0, 1, 0, 0])", "node 2 is categorical but"},
        {R"("split_type": [0, 0, 0, 0, 0])", R"("split_type": [0, 0, 2, 0, 0])", "split_type 2"},
        {R"("categories_nodes": [])", R"("categories_nodes": [0])", "categories_nodes, _segments and _sizes differ"},
        {R"("tree_info": [0])", R"("tree_info": [1])", "tree 0 belongs to output 1 of 1"},
        {R"("tree_info": [0])", R"("tree_info": [])", "tree_info has 0 entries for 1 trees"},
        {R"("base_score": "5E-1")", R"("base_score": "1.5")", "base_score 1.5 is not a probability"},
        {R"("base_score": "5E-1")", R"("base_score": "half")", "base_score \"half\" is not a number"},
        {R"("num_feature": "2", "num_target")", R"("num_feature": "x", "num_target")", "'num_feature' is \"x\", expected a number"},
        {R"("feature_names": ["bytes", "packets"])", R"("feature_names": ["bytes"])", "1 feature names for num_feature 2"},
        {R"("feature_names": ["bytes", "packets"])", R"("feature_names": ["bytes", "bytes"])",
         "feature_names holds 'bytes' twice (features 0 and 1): expected each name once"},
        {R"("trees": [{)", R"("trees": [7, {)", "tree_info has 1 entries for 2 trees"},
        {R"("split_conditions": [1.5E2,)", R"("split_conditions": [1.5E2 x,)", "invalid JSON at byte offset"},
    };
    for (const bad& b : cases) {
        INFO(b.to);
        auto model = pktdyn::load_xgboost_json(replaced(small_model, b.from, b.to), "m.json");
        REQUIRE_FALSE(model);
        CHECK_THAT(model.error().message(), Catch::StartsWith("m.json: ") && Catch::Contains(b.message));
    }
    auto missing = pktdyn::load_xgboost_json_file("/nonexistent/model.json");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code() == pktdyn::errc::io_error);
}

TEST_CASE("an XGBoost model saved without feature names loads, to be read by position", "[models][xgboost_json]") {
    // What python3-xgboost 1.7 writes for a Booster trained on a bare matrix.
    auto model = pktdyn::load_xgboost_json(replaced(small_model, R"("feature_names": ["bytes", "packets"])", R"("feature_names": [])"));
    REQUIRE(model);
    CHECK_FALSE(model->has_feature_names());
    CHECK(model->num_features() == 2);
    const std::vector<std::string> columns{"packets", "bytes"};
    auto e = model->use_columns(columns);
    REQUIRE_FALSE(e);
    CHECK_THAT(e.error().message(), Catch::Contains("no feature names") && Catch::Contains("read by position"));
    double m = 0;
    const double row[] = {150, 3};
    model->predict_margin(row, std::span(&m, 1));
    CHECK(m == Approx(0.7));
}
