#include "pktdyn/models/gbdt_train.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <numeric>
#include <random>

#include "models/reference_data.hpp"

using pktdyn::dense_rows;
using pktdyn::gbdt_loss;
using pktdyn::gbdt_params;

namespace {

struct dataset {
    std::vector<double> x, y;
    std::size_t width = 0;
    [[nodiscard]] dense_rows rows() const { return {x, width}; }
};

// Integer-valued features with missing values; the label depends on three of them.
dataset synthetic(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> v(0, 20);
    std::normal_distribution<double> noise(0, 1);
    dataset d;
    d.width = 5;
    for (std::size_t i = 0; i < n; ++i) {
        double row[5];
        for (double& r : row) r = v(rng) == 0 ? std::numeric_limits<double>::quiet_NaN() : v(rng);
        const double s = (std::isnan(row[0]) ? 5 : row[0]) / 4 - (row[1] > 10) * 2 + (std::isnan(row[2]) ? 1.5 : 0) + noise(rng);
        d.x.insert(d.x.end(), row, row + 5);
        d.y.push_back(s > 1 ? 1 : 0);
    }
    return d;
}

double logloss(std::span<const double> p, std::span<const double> y) {
    double l = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double q = std::clamp(p[i], 1e-16, 1 - 1e-16);
        l -= y[i] == 1 ? std::log(q) : std::log(1 - q);
    }
    return l / static_cast<double>(p.size());
}

// Mann-Whitney U: the chance a positive outscores a negative, ties counted half.
double auc(std::span<const double> p, std::span<const double> y) {
    std::vector<std::size_t> order(p.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
    double rank_sum = 0, positives = 0;
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j < order.size() && p[order[j]] == p[order[i]]) ++j;
        const double rank = (static_cast<double>(i + j) + 1) / 2;  // mean rank of the tie, from 1
        for (std::size_t t = i; t < j; ++t)
            if (y[order[t]] == 1) rank_sum += rank, ++positives;
        i = j;
    }
    const double negatives = static_cast<double>(p.size()) - positives;
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

}  // namespace

TEST_CASE("a trained model learns, and its forest scores as its own margins", "[models][gbdt_train]") {
    const dataset train = synthetic(4000, 1), test = synthetic(2000, 2);
    gbdt_params p;
    p.rounds = 30;
    p.max_depth = 4;
    p.threads = 2;
    auto model = pktdyn::train_gbdt(train.rows(), train.y, p);
    REQUIRE(model);
    CHECK(model->trees.size() == 30);
    auto f = model->to_forest();
    REQUIRE(f);
    std::vector<double> prob(test.y.size());
    f->predict(test.rows(), prob);
    CHECK(auc(prob, test.y) > 0.85);
    CHECK(logloss(prob, test.y) < 0.45);
}

TEST_CASE("training gives the same model whatever the thread count", "[models][gbdt_train]") {
    const dataset train = synthetic(3000, 3);
    gbdt_params p;
    p.rounds = 10;
    p.subsample = 0.8;
    p.colsample_bytree = 0.6;
    p.seed = 9;
    p.threads = 1;
    auto one = pktdyn::train_gbdt(train.rows(), train.y, p);
    p.threads = 3;
    auto three = pktdyn::train_gbdt(train.rows(), train.y, p);
    REQUIRE(one);
    REQUIRE(three);
    CHECK(one->to_xgboost_json() == three->to_xgboost_json());
}

TEST_CASE("early stopping keeps the rounds up to the best validation loss", "[models][gbdt_train]") {
    const dataset train = synthetic(600, 4), valid = synthetic(600, 5);
    gbdt_params p;
    p.rounds = 300;
    p.learning_rate = 0.5;
    p.max_depth = 6;
    p.min_child_weight = 0;
    p.early_stopping_rounds = 5;
    const dense_rows v = valid.rows();
    auto model = pktdyn::train_gbdt(train.rows(), train.y, p, &v, std::span<const double>(valid.y));
    REQUIRE(model);
    CHECK(model->validation_loss.size() < 300);  // stopped early: it overfits fast
    CHECK(model->trees.size() == model->best_round + 1);
    CHECK(model->validation_loss.size() == model->best_round + 6);
    const auto& l = model->validation_loss;
    CHECK(*std::min_element(l.begin(), l.end()) == l[model->best_round]);
}

TEST_CASE("class weights move predictions towards the weighted class", "[models][gbdt_train]") {
    const dataset train = synthetic(3000, 6);
    gbdt_params p;
    p.rounds = 10;
    auto plain = pktdyn::train_gbdt(train.rows(), train.y, p);
    p.class_weights = {1.0, 5.0};
    auto weighted = pktdyn::train_gbdt(train.rows(), train.y, p);
    REQUIRE(plain);
    REQUIRE(weighted);
    std::vector<double> a(train.y.size()), b(train.y.size());
    plain->to_forest()->predict(train.rows(), a);
    weighted->to_forest()->predict(train.rows(), b);
    CHECK(std::accumulate(b.begin(), b.end(), 0.0) > std::accumulate(a.begin(), a.end(), 0.0) * 1.2);
}

