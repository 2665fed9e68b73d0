#include "pktdyn/models/lightgbm_text.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <sstream>

#include "models/reference_data.hpp"

using pktdyn::test::read_numbers;

namespace {

// Each tree's length in bytes as LightGBM's tree_sizes counts it: from its "Tree=" line to the
// next tree's, the last one to "end of trees".
std::vector<std::size_t> true_tree_sizes(const std::string& text) {
    std::vector<std::size_t> starts;
    for (std::size_t at = text.find("\nTree="); at != std::string::npos; at = text.find("\nTree=", at + 1)) starts.push_back(at + 1);
    starts.push_back(text.find("\nend of trees") + 1);
    std::vector<std::size_t> sizes;
    for (std::size_t i = 0; i + 1 < starts.size(); ++i) sizes.push_back(starts[i + 1] - starts[i]);
    return sizes;
}
std::string with_tree_sizes(std::string text, const std::vector<std::size_t>& sizes) {
    const std::size_t at = text.find("\ntree_sizes=") + 1;
    REQUIRE(at != 0);
    return text.replace(at, text.find('\n', at) - at, fmt::format("tree_sizes={}", fmt::join(sizes, " ")));
}

// The fixtures were written by hand with placeholder tree_sizes ("400 400 300"), which LightGBM
// itself refuses (it seeks to each tree by their sums) and so does pktdyn; until the files carry
// the true sizes, the tests put them in.
std::string fixture(const std::string& name) {
    std::ifstream in(pktdyn::test::lightgbm_fixture_dir() / name);
    std::stringstream s;
    s << in.rdbuf();
    return with_tree_sizes(s.str(), true_tree_sizes(s.str()));
}
std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}
}  // namespace

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
            auto model = pktdyn::load_lightgbm_text(fixture(name + ".txt"), name + ".txt");
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
        {"left_child=1 -1 -3", "left_child=1 -1", "'left_child' holds 2 values, expected 3 (one per split: num_leaves=4 - 1)"},
        {"left_child=1 -1 -3\n", "", "'left_child' holds 0 values, expected 3"},
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
        {"num_tree_per_iteration=1", "num_tree_per_iteration=3", "line 4: num_tree_per_iteration=3 contradicts num_class=1"},
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

