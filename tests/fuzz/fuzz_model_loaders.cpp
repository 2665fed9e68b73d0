// libFuzzer target: the model file readers. Every input goes to the JSON reader, the XGBoost JSON
// loader and the LightGBM text loader (copied to an exact-size buffer so any read past it is
// caught). Each must return a model or an error with a message, never crash; a model that loads is
// then scored on a few rows (zeros, NaN, huge values, a narrow row) and matched to its own column
// names reversed, which must not crash either.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "pktdyn/core/json.hpp"
#include "pktdyn/models/lightgbm_text.hpp"
#include "pktdyn/models/xgboost_json.hpp"

namespace {

void exercise(pktdyn::result<pktdyn::forest>& loaded) {
    if (!loaded) {
        if (loaded.error().message().empty()) __builtin_trap();  // an error must say what is wrong
        return;
    }
    pktdyn::forest& f = *loaded;
    const std::size_t width = f.num_features(), outputs = f.num_outputs();
    if (width > 4096 || outputs == 0 || outputs > 4096) return;
    std::vector<double> out(outputs);
    for (const double v : {0.0, std::numeric_limits<double>::quiet_NaN(), 1e300, -1.0, 0.5}) {
        const std::vector<double> row(width, v);
        f.predict(row, out);
    }
    if (width > 0) {
        const std::vector<double> narrow(width - 1, 1.0);
        f.predict_margin(narrow, out);
        for (double v : out)
            if (!std::isnan(v)) __builtin_trap();  // a narrow row gives NaN, never a read past it
    }
    std::vector<double> batch(width * 3, 2.0), batch_out(outputs * 3);
    f.predict(pktdyn::dense_rows{batch, width}, batch_out);
    std::vector<std::string> columns(f.feature_names().rbegin(), f.feature_names().rend());
    if (f.use_columns(columns)) {
        const std::vector<double> row(f.num_features(), 1.0);
        f.predict(row, out);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::vector<char> bytes(reinterpret_cast<const char*>(data), reinterpret_cast<const char*>(data) + size);
    const std::string_view text(bytes.data(), bytes.size());
    if (auto doc = pktdyn::json::parse(text, "fuzz"); !doc && doc.error().message().empty()) __builtin_trap();
    auto xgboost = pktdyn::load_xgboost_json(text, "fuzz");
    exercise(xgboost);
    auto lightgbm = pktdyn::load_lightgbm_text(text, "fuzz");
    exercise(lightgbm);
    return 0;
}