TEST_CASE("inconsistent training requests are refused with what is wrong", "[models][gbdt_train]") {
    const dataset d = synthetic(100, 7);
    auto refuse = [&](gbdt_params p, std::vector<double> y, const char* message) {
        auto m = pktdyn::train_gbdt(d.rows(), y, p);
        REQUIRE_FALSE(m);
        CHECK(m.error().code() == pktdyn::errc::invalid_argument);
        CHECK_THAT(m.error().message(), Catch::Contains(message));
    };
    gbdt_params p;
    refuse(p, std::vector<double>(99, 0), "99 labels for 100 rows");
    std::vector<double> bad = d.y;
    bad[7] = 2;
    refuse(p, bad, "training label 2 at row 7 is not a class 0..1");
    p.max_depth = 0;
    refuse(p, d.y, "max_depth must be 1 to 20");
    p = {};
    p.max_bins = 300;
    refuse(p, d.y, "max_bins must be 2 to 256");
    p = {};
    p.class_weights = {1, 2, 3};
    refuse(p, d.y, "3 class weights for 2 classes");
    p = {};
    p.loss = gbdt_loss::softmax;
    p.num_classes = 1;
    refuse(p, d.y, "softmax needs 2 to 1024 classes");
}

TEST_CASE("held-out logloss and AUC within 1% of XGBoost hist's, and python3-xgboost reads the saved model",
          "[models][xgboost][gbdt_train]") {
    const auto dir = pktdyn::test::xgboost_reference_dir();
    if (!std::filesystem::exists(dir / "parity_xgboost.txt")) {
        WARN("no XGBoost reference in " << dir.string() << ": skipped");
        return;
    }
    const auto train = pktdyn::test::read_numbers(dir / "parity_train.csv");
    const auto test = pktdyn::test::read_numbers(dir / "parity_test.csv");
    std::map<std::string, double> xgb;
    {
        std::ifstream in(dir / "parity_xgboost.txt");
        std::string key;
        double v;
        while (in >> key >> v) xgb[key] = v;
    }
    const std::size_t d = train.width - 3;  // features, then binary, 4-class and real labels
    auto split = [&](const pktdyn::test::number_table& t, std::size_t label) {
        dataset s;
        s.width = d;
        for (std::size_t r = 0; r < t.rows(); ++r) {
            for (std::size_t c = 0; c < d; ++c) s.x.push_back(t.at(r, c));
            s.y.push_back(t.at(r, d + label));
        }
        return s;
    };
    gbdt_params p;  // the parameters scripts/xgboost_reference.py gives XGBoost
    p.rounds = static_cast<std::size_t>(xgb.at("rounds"));
    p.max_depth = 6;
    p.learning_rate = 0.1;
    p.threads = 2;

    SECTION("binary") {
        const dataset tr = split(train, 0), te = split(test, 0);
        auto model = pktdyn::train_gbdt(tr.rows(), tr.y, p);
        REQUIRE(model);
        auto f = model->to_forest();
        REQUIRE(f);
        std::vector<double> prob(te.y.size());
        f->predict(te.rows(), prob);
        const double ll = logloss(prob, te.y), a = auc(prob, te.y);
        INFO(fmt::format("logloss pktdyn {:.5f} xgboost {:.5f}; AUC pktdyn {:.5f} xgboost {:.5f}", ll, xgb.at("binary_logloss"), a,
                         xgb.at("binary_auc")));
        CHECK(ll <= xgb.at("binary_logloss") * 1.01);
        CHECK(a >= xgb.at("binary_auc") * 0.99);
        // The saved JSON, read by python3-xgboost, predicts what pktdyn predicts.
        const auto saved = dir / "pktdyn_binary.json";
        REQUIRE(model->save_xgboost_json(saved));
        std::ofstream rows(dir / "pktdyn_binary.rows.csv"), preds(dir / "pktdyn_binary.pred.csv");
        for (std::size_t r = 0; r < te.y.size(); ++r) {
            for (std::size_t c = 0; c < d; ++c) rows << (c ? "," : "") << fmt::format("{}", te.x[r * d + c]);
            rows << '\n';
            preds << fmt::format("{}\n", prob[r]);
        }
        rows.close();
        preds.close();
        const std::string command = fmt::format("/usr/bin/python3 '{}/scripts/check_saved_model.py' '{}' '{}' '{}'", PKTDYN_SOURCE_DIR,
                                                saved.string(), (dir / "pktdyn_binary.rows.csv").string(),
                                                (dir / "pktdyn_binary.pred.csv").string());
        CHECK(std::system(command.c_str()) == 0);
    }
    SECTION("multiclass") {
        const dataset tr = split(train, 1), te = split(test, 1);
        p.loss = gbdt_loss::softmax;
        p.num_classes = 4;
        auto model = pktdyn::train_gbdt(tr.rows(), tr.y, p);
        REQUIRE(model);
        std::vector<double> prob(te.y.size() * 4);
        model->to_forest()->predict(te.rows(), prob);
        double ll = 0;
        for (std::size_t r = 0; r < te.y.size(); ++r) ll -= std::log(std::max(prob[r * 4 + static_cast<std::size_t>(te.y[r])], 1e-16));
        ll /= static_cast<double>(te.y.size());
        INFO(fmt::format("mlogloss pktdyn {:.5f} xgboost {:.5f}", ll, xgb.at("multiclass_logloss")));
        CHECK(ll <= xgb.at("multiclass_logloss") * 1.01);
    }
    SECTION("regression") {
        const dataset tr = split(train, 2), te = split(test, 2);
        p.loss = gbdt_loss::squared_error;
        auto model = pktdyn::train_gbdt(tr.rows(), tr.y, p);
        REQUIRE(model);
        std::vector<double> pred(te.y.size());
        model->to_forest()->predict(te.rows(), pred);
        double se = 0;
        for (std::size_t r = 0; r < te.y.size(); ++r) se += (pred[r] - te.y[r]) * (pred[r] - te.y[r]);
        const double rmse = std::sqrt(se / static_cast<double>(te.y.size()));
        INFO(fmt::format("rmse pktdyn {:.5f} xgboost {:.5f}", rmse, xgb.at("regression_rmse")));
        CHECK(rmse <= xgb.at("regression_rmse") * 1.01);
    }
}
