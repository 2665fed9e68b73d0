#include "pktdyn/models/half_space_trees.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <vector>

#include "pktdyn/models/random.hpp"
#include "support/corrupt_text.hpp"

using pktdyn::half_space_trees;
using pktdyn::half_space_trees_options;

namespace {

// Tan et al.'s algorithm written plainly over linked nodes, as the paper gives it: nodes with r, l,
// a split and children; UpdateMass, Score and the window swap. It takes the splits from the detector
// (they come from its seed) and keeps its own mass profiles.
struct paper_node {
    std::size_t q = 0, k = 0;
    double p = 0;
    std::uint32_t r = 0, l = 0;
    std::unique_ptr<paper_node> left, right;
};

struct paper_hst {
    std::vector<std::unique_ptr<paper_node>> trees;
    std::vector<double> lower, upper;
    half_space_trees_options o;
    std::size_t seen = 0;

    paper_hst(const half_space_trees& d, std::vector<double> lo, std::vector<double> hi)
        : lower(std::move(lo)), upper(std::move(hi)), o(d.options()) {
        for (std::size_t t = 0; t < o.trees; ++t) trees.push_back(build(d, t, 0, 0));
    }
    std::unique_ptr<paper_node> build(const half_space_trees& d, std::size_t t, std::size_t i, std::size_t k) {
        auto n = std::make_unique<paper_node>();
        n->k = k;
        if (k < o.depth) {
            n->q = d.split_feature(t, i);
            n->p = d.split_value(t, i);
            n->left = build(d, t, 2 * i + 1, k + 1);
            n->right = build(d, t, 2 * i + 2, k + 1);
        }
        return n;
    }
    paper_node* next(paper_node* n, const std::vector<double>& x) const {
        return (x[n->q] - lower[n->q]) / (upper[n->q] - lower[n->q]) > n->p ? n->right.get() : n->left.get();
    }
    void update_mass(paper_node* n, const std::vector<double>& x, bool reference) {
        (reference ? n->r : n->l) += 1;
        if (n->k < o.depth) update_mass(next(n, x), x, reference);
    }
    double score(paper_node* n, const std::vector<double>& x) const {
        if (n->k == o.depth || n->r < o.size_limit * static_cast<double>(o.window)) return n->r * std::pow(2.0, static_cast<double>(n->k));
        return score(next(n, x), x);
    }
    static void swap_windows(paper_node* n) {
        if (!n) return;
        n->r = n->l;
        n->l = 0;
        swap_windows(n->left.get());
        swap_windows(n->right.get());
    }
    // Algorithm 1: the first window builds the reference profile; later rows are scored, then counted.
    double step(const std::vector<double>& x) {
        double s = std::nan("");
        const bool first_window = seen < o.window;
        if (!first_window)
            for (auto& t : trees) s = (std::isnan(s) ? 0 : s) + score(t.get(), x);
        for (auto& t : trees) update_mass(t.get(), x, first_window);
        ++seen;
        if (!first_window && (seen - o.window) % o.window == 0)
            for (auto& t : trees) swap_windows(t.get());
        return s;
    }
};

std::vector<double> gaussian_row(pktdyn::splitmix64& rng, double centre, double spread) {
    // Box-Muller, two features.
    const double u = 1 - rng.uniform(), v = rng.uniform();
    const double radius = std::sqrt(-2 * std::log(u)) * spread;
    return {centre + radius * std::cos(6.283185307179586 * v), centre + radius * std::sin(6.283185307179586 * v)};
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

}  // namespace

TEST_CASE("half-space trees are built as Tan et al. describe", "[anomaly][half_space_trees]") {
    const std::vector<double> lo{0, -10, 100}, hi{1, 10, 200};
    const auto d = half_space_trees::create(lo, hi, {.trees = 4, .depth = 6, .seed = 3}).value();
    CHECK(d.nodes_per_tree() == 127);
    struct frame {
        std::size_t node;
        std::vector<double> lo, hi;
    };
    for (std::size_t t = 0; t < 4; ++t) {
        frame root{0, {}, {}};
        for (std::size_t q = 0; q < 3; ++q) {
            const auto [a, b] = d.work_range(t, q);
            const double s = (a + b) / 2;  // the range is s -/+ 2 max(s, 1 - s), s in [0, 1)
            CHECK(s >= 0);
            CHECK(s < 1);
            CHECK((b - a) / 2 == Approx(2 * std::max(s, 1 - s)).epsilon(1e-15));
            root.lo.push_back(a);
            root.hi.push_back(b);
        }
        // Every internal node splits its range at the middle, on some feature; children take halves.
        std::vector<frame> todo{root};
        std::size_t internal = 0;
        while (!todo.empty()) {
            frame f = todo.back();
            todo.pop_back();
            if (f.node >= 63) continue;
            ++internal;
            const std::size_t q = d.split_feature(t, f.node);
            REQUIRE(q < 3);
            REQUIRE(d.split_value(t, f.node) == (f.lo[q] + f.hi[q]) / 2);
            frame l = f, r = f;
            l.node = 2 * f.node + 1;
            r.node = 2 * f.node + 2;
            l.hi[q] = r.lo[q] = d.split_value(t, f.node);
            todo.push_back(l);
            todo.push_back(r);
        }
        CHECK(internal == 63);
    }
}

TEST_CASE("mass profiles, scores and window swaps equal the paper's algorithm", "[anomaly][half_space_trees]") {
    const std::vector<double> lo{-4, -4}, hi{4, 4};
    const half_space_trees_options o{.trees = 5, .depth = 7, .window = 50, .size_limit = 0.1, .seed = 17};
    auto d = half_space_trees::create(lo, hi, o).value();
    paper_hst paper(d, lo, hi);
    pktdyn::splitmix64 rng(4);
    for (int i = 0; i < 400; ++i) {
        auto x = gaussian_row(rng, 0, i > 200 ? 1.5 : 1.0);  // the stream drifts after 200 rows
        if (i % 37 == 0) x = {3.5, -3.5};
        const double expected = paper.step(x);
        const auto v = d.update(x);
        REQUIRE(same(v.score, expected));
        REQUIRE(v.ready == (i >= 50));
    }
    // Every row goes root to leaf: a node's mass is its children's.
    for (std::size_t t = 0; t < o.trees; ++t) {
        CHECK(d.reference_mass(t, 0) == 50);
        for (std::size_t i = 0; i < (d.nodes_per_tree() - 1) / 2; ++i)
            REQUIRE(d.reference_mass(t, i) == d.reference_mass(t, 2 * i + 1) + d.reference_mass(t, 2 * i + 2));
    }
}

TEST_CASE("a one-tree, one-split case worked by hand", "[anomaly][half_space_trees]") {
    const std::vector<double> lo{0}, hi{10};
    auto d = half_space_trees::create(lo, hi, {.trees = 1, .depth = 1, .window = 4, .size_limit = 0}).value();
    const double p = d.split_value(0, 0);  // scaled: the row goes right when x / 10 > p
    const double left = 10 * p - 1, right = 10 * p + 1;
    for (double x : {left, left, left, right}) CHECK_FALSE(d.update(std::vector<double>{x}).ready);
    // Reference: 3 left, 1 right; the score is r x 2^1 at the leaf.
    CHECK(d.update(std::vector<double>{left}).score == 6);
    CHECK(d.update(std::vector<double>{right}).score == 2);
    d.update(std::vector<double>{right});
    d.update(std::vector<double>{right});  // latest window: 1 left, 3 right, now the reference
    CHECK(d.score(std::vector<double>{left}) == 2);
    CHECK(d.score(std::vector<double>{right}) == 6);
}

TEST_CASE("half-space trees score injected outliers below normal rows", "[anomaly][half_space_trees]") {
    const std::vector<double> lo{-5, -5}, hi{5, 5};
    auto d = half_space_trees::create(lo, hi, {.trees = 25, .depth = 10, .window = 250, .seed = 1}).value();
    pktdyn::splitmix64 rng(9);
    double normal_sum = 0, outlier_sum = 0;
    int normals = 0, outliers = 0, outliers_below_normal_mean = 0;
    std::vector<double> outlier_scores;
    for (int i = 0; i < 3000; ++i) {
        const bool outlier = i > 500 && i % 50 == 0;
        const auto x = outlier ? std::vector<double>{3.5 * (rng.uniform() > 0.5 ? 1 : -1), 3.5 * (rng.uniform() > 0.5 ? 1 : -1)}
                               : gaussian_row(rng, 0, 1);
        const auto v = d.update(x);
        if (i <= 500) continue;
        if (outlier) outlier_sum += v.score, ++outliers, outlier_scores.push_back(v.score);
        else normal_sum += v.score, ++normals;
    }
    const double normal_mean = normal_sum / normals;
    for (double s : outlier_scores) outliers_below_normal_mean += s < normal_mean / 4;
    CHECK(outlier_sum / outliers < normal_mean / 4);
    CHECK(outliers_below_normal_mean >= outliers * 9 / 10);
}

TEST_CASE("half-space trees restored from their text continue as if never stopped", "[anomaly][half_space_trees]") {
    const std::vector<double> lo{-4, -4}, hi{4, 4};
    for (const int stop : {10, 100, 173}) {  // in the first window, on a window boundary, within a later one
        auto whole = half_space_trees::create(lo, hi, {.trees = 6, .depth = 8, .window = 50, .seed = 5}).value();
        pktdyn::splitmix64 rng(static_cast<std::uint64_t>(stop));
        std::vector<std::vector<double>> rows;
        for (int i = 0; i < 300; ++i) rows.push_back(gaussian_row(rng, 0, 1));
        for (int i = 0; i < stop; ++i) whole.update(rows[i]);
        auto resumed = half_space_trees::restore(whole.save()).value();
        for (int i = stop; i < 300; ++i) REQUIRE(same(whole.update(rows[i]).score, resumed.update(rows[i]).score));
        CHECK(resumed.save() == whole.save());
    }
}

TEST_CASE("bad half-space tree options and state are errors that say why", "[anomaly][half_space_trees]") {
    const std::vector<double> lo{0, 0}, hi{1, 1}, short_hi{1}, flat{0, 1};
    CHECK(half_space_trees::create(lo, short_hi).error().message() ==
          "half_space_trees: lower and upper must give the same number of features, 1 to 65535");
    CHECK(half_space_trees::create(lo, flat).error().message() ==
          "half_space_trees: feature 0: the range must be finite with lower < upper");
    CHECK(half_space_trees::create(lo, hi, {.depth = 21}).error().message() ==
          "half_space_trees: depth must lie in [1, 20], found 21");
    auto d = half_space_trees::create(lo, hi, {.trees = 1, .depth = 2, .window = 3}).value();
    d.update(std::vector<double>{0.2, 0.7});
    const std::string good = d.save();
    REQUIRE(half_space_trees::restore(good));
    auto with = [&](const std::string& from, const std::string& to) {
        std::string t = good;
        const auto at = t.find(from);
        REQUIRE(at != std::string::npos);
        t.replace(at, from.size(), to);
        const auto r = half_space_trees::restore(t);
        return r ? std::string("restored") : r.error().message();
    };
    CHECK(with("in_window 1", "in_window 3") ==
          "pktdyn.half_space_trees state, line 10: reference_ready must be 0 or 1 and in_window below the window");
    CHECK(with("reference_mass 3 1 1 1", "reference_mass 3 1 1 4") ==
          "pktdyn.half_space_trees state, line 12: reference masses must be at increasing nodes below 7, one each, at most the window");
    CHECK(with("reference_mass 3 1 1 1", "reference_mass 2 1 1") ==
          "pktdyn.half_space_trees state, line 12: nodes and masses must come in pairs");
}

TEST_CASE("a damaged half-space trees state text is refused or restored, never a crash", "[anomaly][half_space_trees]") {
    const std::vector<double> lo{0, 0}, hi{1, 1};
    auto d = half_space_trees::create(lo, hi, {.trees = 2, .depth = 3, .window = 4}).value();
    pktdyn::splitmix64 rng(6);
    for (int i = 0; i < 6; ++i) d.update(std::vector<double>{rng.uniform(), rng.uniform()});
    int refused = 0;
    for (const auto& text : pktdyn::test::corrupt_texts(d.save(), 4, 2000)) {
        auto r = half_space_trees::restore(text);
        if (!r) {
            ++refused;
            continue;
        }
        for (int i = 0; i < 10; ++i) r->update(std::vector<double>{rng.uniform() * 3 - 1, 1e300});
    }
    CHECK(refused > 1000);
}
