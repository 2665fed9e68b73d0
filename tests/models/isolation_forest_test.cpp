#include "pktdyn/models/isolation_forest.hpp"

#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "pktdyn/models/random.hpp"
#include "support/corrupt_text.hpp"
#include "pktdyn/models/state_text.hpp"

using pktdyn::isolation_forest;

namespace {

// Reference data written by scripts/sklearn_iforest_export.py (the ctest fixture "sklearn: export
// reference forests"); tests that need it are tagged [sklearn] and skip with a message without it.
std::optional<std::string> reference(const std::string& name) {
    const auto path = std::filesystem::path(PKTDYN_REFERENCE_DIR) / "sklearn" / name;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct scored_rows {
    std::size_t rows = 0, columns = 0;
    std::vector<double> values, scores;
};

// Area under the ROC curve: the probability that an outlier scores above an inlier, ties counting
// half (Mann-Whitney U over mid-ranks).
double auc(const std::vector<double>& score, const std::vector<int>& outlier) {
    std::vector<std::size_t> order(score.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return score[a] < score[b]; });
    double rank_sum = 0, positives = 0;
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j < order.size() && score[order[j]] == score[order[i]]) ++j;
        const double mid_rank = static_cast<double>(i + j + 1) / 2.0;  // ranks i+1 .. j
        for (std::size_t k = i; k < j; ++k)
            if (outlier[order[k]]) rank_sum += mid_rank, positives += 1;
        i = j;
    }
    const double negatives = static_cast<double>(score.size()) - positives;
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

}  // namespace

TEST_CASE("c(n) is scikit-learn's average path length", "[anomaly][isolation_forest]") {
    CHECK(isolation_forest::average_path_length(0) == 0);
    CHECK(isolation_forest::average_path_length(1) == 0);
    CHECK(isolation_forest::average_path_length(2) == 1);
    // sklearn.ensemble._iforest._average_path_length([3.0, 256.0, 1e6]), printed with repr
    CHECK(isolation_forest::average_path_length(3) == Approx(1.207392357589623).epsilon(1e-15));
    CHECK(isolation_forest::average_path_length(256) == Approx(10.244770920119917).epsilon(1e-15));
    CHECK(isolation_forest::average_path_length(1e6) == Approx(26.785452445730613).epsilon(1e-15));
    // ... which approximates 2 H(n-1) - 2(n-1)/n with the harmonic number summed, short of it by
    // 2 (H(n-1) - ln(n-1) - gamma) ~ 1/(n-1).
    double h = 0;
    for (int i = 1; i < 1000; ++i) h += 1.0 / i;
    const double exact = 2 * h - 2.0 * 999 / 1000;
    CHECK(exact - isolation_forest::average_path_length(1000) == Approx(1.0 / 999).epsilon(1e-3));
}

TEST_CASE("a fitted forest follows Liu et al.'s construction", "[anomaly][isolation_forest]") {
    pktdyn::splitmix64 rng(1);
    std::vector<double> x;
    for (int i = 0; i < 1000; ++i) x.insert(x.end(), {rng.uniform(), rng.uniform(), 5.0});  // feature 2 constant
    auto forest = isolation_forest::fit(x, 3, {.trees = 20, .seed = 9});
    REQUIRE(forest);
    CHECK(forest->trees() == 20);
    CHECK(forest->subsample() == 256);
    CHECK(forest->max_depth() == 8);
    for (std::size_t t = 0; t < forest->trees(); ++t) {
        const auto nodes = forest->tree(t);
        CHECK(nodes[0].samples == 256);
        std::vector<std::size_t> depth(nodes.size(), 0);
        std::uint32_t leaf_samples = 0;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            const auto& n = nodes[i];
            if (n.leaf()) {
                leaf_samples += n.samples;
                CHECK((n.samples == 1 || depth[i] == 8));
                CHECK(n.path_length == Approx(static_cast<double>(depth[i]) + isolation_forest::average_path_length(n.samples)));
                continue;
            }
            CHECK(n.feature != 2);  // never split on a constant feature
            const auto l = static_cast<std::size_t>(n.left), r = static_cast<std::size_t>(n.right);
            CHECK(l > i);
            CHECK(r > i);
            CHECK(nodes[l].samples + nodes[r].samples == n.samples);
            CHECK(nodes[l].samples > 0);
            CHECK(nodes[r].samples > 0);
            depth[l] = depth[r] = depth[i] + 1;
        }
        CHECK(leaf_samples == 256);
    }
}

