#include "pktdyn/models/scorer.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace pktdyn;

namespace {
tree_node leaf(double v) {
    tree_node n;
    n.value = v;
    return n;
}
tree_node split(std::uint32_t feature, double threshold, bool default_right, std::uint32_t left, std::uint32_t right) {
    tree_node n;
    n.type = tree_node::kind::numerical;
    n.feature = feature;
    n.threshold = threshold;
    n.default_right = default_right;
    n.left = left;
    n.right = right;
    return n;
}
// One split: packets >= 3.5 → margin +2, else -2 (or NaN: right); logistic.
forest packets_model(bool named) {
    forest_builder b(model_format::xgboost, 2, 1);
    b.transform(output_transform::logistic);
    if (named) b.feature_names({"bytes", "packets"});
    const std::vector<tree_node> nodes{split(1, 3.5, true, 1, 2), leaf(-2), leaf(2)};
    REQUIRE(b.add_tree(nodes, 0, "tree 0"));
    auto f = std::move(b).finish();
    REQUIRE(f);
    return std::move(*f);
}
double sigmoid(double m) { return 1 / (1 + std::exp(-m)); }
}  // namespace

TEST_CASE("a forest scorer finds its features by name and writes both class probabilities", "[models][scorer]") {
    forest_scorer s(packets_model(true), "app_", {"web", "video"});
    const std::vector<std::string> columns{"community_id", "packets", "duration_s", "bytes"};
    REQUIRE(s.bind(columns));
    REQUIRE(s.outputs().size() == 2);
    CHECK(s.outputs()[0] == "app_p_web");
    CHECK(s.outputs()[1] == "app_p_video");
    std::vector<double> out(2);
    s.score(std::vector<double>{std::nan(""), 10, 0.5, 100}, out);
    CHECK(out[1] == Approx(sigmoid(2)));
    CHECK(out[0] == Approx(1 - sigmoid(2)));
    s.score(std::vector<double>{std::nan(""), 2, 0.5, 100}, out);
    CHECK(out[1] == Approx(sigmoid(-2)));
    s.score(std::vector<double>{std::nan(""), std::nan(""), 0.5, 100}, out);  // missing: right
    CHECK(out[1] == Approx(sigmoid(2)));
}

TEST_CASE("a forest scorer names what it cannot bind; without names it reads by position", "[models][scorer]") {
    forest_scorer named(packets_model(true));
    const auto missing = named.bind(std::vector<std::string>{"bytes", "duration_s"});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message() == "the model's feature 'packets' is not among the 2 columns");

    forest_scorer positional(packets_model(false));
    CHECK_FALSE(positional.bind(std::vector<std::string>{"a", "b", "c"}));
    REQUIRE(positional.bind(std::vector<std::string>{"a", "b"}));
    std::vector<double> out(2);
    positional.score(std::vector<double>{1, 5}, out);
    CHECK(out[1] == Approx(sigmoid(2)));
    CHECK(positional.outputs()[0] == "p_0");
}
