// pktdyn — a feature matrix as NumPy files, through xtensor's npy writer: NAME.npy (float64,
// rows x columns, C order; numpy.load reads it unchanged), NAME.columns.txt (one column name per
// line) and NAME.rows.txt (one row identifier per line). Also the matrix as an xtensor view.
#pragma once

#include <array>
#include <fstream>
#include <optional>
#include <string>

#include <xtensor/xadapt.hpp>
#include <xtensor/xnpy.hpp>

#include "pktdyn/core/result.hpp"
#include "pktdyn/export/feature_matrix.hpp"

namespace pktdyn {

/// The matrix as a rows x columns xtensor expression over its own storage (no copy).
[[nodiscard]] inline auto xt_view(const feature_matrix& m) {
    const std::array<std::size_t, 2> shape{m.rows(), m.columns()};
    return xt::adapt(m.data().data(), m.data().size(), xt::no_ownership(), shape);
}

/// Writes `base`.npy, `base`.columns.txt and `base`.rows.txt; an error says what could not be written.
[[nodiscard]] inline std::optional<error> write_npy(const feature_matrix& m, const std::string& base) {
    try {
        xt::dump_npy(base + ".npy", xt_view(m));
    } catch (const std::exception& e) {
        return error{errc::io_error, base + ".npy: " + e.what()};
    }
    std::ofstream columns(base + ".columns.txt"), rows(base + ".rows.txt");
    for (const auto& n : m.names()) columns << n << '\n';
    for (const auto& id : m.ids()) rows << id << '\n';
    if (!columns || !rows) return error{errc::io_error, base + ": cannot write the column or row names"};
    return std::nullopt;
}

}  // namespace pktdyn