TEST_CASE("fitting is deterministic and isolates an obvious outlier", "[anomaly][isolation_forest]") {
    pktdyn::splitmix64 rng(2);
    std::vector<float> x;
    for (int i = 0; i < 2000; ++i)
        x.insert(x.end(), {static_cast<float>(rng.uniform()), static_cast<float>(rng.uniform())});
    const auto a = isolation_forest::fit(std::span<const float>(x), 2, {.seed = 4}).value();
    const auto b = isolation_forest::fit(std::span<const float>(x), 2, {.seed = 4}).value();
    const auto c = isolation_forest::fit(std::span<const float>(x), 2, {.seed = 5}).value();
    CHECK(a.save() == b.save());
    CHECK(a.save() != c.save());
    const std::vector<float> centre{0.5F, 0.5F}, far{3.0F, -2.0F};
    const double s_centre = a.score(centre), s_far = a.score(far);
    CHECK(s_centre < 0.5);
    CHECK(s_far > 0.6);  // scikit-learn gives 0.65 on such data: a point off the data's corner
    CHECK(a.score_samples(far) == -s_far);
    CHECK(s_far == std::pow(2.0, -a.expected_path_length(far) /
                                     isolation_forest::average_path_length(256)));
}

TEST_CASE("fit refuses what it cannot use", "[anomaly][isolation_forest]") {
    const std::vector<double> x{1, 2, 3};
    CHECK(isolation_forest::fit(std::span<const double>(x), 2).error().code() == pktdyn::errc::invalid_argument);
    CHECK_FALSE(isolation_forest::fit(std::span<const double>(), 2));
    CHECK_FALSE(isolation_forest::fit(std::span<const double>(x), 1, {.trees = 0}));
    // One row: c(1) = 0, and every row scores 0.5 as in scikit-learn.
    const auto one = isolation_forest::fit(std::span<const double>(x), 3).value();
    CHECK(one.score(std::span<const double>(x)) == 0.5);
}

TEST_CASE("a saved forest loads back and scores the same", "[anomaly][isolation_forest]") {
    pktdyn::splitmix64 rng(3);
    std::vector<double> x;
    for (int i = 0; i < 500; ++i) x.insert(x.end(), {rng.uniform() * 1e6, rng.uniform() - 0.5, std::round(rng.uniform() * 10)});
    const auto forest = isolation_forest::fit(std::span<const double>(x), 3, {.trees = 30, .subsample = 100}).value();
    const auto loaded = isolation_forest::load(forest.save());
    REQUIRE(loaded);
    CHECK(loaded->save() == forest.save());
    CHECK(loaded->max_depth() == 7);
    for (std::size_t r = 0; r < 500; ++r) {
        const auto row = std::span<const double>(x).subspan(r * 3, 3);
        CHECK(loaded->score(row) == forest.score(row));
    }
}

