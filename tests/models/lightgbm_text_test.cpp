#include "pktdyn/models/lightgbm_text.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <sstream>

#include "models/reference_data.hpp"

using pktdyn::test::read_numbers;

TEST_CASE("hand-built LightGBM models predict as the independent evaluator does", "[models][lightgbm]") {
    const auto dir = pktdyn::test::lightgbm_reference_dir();
    if (!std::filesystem::exists(dir / "manifest.txt")) {
        WARN("no LightGBM reference in " << dir.string() << " (run scripts/lightgbm_reference.py): skipped");
        return;
    }
    auto cases = pktdyn::test::read_lines(dir / "manifest.txt");
    cases.erase(cases.begin());
    REQUIRE(cases.size() >= 4);
    for (const std::string& name : cases) {
        SECTION(name) {
            auto model = pktdyn::load_lightgbm_text_file(pktdyn::test::lightgbm_fixture_dir() / (name + ".txt"));
            INFO((model ? "" : model.error().message()));
            REQUIRE(model);
            const auto inputs = read_numbers(dir / (name + ".inputs.csv"));
            const auto preds = read_numbers(dir / (name + ".pred.csv"));
            const std::size_t k = model->num_outputs();
            REQUIRE(inputs.width == model->num_features());
            REQUIRE(preds.width == k);
            std::vector<double> one(k), batch(inputs.rows() * k);
            model->predict(pktdyn::dense_rows{inputs.values, inputs.width}, batch);
            double worst = 0;
            for (std::size_t r = 0; r < inputs.rows(); ++r) {
                model->predict(std::span(inputs.values).subspan(r * inputs.width, inputs.width), one);
                for (std::size_t i = 0; i < k; ++i) {
                    worst = std::max({worst, std::fabs(one[i] - preds.at(r, i)), std::fabs(batch[r * k + i] - preds.at(r, i))});
                }
            }
            INFO(name << ": " << inputs.rows() << " rows, worst |Δ| " << worst);
            CHECK(worst <= 1e-12);
        }
    }
}

namespace {
std::string fixture(const std::string& name) {
    std::ifstream in(pktdyn::test::lightgbm_fixture_dir() / name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}
}  // namespace

TEST_CASE("a LightGBM model reads its header, names and objective", "[models][lightgbm_text]") {
    auto model = pktdyn::load_lightgbm_text(fixture("binary_missing.txt"));
    REQUIRE(model);
    CHECK(model->num_trees() == 3);
    CHECK(model->num_features() == 3);
    CHECK(model->feature_names() == std::vector<std::string>{"bytes", "packets", "duration"});
    CHECK(model->transform() == pktdyn::output_transform::logistic);
    auto multi = pktdyn::load_lightgbm_text(fixture("multiclass.txt"));
    REQUIRE(multi);
    CHECK(multi->num_outputs() == 3);
    // Windows line ends read the same.
    std::string crlf;
    for (char c : fixture("categorical.txt")) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    CHECK(pktdyn::load_lightgbm_text(crlf));
}

TEST_CASE("malformed or unsupported LightGBM models are refused with what is wrong", "[models][lightgbm_text]") {
    const std::string text = fixture("categorical.txt");
    struct bad {
        std::string from, to, message;
    };
    const bad cases[] = {
        {"tree\n", "tee\n", "line 1: expected 'tree'"},
        {"objective=binary sigmoid:1", "objective=lambdamart", "objective 'lambdamart' is not supported"},
        {"objective=binary sigmoid:1", "objective=regression sqrt", "'regression sqrt'"},
        {"objective=binary sigmoid:1", "objective=binary sigmoid:x", "sigmoid is not a positive number"},
        {"max_feature_idx=2", "max_feature_idx=-4", "max_feature_idx missing or out of range"},
        {"feature_names=service proto bytes", "feature_names=service proto", "2 feature names for max_feature_idx 2"},
        {"left_child=1 -1 -3", "left_child=1 -1", "node arrays hold 2 values for 3 splits"},
        {"left_child=1 -1 -3", "left_child=1 -1 -9", "split 2: child -9 or -4 out of range"},
        {"left_child=1 -1 -3", "left_child=1 -1 0", "node 0 is reached twice"},
        {"split_feature=0 2 1", "split_feature=0 5 1", "split 1: feature 5 is not one of the 3 features"},
        {"decision_type=1 2 9", "decision_type=1 2 13", "missing type 3"},
        {"decision_type=1 2 9", "decision_type=1 2 99", "decision_type 99 has unknown bits"},
        {"threshold=0 7.5 1", "threshold=0 7.5 2", "category set 2 is not one of the 2"},
        {"threshold=0 7.5 1", "threshold=0 nan 1", "threshold nan is not finite"},
        {"threshold=0 7.5 1", "threshold=0 7.5x 1", "'threshold' is not a list of numbers"},
        {"cat_boundaries=0 3 4", "cat_boundaries=0 3 9", "category set 1 lies outside cat_threshold"},
        {"cat_boundaries=0 3 4", "cat_boundaries=0 3", "cat_boundaries does not hold num_cat + 1 values"},
        {"leaf_value=0.5 -0.25 1 -1", "leaf_value=0.5 -0.25 1", "3 leaf values for 4 leaves"},
        {"num_leaves=4", "num_leaves=0", "num_leaves missing or out of range"},
        {"is_linear=0\nshrinkage=1\n\n\nTree=1", "is_linear=1\nshrinkage=1\n\n\nTree=1", "tree 0 is a linear tree"},
        {"num_tree_per_iteration=1", "num_tree_per_iteration=3", "2 trees is not a whole number of iterations of 3"},
    };
    for (const bad& b : cases) {
        INFO(b.to);
        auto model = pktdyn::load_lightgbm_text(replaced(text, b.from, b.to), "m.txt");
        REQUIRE_FALSE(model);
        CHECK_THAT(model.error().message(), Catch::StartsWith("m.txt: LightGBM model") && Catch::Contains(b.message));
    }
    CHECK_FALSE(pktdyn::load_lightgbm_text("tree\nmax_feature_idx=1\n"));  // no trees
    for (std::size_t n = 0; n < text.size(); n += 7) (void)pktdyn::load_lightgbm_text(text.substr(0, n));  // never UB
}
