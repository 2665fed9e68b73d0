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