TEST_CASE("a malformed forest is an error naming the tree and node", "[anomaly][isolation_forest]") {
    const std::string head = "pktdyn.isolation_forest 1\nfeatures 2\nsubsample 4\ntrees 1\nnodes 3\n";
    const std::string good = head + "left 3 1 -1 -1\nright 3 2 -1 -1\nfeature 3 1 -2 -2\nthreshold 3 0.5 -2 -2\nsamples 3 4 1 3\n";
    const auto f = isolation_forest::load(good);
    REQUIRE(f);
    const std::vector<double> lo{0, 0.5}, hi{0, 0.75};
    CHECK(f->expected_path_length(std::span<const double>(lo)) == 1.0);  // depth 1, one sample
    CHECK(f->expected_path_length(std::span<const double>(hi)) == 1.0 + isolation_forest::average_path_length(3));

    const auto message = [&](const std::string& text) {
        const auto r = isolation_forest::load(text);
        return r ? std::string("loaded") : r.error().message();
    };
    CHECK(message(head + "left 3 2 -1 -1\nright 3 2 -1 -1\nfeature 3 1 -2 -2\nthreshold 3 0.5 -2 -2\nsamples 3 4 1 3\n") ==
          "pktdyn.isolation_forest state, line 10: tree 0, node 0: child 2 has two parents");
    CHECK(message(head + "left 3 0 -1 -1\nright 3 2 -1 -1\nfeature 3 1 -2 -2\nthreshold 3 0.5 -2 -2\nsamples 3 4 1 3\n") ==
          "pktdyn.isolation_forest state, line 10: tree 0, node 0: child 0 is not a later node of the tree");
    CHECK(message(head + "left 3 1 -1 -1\nright 3 2 -1 -1\nfeature 3 2 -2 -2\nthreshold 3 0.5 -2 -2\nsamples 3 4 1 3\n") ==
          "pktdyn.isolation_forest state, line 10: tree 0, node 0: feature 2 is not below 2");
    CHECK(message(head + "left 3 -1 -1 -1\nright 3 -1 -1 -1\nfeature 3 1 -2 -2\nthreshold 3 0.5 -2 -2\nsamples 3 4 1 3\n") ==
          "pktdyn.isolation_forest state, line 10: tree 0, node 1: no node leads to it");
    CHECK(message(head + "left 3 1 -1 -1\nright 3 2 -1 -1\nfeature 3 1 -2 -2\nthreshold 3 nan -2 -2\nsamples 3 4 1 3\n") ==
          "pktdyn.isolation_forest state, line 10: tree 0, node 0: the threshold is not a number");
    CHECK(message(head + "left 2 1 -1\n") ==
          "pktdyn.isolation_forest state, line 6: expected 'right', found the end of the text");
    CHECK(message(head + "left 4 1 -1 -1 -1\n") ==
          "pktdyn.isolation_forest state, line 6: expected at most 3 values for 'left', found 4");
    CHECK(message("pktdyn.isolation_forest 1\nfeatures 0\nsubsample 4\ntrees 1\n") ==
          "pktdyn.isolation_forest state, line 4: features, subsample and trees must be positive and at most 2^24");
    CHECK(message(good + "nodes 1\n") == "pktdyn.isolation_forest state, line 11: expected the end of the text, found 'nodes'");
}

TEST_CASE("a double threshold is held as the largest float not above it", "[anomaly][isolation_forest]") {
    // 0.1 in double lies between two floats; 0.1f is the one above it, so x = 0.1f goes right in
    // scikit-learn's comparison float(x) <= 0.1 (as a double).
    const std::string text = "pktdyn.isolation_forest 1\nfeatures 1\nsubsample 4\ntrees 1\nnodes 3\nleft 3 1 -1 -1\n"
                             "right 3 2 -1 -1\nfeature 3 0 -2 -2\nthreshold 3 0.1 -2 -2\nsamples 3 4 1 3\n";
    const auto f = isolation_forest::load(text).value();
    CHECK(static_cast<double>(f.tree(0)[0].threshold) < 0.1);
    CHECK(static_cast<double>(std::nextafter(f.tree(0)[0].threshold, 1.0F)) > 0.1);
    const std::vector<double> at{0.1}, below{static_cast<double>(std::nextafter(0.1F, 0.0F))};
    CHECK(static_cast<double>(static_cast<float>(at[0])) > 0.1);
    const double left = 1.0, right = 1.0 + isolation_forest::average_path_length(3);
    CHECK(f.expected_path_length(std::span<const double>(at)) == right);
    CHECK(f.expected_path_length(std::span<const double>(below)) == left);
}

