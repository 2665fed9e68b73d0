// pktdyn — a feature matrix written as rows arrive: NAME.npy (float64, rows x columns, C order; the
// feature columns of the schema), NAME.columns.txt (their names, one per line) and NAME.rows.txt
// (each row's Community ID, or its row number without one). Memory does not grow with the number of
// rows: the .npy header is written first with room for any row count and completed at finish().
// The files are byte for byte what export/npy.hpp's write_npy() writes for the same matrix (numpy
// format 1.0, the header padded with spaces to a multiple of 64 bytes and ended by '\n').
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/export/format.hpp"
#include "pktdyn/export/output.hpp"
#include "pktdyn/export/sink.hpp"

namespace pktdyn {

class npy_sink {
public:
    /// NAME.npy and the two name files beside it; a `name` ending in ".npy" is used as it is.
    explicit npy_sink(std::string name) {
        base_ = name.ends_with(".npy") ? name.substr(0, name.size() - 4) : std::move(name);
        matrix_ = output_file(base_ + ".npy", true);
        rows_ = output_file(base_ + ".rows.txt");
    }

    result<void> begin(const schema& s) {
        for (std::size_t i = 0; i < s.size(); ++i)
            if (s[i].role == column_role::feature) features_.push_back(i);
        id_ = s.find("community_id");
        {
            output_file names(base_ + ".columns.txt");
            for (std::size_t i : features_) {
                names.write(s[i].name);
                names.write("\n");
            }
            if (auto done = names.finish(); !done) return done;
        }
        if (!matrix_.ok()) return matrix_.finish();
        if (!rows_.ok()) return rows_.finish();
        // The header with room for the largest row count; finish() writes the real one.
        header_size_ = header(UINT64_MAX, 0).size();
        matrix_.write(header(0, header_size_));
        return {};
    }

    void consume(std::span<const value> row) {
        for (std::size_t i : features_) {
            const double v = row[i].as_double();
            char bytes[8];
            std::memcpy(bytes, &v, 8);
            if constexpr (std::endian::native == std::endian::big)
                for (int k = 0; k < 4; ++k) std::swap(bytes[k], bytes[7 - k]);
            data_.append(bytes, bytes + 8);
        }
        if (id_ < row.size()) append_plain(ids_, row[id_]);
        else fmt::format_to(std::back_inserter(ids_), "{}", rows_seen_);
        ids_.push_back('\n');
        ++rows_seen_;
        if (data_.size() > (1u << 20)) drain();
    }

    result<void> finish() {
        drain();
        matrix_.write_at(0, header(rows_seen_, header_size_));
        auto matrix = matrix_.finish();
        auto ids = rows_.finish();
        if (!matrix) return matrix;
        return ids;
    }

    [[nodiscard]] std::uint64_t rows() const noexcept { return rows_seen_; }

private:
    // numpy format 1.0: magic, version, u16 header length, the dict padded with spaces and ended
    // by '\n' so the data starts at a multiple of 64 (`size` 0: that multiple; else exactly size).
    [[nodiscard]] std::string header(std::uint64_t rows, std::size_t size) const {
        std::string dict = fmt::format("{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, {}), }}", rows, features_.size());
        const std::size_t total = size != 0 ? size : (10 + dict.size() + 1 + 63) / 64 * 64;
        dict.append(total - 10 - dict.size() - 1, ' ');
        dict.push_back('\n');
        const auto length = static_cast<std::uint16_t>(dict.size());
        std::string out("\x93NUMPY\x01\x00", 8);
        out.push_back(static_cast<char>(length & 0xFF));
        out.push_back(static_cast<char>(length >> 8));
        return out + dict;
    }
    void drain() {
        matrix_.write({data_.data(), data_.size()});
        rows_.write({ids_.data(), ids_.size()});
        data_.clear();
        ids_.clear();
    }

    std::string base_;
    output_file matrix_, rows_;
    std::vector<std::size_t> features_;
    std::size_t id_ = 0;
    std::size_t header_size_ = 0;
    std::uint64_t rows_seen_ = 0;
    text_buffer data_, ids_;
};

static_assert(diagnose_sink<npy_sink>());

}  // namespace pktdyn
