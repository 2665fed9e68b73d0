#include "pktdyn/models/forest.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

using pktdyn::forest;
using pktdyn::forest_builder;
using pktdyn::tree_node;

namespace {

std::vector<float> interesting_floats() {
    const float m = std::numeric_limits<float>::max(), tiny = std::numeric_limits<float>::denorm_min();
    std::vector<float> v{0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 3.0f, 1500.5f, 16777216.0f, 16777217.0f, 1e-30f, -1e30f,
                         tiny, -tiny, std::numeric_limits<float>::min(), m, -m, INFINITY, -INFINITY, 0.1f, 7.0000005f};
    std::mt19937 rng(3);
    std::uniform_int_distribution<std::uint32_t> bits;
    for (int i = 0; i < 2000; ++i) {
        const std::uint32_t b = bits(rng);
        float f;
        std::memcpy(&f, &b, sizeof f);
        if (!std::isnan(f)) v.push_back(f);
    }
    return v;
}

// Doubles near the places where float32 rounding changes its answer for threshold t.
std::vector<double> probes(float t) {
    std::vector<double> x;
    for (float f : {std::nextafter(t, -INFINITY), t, std::nextafter(t, INFINITY)}) {
        const double d = f;
        x.insert(x.end(), {d, std::nextafter(d, -INFINITY), std::nextafter(d, INFINITY)});
    }
    const float below = std::nextafter(t, -INFINITY);
    if (std::isfinite(below) && std::isfinite(t)) {
        const double mid = (static_cast<double>(below) + static_cast<double>(t)) / 2;
        x.insert(x.end(), {mid, std::nextafter(mid, -INFINITY), std::nextafter(mid, INFINITY)});
    }
    return x;
}

}  // namespace

TEST_CASE("float32 'x < t' becomes one double comparison that agrees on every double", "[models][forest]") {
    for (float t : interesting_floats()) {
        const double t2 = forest::threshold_for_float_less(t);
        for (double x : probes(t)) {
            INFO("t = " << t << ", x = " << x);
            CHECK((static_cast<float>(x) < t) == !(x >= t2));
        }
    }
    CHECK(1.0 >= forest::threshold_for_float_less(NAN));  // float(x) < NaN never holds: always right
}

TEST_CASE("LightGBM's 'x <= t' in double becomes 'x >= next double'", "[models][forest]") {
    for (double t : {0.0, -0.0, 1.5, -3.25, 1e-300, 1e300, 1.0000000180025095e-35}) {
        const double t2 = forest::threshold_for_less_equal(t);
        for (double x : {t, std::nextafter(t, -INFINITY), std::nextafter(t, INFINITY), -t, 0.0})
            CHECK((x <= t) == !(x >= t2));
    }
}

namespace {
tree_node leaf(double v) {
    tree_node n;
    n.value = v;
    return n;
}
tree_node split(std::uint32_t feature, double threshold, std::uint32_t left, std::uint32_t right, bool default_right = false) {
    tree_node n;
    n.type = tree_node::kind::numerical;
    n.feature = feature;
    n.threshold = threshold;
    n.left = left;
    n.right = right;
    n.default_right = default_right;
    return n;
}
}  // namespace

TEST_CASE("an unbalanced tree walks the same whatever depth its leaves sit at", "[models][forest]") {
    // x0 >= 5 ? (x1 >= 2 ? 4 : 3) : 1 ; missing x0 goes right, missing x1 left.
    const std::vector<tree_node> nodes{split(0, 5, 1, 2, true), leaf(1), split(1, 2, 3, 4), leaf(3), leaf(4)};
    forest_builder b(pktdyn::model_format::lightgbm, 2, 1);
    REQUIRE(b.add_tree(nodes, 0, "tree 0"));
    auto f = std::move(b).finish();
    REQUIRE(f);
    double out = 0;
    auto score = [&](double x0, double x1) {
        const double row[] = {x0, x1};
        f->predict(row, std::span(&out, 1));
        return out;
    };
    CHECK(score(4, 9) == 1);
    CHECK(score(5, 1) == 3);
    CHECK(score(5, 2) == 4);
    CHECK(score(NAN, 7) == 4);
    CHECK(score(NAN, NAN) == 3);
    const double narrow[] = {1.0};
    f->predict(narrow, std::span(&out, 1));
    CHECK(std::isnan(out));  // a row narrower than the model: NaN, never a read past it
}

TEST_CASE("malformed trees are refused with what is wrong", "[models][forest]") {
    auto refuse = [](std::vector<tree_node> nodes, std::size_t features, const char* message) {
        forest_builder b(pktdyn::model_format::xgboost, features, 1);
        auto e = b.add_tree(nodes, 0, "tree 3");
        REQUIRE_FALSE(e);
        CHECK_THAT(e.error().message(), Catch::StartsWith("tree 3: ") && Catch::Contains(message));
    };
    refuse({}, 1, "no nodes");
    refuse({split(0, 1, 1, 5), leaf(1)}, 1, "node 0 has a child out of range");
    refuse({split(0, 1, 1, 1), leaf(1)}, 1, "same node as both children");
    refuse({split(0, 1, 1, 0), leaf(1)}, 1, "node 0 is reached twice");
    refuse({split(0, 1, 1, 2), split(0, 1, 3, 2), leaf(1), leaf(2)}, 1, "node 2 is reached twice");
    refuse({split(7, 1, 1, 2), leaf(1), leaf(2)}, 2, "splits on feature 7 but the model has 2 features");
    // A chain deeper than the bound.
    std::vector<tree_node> chain;
    for (std::uint32_t i = 0; i < 300; ++i) {
        chain.push_back(split(0, 1, 2 * i + 1, 2 * i + 2));
        chain.push_back(leaf(0));
    }
    chain.back() = leaf(0);
    chain.push_back(leaf(0));
    refuse(chain, 1, "deeper than 256 levels");
    forest_builder b(pktdyn::model_format::xgboost, 1, 2);
    auto e = b.add_tree(std::vector<tree_node>{leaf(1)}, 2, "tree 0");
    REQUIRE_FALSE(e);
    CHECK_THAT(e.error().message(), Catch::Contains("output 2 out of range"));
}