TEST_CASE("a forest exported from scikit-learn scores every row as score_samples does", "[anomaly][isolation_forest][sklearn]") {
    for (const std::string name : {"default", "small", "subsets"}) {
        const auto forest_text = reference("exact-" + name + ".forest"), scores_text = reference("exact-" + name + ".scores");
        if (!forest_text || !scores_text) {
            WARN("skipped: no sklearn reference in " PKTDYN_REFERENCE_DIR "/sklearn (ctest runs scripts/sklearn_iforest_export.py)");
            return;
        }
        const auto forest = isolation_forest::load(*forest_text);
        REQUIRE(forest);
        scored_rows ref;
        pktdyn::state_reader r(*scores_text, "pktdyn.sklearn_scores", 1);
        r.field("rows", ref.rows).field("columns", ref.columns).field("values", ref.values, 1 << 24);
        r.field("score_samples", ref.scores, 1 << 24);
        REQUIRE(r.finish());
        REQUIRE(ref.values.size() == ref.rows * ref.columns);
        REQUIRE(forest->features() == ref.columns);
        double worst = 0;
        std::size_t exact = 0;
        for (std::size_t i = 0; i < ref.rows; ++i) {
            const double s = forest->score_samples(std::span<const double>(ref.values).subspan(i * ref.columns, ref.columns));
            worst = std::max(worst, std::abs(s - ref.scores[i]) / std::abs(ref.scores[i]));
            exact += s == ref.scores[i];
        }
        INFO(name << ": " << ref.rows << " rows, " << exact << " bit for bit, worst relative difference " << worst);
        CHECK(worst <= 1e-12);
        WARN(name << ": " << ref.rows << " rows, " << exact << " bit for bit, worst relative difference " << worst);
    }
}

TEST_CASE("on data with known outliers the AUC is scikit-learn's, within 0.01 over several seeds", "[anomaly][isolation_forest][sklearn]") {
    double ours = 0, theirs = 0;
    int seeds = 0;
    for (int seed = 0; seed < 5; ++seed) {
        const auto text = reference("auc-" + std::to_string(seed) + ".data");
        if (!text) {
            WARN("skipped: no sklearn reference in " PKTDYN_REFERENCE_DIR "/sklearn (ctest runs scripts/sklearn_iforest_export.py)");
            return;
        }
        std::size_t rows = 0, columns = 0;
        std::vector<double> x;
        std::vector<int> outlier;
        double sklearn_auc = 0;
        pktdyn::state_reader r(*text, "pktdyn.outlier_data", 1);
        r.field("rows", rows).field("columns", columns).field("values", x, 1 << 24).field("outlier", outlier, 1 << 24);
        r.field("sklearn_auc", sklearn_auc);
        REQUIRE(r.finish());
        const auto forest = isolation_forest::fit(std::span<const double>(x), columns, {.seed = static_cast<std::uint64_t>(seed)}).value();
        std::vector<double> score(rows);
        forest.score(std::span<const double>(x), std::span<double>(score));
        const double a = auc(score, outlier);
        WARN("seed " << seed << ": AUC " << a << ", scikit-learn's " << sklearn_auc);
        ours += a, theirs += sklearn_auc, ++seeds;
    }
    ours /= seeds, theirs /= seeds;
    WARN("mean AUC " << ours << ", scikit-learn's " << theirs);
    CHECK(std::abs(ours - theirs) < 0.01);
}

TEST_CASE("the AUC helper agrees with a hand count", "[anomaly][isolation_forest]") {
    // Pairs (outlier, inlier): (0.9,0.1) (0.9,0.5) (0.5,0.1) win, (0.5,0.5) ties: (3 + 0.5) / 4.
    CHECK(auc({0.1, 0.9, 0.5, 0.5}, {0, 1, 1, 0}) == 0.875);
}

TEST_CASE("a damaged forest text is refused or loaded, never a crash", "[anomaly][isolation_forest]") {
    pktdyn::splitmix64 rng(12);
    std::vector<double> x;
    for (int i = 0; i < 40; ++i) x.insert(x.end(), {rng.uniform(), rng.uniform()});
    const auto forest = isolation_forest::fit(x, 2, {.trees = 3, .subsample = 8}).value();
    int refused = 0;
    for (const auto& text : pktdyn::test::corrupt_texts(forest.save(), 5, 3000)) {
        const auto r = isolation_forest::load(text);
        if (!r) {
            ++refused;
            continue;
        }
        const std::vector<double> row(r->features(), 0.5);  // the trees read only features below features()
        CHECK(r->score(row) > 0);
    }
    CHECK(refused > 1500);
}