TEST_CASE("a LightGBM model is held to what its header promises", "[models][lightgbm_text]") {
    const std::string binary = fixture("binary_missing.txt"), multi = fixture("multiclass.txt");
    REQUIRE(pktdyn::load_lightgbm_text(binary));
    REQUIRE(pktdyn::load_lightgbm_text(multi));
    auto refused = [](const std::string& text, const std::string& message) {
        INFO(message);
        auto model = pktdyn::load_lightgbm_text(text, "m.txt");
        REQUIRE_FALSE(model);
        CHECK_THAT(model.error().message(), Catch::StartsWith("m.txt: LightGBM model") && Catch::Contains(message));
    };

    SECTION("a model cut anywhere before 'end of trees' is refused, and says it was cut") {
        const std::size_t first_tree = binary.find("Tree=0"), end = binary.find("end of trees") + 12;
        for (std::size_t n = first_tree; n < end; ++n) {
            INFO("cut at byte " << n);
            CHECK_FALSE(pktdyn::load_lightgbm_text(binary.substr(0, n)));
        }
        CHECK(pktdyn::load_lightgbm_text(binary.substr(0, end)));  // the importances and parameters are not needed
        const std::string cut = binary.substr(0, binary.find("leaf_value=0.30000000000000004") + 20);
        refused(cut, "the text ends inside tree 1 (Tree=1 on line 31): expected 'end of trees' after the last tree (the model "
                     "is cut short)");
    }
    SECTION("trees are numbered from 0, once each") {
        refused(replaced(binary, "Tree=2", "Tree=1"), "line 50: Tree=1 a second time (first on line 31): expected Tree=2");
        refused(replaced(binary, "Tree=2", "Tree=7"), "line 50: 'Tree=7': expected Tree=2");
        refused(replaced(binary, "Tree=0", "Tree=x"), "line 12: 'Tree=x': expected Tree=0");
    }
    SECTION("tree_sizes gives each tree's length in bytes") {
        auto sizes = true_tree_sizes(binary);
        REQUIRE(sizes.size() == 3);
        sizes[1] += 1;
        refused(with_tree_sizes(binary, sizes),
                fmt::format("line 10: tree_sizes says tree 1 takes {} bytes, but Tree=1 (line 31) up to Tree=2 takes {} bytes",
                            sizes[1], sizes[1] - 1));
        sizes[1] -= 1;
        sizes.pop_back();
        refused(with_tree_sizes(binary, sizes), "line 10: tree_sizes lists 2 sizes, but the model holds 3 trees");
        refused(replaced(binary, "tree_sizes=", "tree_sizes=x "), "line 10: tree_sizes 'x ");
        // Models from LightGBM before tree_sizes, and files whose line ends became \r\n, still load.
        CHECK(pktdyn::load_lightgbm_text(replaced(binary, fmt::format("tree_sizes={}\n", fmt::join(true_tree_sizes(binary), " ")), "")));
        std::string crlf;
        for (char c : binary) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
        CHECK(pktdyn::load_lightgbm_text(crlf));
    }
    SECTION("num_class and num_tree_per_iteration agree with the objective") {
        refused(replaced(binary, "num_class=1", "num_class=2"),
                "line 3: num_class=2 contradicts the objective 'binary sigmoid:1.5' (line 7), which has one output: expected num_class=1");
        refused(replaced(multi, "num_class=3", "num_class=1"),
                "line 3: num_class=1 contradicts the objective 'multiclass num_class:3' (line 7): a multiclass objective needs "
                "num_class 2 or more");
        refused(replaced(multi, "num_tree_per_iteration=3", "num_tree_per_iteration=2"),
                "line 4: num_tree_per_iteration=2 contradicts num_class=3 (line 3) and the objective 'multiclass num_class:3' "
                "(line 7): expected num_tree_per_iteration=3");
        refused(replaced(multi, "multiclass num_class:3", "multiclass num_class:4"),
                "line 7: the objective 'multiclass num_class:4' says num_class:4, but num_class=3 (line 3)");
        refused(replaced(binary, "num_class=1\n", ""), "line 11: the header ends without num_class");
        refused(replaced(binary, "num_class=1\n", "num_class=1\nnum_class=1\n"), "line 4: 'num_class' a second time (first on line 3)");
        // Without an objective line (a custom objective), the header alone decides.
        CHECK(pktdyn::load_lightgbm_text(replaced(multi, "objective=multiclass num_class:3\n", "")));
    }
    SECTION("the trees are a whole number of iterations") {
        std::string five = multi.substr(0, multi.find("Tree=5")) + multi.substr(multi.find("end of trees"));
        five = with_tree_sizes(five, true_tree_sizes(five));
        refused(five, "line 4: 5 trees is not a whole number of iterations of 3 trees");
    }
    SECTION("every tree has the keys LightGBM always writes, once") {
        refused(replaced(binary, "num_cat=0\nsplit_feature=1 2 0", "split_feature=1 2 0"),
                "tree 1 (line 31): no 'num_cat' line: LightGBM writes num_leaves, num_cat and leaf_value in every tree");
        refused(replaced(binary, "shrinkage=0.1", "leaf_value=1 2 3 4"), "line 47: tree 1: 'leaf_value' a second time (first on line 40)");
        refused(replaced(binary, "shrinkage=0.1\n\n\n", "shrinkage=0.1\n\nleaf_value=1\n\n"),
                "line 49: 'leaf_value=1' after the blank line that ends tree 1: expected 'Tree=2' or 'end of trees'");
        refused(replaced(binary, "shrinkage=0.1", "shrinkage 0.1"), "line 47: tree 1: 'shrinkage 0.1' is not a key=value line");
    }
    SECTION("feature names are distinct") {
        refused(replaced(binary, "feature_names=bytes packets duration", "feature_names=bytes packets bytes"),
                "line 8: feature_names holds 'bytes' twice (features 0 and 2): expected each name once");
    }
}
