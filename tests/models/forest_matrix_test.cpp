#include "pktdyn/models/forest_matrix.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <xtensor/xview.hpp>

#include "models/reference_data.hpp"
#include "pktdyn/models/lightgbm_text.hpp"

TEST_CASE("Eigen and xtensor batches score as row by row", "[models][forest_matrix]") {
    auto model = pktdyn::load_lightgbm_text_file(pktdyn::test::lightgbm_fixture_dir() / "multiclass.txt");
    REQUIRE(model);
    const std::size_t rows = 333, k = model->num_outputs();  // not a multiple of the block size
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> v(-2, 20);
    Eigen::MatrixXd col_major(rows, 2);  // Eigen's default layout
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < 2; ++c) col_major(r, c) = r % 17 == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(v(rng));
    const pktdyn::eigen_predictions row_major_input = col_major;
    xt::xtensor<double, 2> tensor = xt::xtensor<double, 2>::from_shape({rows, 2});
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < 2; ++c) tensor(r, c) = col_major(r, c);

    const auto a = pktdyn::predict(*model, col_major);
    const auto b = pktdyn::predict(*model, row_major_input);
    const auto t = pktdyn::predict(*model, tensor);
    const auto margins = pktdyn::predict(*model, tensor, true);
    REQUIRE(a.rows() == static_cast<Eigen::Index>(rows));
    REQUIRE(a.cols() == static_cast<Eigen::Index>(k));
    REQUIRE(t.shape()[0] == rows);
    std::vector<double> one(k), one_margin(k);
    for (std::size_t r = 0; r < rows; ++r) {
        const double row[] = {col_major(r, 0), col_major(r, 1)};
        model->predict(row, one);
        model->predict_margin(row, one_margin);
        for (std::size_t i = 0; i < k; ++i) {
            CHECK(a(r, i) == one[i]);
            CHECK(b(r, i) == one[i]);
            CHECK(t(r, i) == one[i]);
            CHECK(margins(r, i) == one_margin[i]);
        }
    }
    // A view of the tensor works too (every other row).
    const auto view = xt::view(tensor, xt::range(0, rows, 2), xt::all());
    const auto half = pktdyn::predict(*model, view);
    CHECK(half(1, 0) == t(2, 0));
}