TEST_CASE("columns are matched to the model's features by name", "[models][forest]") {
    const std::vector<tree_node> nodes{split(1, 10, 1, 2), leaf(-1), leaf(1)};  // splits on "bytes"
    forest_builder b(pktdyn::model_format::lightgbm, 2, 1);
    b.feature_names({"packets", "bytes"});
    REQUIRE(b.add_tree(nodes, 0, "tree 0"));
    auto f = std::move(b).finish();
    REQUIRE(f);
    const std::vector<std::string> schema{"duration", "bytes", "flags", "packets"};
    REQUIRE(f->use_columns(schema));
    CHECK(f->num_features() == 4);
    double out = 0;
    const double row[] = {0.5, 20, 0, 3};
    f->predict(row, std::span(&out, 1));
    CHECK(out == 1);
    const std::vector<std::string> missing{"duration", "packets"};
    auto e = f->use_columns(missing);
    REQUIRE_FALSE(e);
    CHECK_THAT(e.error().message(), Catch::Contains("model feature 'bytes' (index 1) is not among the 2 columns"));
}

TEST_CASE("names that would make two features read one column are refused", "[models][forest]") {
    const std::vector<tree_node> nodes{split(0, 10, 1, 2), leaf(-1), leaf(1)};
    auto make = [&](std::vector<std::string> names) {
        forest_builder b(pktdyn::model_format::lightgbm, names.size(), 1);
        b.feature_names(std::move(names));
        REQUIRE(b.add_tree(nodes, 0, "tree 0"));
        auto f = std::move(b).finish();
        REQUIRE(f);
        return std::move(f).value();
    };
    // Twice among the model's features: both would read the first column of that name.
    forest twice = make({"bytes", "packets", "bytes"});
    CHECK(twice.has_feature_names());
    const std::vector<std::string> columns{"packets", "bytes"};
    auto e = twice.use_columns(columns);
    REQUIRE_FALSE(e);
    CHECK_THAT(e.error().message(), Catch::Contains("model features 0 and 2 are both named 'bytes'"));
    CHECK(twice.num_features() == 3);  // unchanged
    // Twice among the columns, for a name the model reads; a repeated column it does not read is fine.
    forest f = make({"packets", "bytes"});
    const std::vector<std::string> ambiguous{"bytes", "flags", "packets", "bytes"};
    e = f.use_columns(ambiguous);
    REQUIRE_FALSE(e);
    CHECK_THAT(e.error().message(), Catch::Contains("model feature 'bytes' (index 1) matches columns 0 and 3"));
    const std::vector<std::string> harmless{"flags", "bytes", "flags", "packets"};
    CHECK(f.use_columns(harmless));
}

TEST_CASE("a model without feature names says so, and is read by position", "[models][forest]") {
    const std::vector<tree_node> nodes{split(1, 10, 1, 2), leaf(-1), leaf(1)};
    forest_builder b(pktdyn::model_format::xgboost, 2, 1);
    REQUIRE(b.add_tree(nodes, 0, "tree 0"));
    auto f = std::move(b).finish();
    REQUIRE(f);
    CHECK_FALSE(f->has_feature_names());
    CHECK(f->num_features() == 2);
    const std::vector<std::string> columns{"a", "b"};
    auto e = f->use_columns(columns);
    REQUIRE_FALSE(e);
    CHECK_THAT(e.error().message(), Catch::Contains("model has no feature names") && Catch::Contains("its 2 features are read by position"));
    double out = 0;
    const double row[] = {0, 20};
    f->predict(row, std::span(&out, 1));
    CHECK(out == 1);
}

TEST_CASE("columns are matched by name in n log n, also for tens of thousands of them", "[models][forest]") {
    constexpr std::uint32_t n = 20000;
    std::vector<std::string> names, reversed;
    for (std::uint32_t i = 0; i < n; ++i) names.push_back(fmt::format("f{}", i));
    reversed.assign(names.rbegin(), names.rend());
    const std::vector<tree_node> nodes{split(n - 1, 0.5, 1, 2), leaf(-1), leaf(1)};  // reads the last feature
    forest_builder b(pktdyn::model_format::lightgbm, n, 1);
    b.feature_names(names);
    REQUIRE(b.add_tree(nodes, 0, "tree 0"));
    auto f = std::move(b).finish();
    REQUIRE(f);
    REQUIRE(f->use_columns(reversed));
    std::vector<double> row(n, 0.0);
    row[0] = 1;  // the last feature is now the first column
    double out = 0;
    f->predict(row, std::span(&out, 1));
    CHECK(out == 1);
}
