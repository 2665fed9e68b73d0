// pktdyn — feature matrices as NumPy files.
//
// Writing, through xtensor's npy writer: NAME.npy (float64, rows x columns, C order; numpy.load
// reads it unchanged), NAME.columns.txt (one column name per line) and NAME.rows.txt (one row
// identifier per line). Also the matrix as an xtensor view.
//
// Reading a 2-D .npy matrix (`read_npy`). The layout, as numpy's format.py writes it:
//
//     offset 0   \x93NUMPY                      magic
//            6   major, minor                    1.0, 2.0 or 3.0
//            8   header length                   u16 LE (1.0), u32 LE (2.0, 3.0)
//       10 / 12  header                          a Python dict literal, padded with spaces, ending
//                                                in '\n': {'descr': '<f8', 'fortran_order': False,
//                                                'shape': (rows, columns), }
//       + length  the values                     rows x columns items of `descr`, C order
//
// The header is parsed here, not by xtensor: xtensor 0.24's read_header_1_0/2_0 assemble the length
// from `char`s, which sign-extend, so a valid header longer than 127 bytes reads as ~64 KiB (and is
// refused) or, in version 2.0, as ~4 GiB (and is allocated). The shape is checked against the
// file's size, in overflow-checked arithmetic, before anything is allocated.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <xtensor/xadapt.hpp>
#include <xtensor/xnpy.hpp>

#include "pktdyn/capture/mapped_file.hpp"
#include "pktdyn/core/result.hpp"
#include "pktdyn/export/feature_matrix.hpp"

namespace pktdyn {

/// The matrix as a rows x columns xtensor expression over its own storage (no copy).
[[nodiscard]] inline auto xt_view(const feature_matrix& m) {
    const std::array<std::size_t, 2> shape{m.rows(), m.columns()};
    return xt::adapt(m.data().data(), m.data().size(), xt::no_ownership(), shape);
}

/// Writes `base`.npy, `base`.columns.txt and `base`.rows.txt; an error names the file that could not
/// be written. Each file is checked after it is closed, so a full disk is an error, not a short file.
[[nodiscard]] inline result<void> write_npy(const feature_matrix& m, const std::string& base) {
    const auto failed = [](const std::string& path) {
        const int e = errno;
        return error{errc::io_error, e != 0 ? fmt::format("cannot write {}: {}", path, std::strerror(e))
                                            : fmt::format("cannot write {}", path)};
    };
    const std::string npy = base + ".npy";
    errno = 0;
    std::ofstream out(npy, std::ios::binary);
    if (!out) return failed(npy);
    try {
        // xt::dump_npy(filename, ...) never looks at its stream after writing; this is its body
        // with a stream we can check.
        xt::detail::dump_npy_stream(out, xt_view(m));
    } catch (const std::exception& e) {
        return error{errc::io_error, fmt::format("cannot write {}: {}", npy, e.what())};
    }
    out.close();
    if (!out) return failed(npy);
    const auto write_lines = [&](const std::string& path, const std::vector<std::string>& lines) -> result<void> {
        errno = 0;
        std::ofstream text(path);
        for (const auto& line : lines) text << line << '\n';
        text.close();
        if (!text) return failed(path);
        return {};
    };
    if (auto r = write_lines(base + ".columns.txt", m.names()); !r) return r;
    return write_lines(base + ".rows.txt", m.ids());
}

/// A matrix read from a .npy file: `rows` x `columns` doubles, row-major.
struct npy_matrix {
    std::size_t rows = 0, columns = 0;
    std::vector<double> values;

    [[nodiscard]] double operator()(std::size_t r, std::size_t c) const noexcept { return values[r * columns + c]; }
};

/// The matrix as a rows x columns xtensor expression over its own storage (no copy).
[[nodiscard]] inline auto xt_view(const npy_matrix& m) {
    const std::array<std::size_t, 2> shape{m.rows, m.columns};
    return xt::adapt(m.values.data(), m.values.size(), xt::no_ownership(), shape);
}

namespace detail::npy {

// The header dict, read left to right; `at` is the byte offset in the file of text[0].
class header_parser {
public:
    header_parser(std::string_view text, std::size_t at, std::string_view source) : text_(text), at_(at), source_(source) {}

    struct dict {
        std::string descr;
        bool fortran_order = false;
        std::vector<std::uint64_t> shape;
    };

    [[nodiscard]] result<dict> parse() {
        dict d;
        bool seen_descr = false, seen_fortran = false, seen_shape = false;
        space();
        if (!take('{')) return expected("'{' opening the header dict");
        for (;;) {
            space();
            if (take('}')) break;
            const std::size_t key_at = pos_;
            std::string key;
            if (auto r = string(key); !r) return r.error();
            space();
            if (!take(':')) return expected("':' after the key");
            space();
            bool* seen = key == "descr" ? &seen_descr : key == "fortran_order" ? &seen_fortran : key == "shape" ? &seen_shape : nullptr;
            if (seen == nullptr)
                return bad(key_at, fmt::format("unknown key '{}' (numpy writes only 'descr', 'fortran_order' and 'shape')", key));
            if (*seen) return bad(key_at, fmt::format("expected each key once, found '{}' a second time", key));
            *seen = true;
            result<void> e;
            if (key == "descr") {
                if (peek() == '[') return bad(pos_, "a structured dtype (a list of fields): expected one numeric dtype such as '<f8'");
                e = string(d.descr);
            } else if (key == "fortran_order") {
                e = boolean(d.fortran_order);
            } else {
                e = tuple(d.shape);
            }
            if (!e) return e.error();
            space();
            if (take(',')) continue;
            space();
            if (take('}')) break;
            return expected("',' or '}' after a value");
        }
        space();
        if (pos_ != text_.size()) return expected("only spaces and a newline after the header dict");
        for (const auto& [seen, key] : {std::pair{seen_descr, "descr"}, {seen_fortran, "fortran_order"}, {seen_shape, "shape"}})
            if (!seen) return bad(pos_, fmt::format("expected the key '{}' in the header dict, found none", key));
        return d;
    }

private:
    [[nodiscard]] char peek() const noexcept { return pos_ < text_.size() ? text_[pos_] : '\0'; }
    bool take(char c) {
        if (pos_ >= text_.size() || text_[pos_] != c) return false;
        ++pos_;
        return true;
    }
    void space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\t' || text_[pos_] == '\r'))
            ++pos_;
    }
    [[nodiscard]] error bad(std::size_t pos, std::string what) const {
        return error(errc::corrupt, fmt::format("{}: .npy header at byte offset {}: {}", source_, at_ + pos, what));
    }
    [[nodiscard]] error expected(std::string_view what) const {
        const std::string found = pos_ >= text_.size() ? std::string("the end of the header")
                                                       : fmt::format("'{}'", text_.substr(pos_, std::min<std::size_t>(12, text_.size() - pos_)));
        return bad(pos_, fmt::format("expected {}, found {}", what, found));
    }
    // A Python string literal without escapes ('<f8', "shape").
    [[nodiscard]] result<void> string(std::string& out) {
        const char quote = peek();
        if (quote != '\'' && quote != '"') return expected("a quoted string");
        const std::size_t end = text_.find(quote, pos_ + 1);
        if (end == std::string_view::npos) return bad(pos_, "a string that is never closed");
        out.assign(text_.substr(pos_ + 1, end - pos_ - 1));
        if (out.find('\\') != std::string::npos) return bad(pos_, "a string with escapes (numpy writes none)");
        pos_ = end + 1;
        return {};
    }
    [[nodiscard]] result<void> boolean(bool& out) {
        if (text_.substr(pos_).starts_with("True")) out = true, pos_ += 4;
        else if (text_.substr(pos_).starts_with("False")) out = false, pos_ += 5;
        else return expected("True or False");
        return {};
    }
    // (), (5,), (2, 3): whole numbers; Python 2's numpy wrote longs as 3L.
    [[nodiscard]] result<void> tuple(std::vector<std::uint64_t>& out) {
        if (!take('(')) return expected("'(' opening the shape");
        for (;;) {
            space();
            if (take(')')) return {};
            const std::size_t start = pos_;
            std::uint64_t v = 0;
            const auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), v);
            if (ec == std::errc::result_out_of_range) return bad(start, "a dimension beyond 2^64");
            if (ec != std::errc{}) return expected("a dimension (a whole number) in the shape");
            pos_ = static_cast<std::size_t>(end - text_.data());
            take('L');
            out.push_back(v);
            space();
            if (take(',')) continue;
            space();
            if (take(')')) return {};
            return expected("',' or ')' in the shape");
        }
    }

    std::string_view text_;
    std::size_t at_, pos_ = 0;
    std::string_view source_;
};

// `count` items of type T in the file's byte order (reversed when `swap`), made doubles.
template <class T>
void convert(const std::byte* data, std::size_t count, bool swap, double* out) noexcept {
    std::array<std::byte, sizeof(T)> item;
    for (std::size_t i = 0; i < count; ++i, data += sizeof(T)) {
        std::memcpy(item.data(), data, sizeof(T));
        if (swap) std::reverse(item.begin(), item.end());
        T v;
        std::memcpy(&v, item.data(), sizeof(T));
        out[i] = static_cast<double>(v);
    }
}

}  // namespace detail::npy

/// Reads a 2-D .npy matrix from its bytes (`source` names it in messages): C order, any of the
/// dtypes f8, f4 (float64, float32), i1..i8, u1..u8 and b1 in either byte order, made doubles. Bytes
/// after the matrix are ignored, as numpy.load does.
[[nodiscard]] inline result<npy_matrix> read_npy(std::span<const std::byte> bytes, std::string_view source) {
    const auto fail = [&](errc code, std::string what) { return error(code, fmt::format("{}: {}", source, what)); };
    constexpr std::string_view magic = "\x93NUMPY";
    if (bytes.size() < magic.size() || std::memcmp(bytes.data(), magic.data(), magic.size()) != 0) {
        std::string found;
        for (std::size_t i = 0; i < std::min<std::size_t>(bytes.size(), magic.size()); ++i) {
            const auto c = static_cast<unsigned char>(bytes[i]);
            found += c >= 0x20 && c < 0x7f ? fmt::format("{}", static_cast<char>(c)) : fmt::format("\\x{:02x}", c);
        }
        return fail(errc::corrupt, fmt::format("not a NumPy .npy file: expected the magic \\x93NUMPY at byte offset 0, found '{}'", found));
    }
    if (bytes.size() < 10)
        return fail(errc::truncated, fmt::format("truncated at byte offset {}: the .npy preamble (magic, version, header length) "
                                                 "takes at least 10 bytes", bytes.size()));
    const auto major = static_cast<unsigned>(bytes[6]), minor = static_cast<unsigned>(bytes[7]);
    if (minor != 0 || major < 1 || major > 3)
        return fail(errc::unsupported, fmt::format(".npy format version {}.{} at byte offset 6: expected 1.0, 2.0 or 3.0", major, minor));
    const std::size_t length_bytes = major == 1 ? 2 : 4;
    const std::size_t header_at = 8 + length_bytes;
    if (bytes.size() < header_at)
        return fail(errc::truncated, fmt::format("truncated at byte offset {}: expected a {}-byte header length at byte offset 8",
                                                 bytes.size(), length_bytes));
    std::size_t header_length = 0;  // little-endian, each byte unsigned
    for (std::size_t i = 0; i < length_bytes; ++i) header_length |= static_cast<std::size_t>(bytes[8 + i]) << (8 * i);
    if (header_length > bytes.size() - header_at)
        return fail(errc::truncated, fmt::format("truncated: the .npy header at byte offset {} is {} bytes long (byte offset 8 says), "
                                                 "but the file ends at byte offset {}", header_at, header_length, bytes.size()));
    const std::string_view header_text(reinterpret_cast<const char*>(bytes.data()) + header_at, header_length);
    auto header = detail::npy::header_parser(header_text, header_at, source).parse();
    if (!header) return header.error();
    const std::size_t data_at = header_at + header_length;

    // The dtype: byte order, kind, size.
    const std::string& descr = header->descr;
    const auto unsupported_dtype = [&] {
        return fail(errc::unsupported, fmt::format("dtype '{}' (.npy header at byte offset {}): expected numbers, such as '<f8' "
                                                   "(float64), '<f4', '<i8' or '|u1'", descr, header_at));
    };
    if (descr.size() != 3 || (descr[0] != '<' && descr[0] != '>' && descr[0] != '|' && descr[0] != '=')) return unsupported_dtype();
    const char kind = descr[1];
    const std::size_t item = static_cast<std::size_t>(descr[2] - '0');
    const bool little = descr[0] == '<' || (descr[0] != '>' && std::endian::native == std::endian::little);
    const bool swap = item > 1 && little != (std::endian::native == std::endian::little);
    using convert_fn = void (*)(const std::byte*, std::size_t, bool, double*) noexcept;
    convert_fn convert = nullptr;
    if (kind == 'f' && item == 8) convert = detail::npy::convert<double>;
    else if (kind == 'f' && item == 4) convert = detail::npy::convert<float>;
    else if (kind == 'i' && item == 1) convert = detail::npy::convert<std::int8_t>;
    else if (kind == 'i' && item == 2) convert = detail::npy::convert<std::int16_t>;
    else if (kind == 'i' && item == 4) convert = detail::npy::convert<std::int32_t>;
    else if (kind == 'i' && item == 8) convert = detail::npy::convert<std::int64_t>;
    else if (kind == 'u' && item == 1) convert = detail::npy::convert<std::uint8_t>;
    else if (kind == 'u' && item == 2) convert = detail::npy::convert<std::uint16_t>;
    else if (kind == 'u' && item == 4) convert = detail::npy::convert<std::uint32_t>;
    else if (kind == 'u' && item == 8) convert = detail::npy::convert<std::uint64_t>;
    else if (kind == 'b' && item == 1) convert = detail::npy::convert<std::uint8_t>;
    else return unsupported_dtype();
    static_assert(sizeof(double) == 8 && sizeof(float) == 4 && std::numeric_limits<double>::is_iec559);

    const auto& shape = header->shape;
    const std::string shape_text = fmt::format("({}{})", fmt::join(shape, ", "), shape.size() == 1 ? "," : "");
    if (shape.size() != 2)
        return fail(errc::unsupported, fmt::format("shape {} (.npy header at byte offset {}): {} dimension{}, expected a 2-D "
                                                   "matrix (rows, columns)", shape_text, header_at, shape.size(),
                                                   shape.size() == 1 ? "" : "s"));
    if (header->fortran_order)
        return fail(errc::unsupported, fmt::format("fortran_order is True (.npy header at byte offset {}): expected a C-order matrix "
                                                   "(save numpy.ascontiguousarray(a))", header_at));
    // rows x columns x item against the bytes after the header, before anything is allocated.
    const std::uint64_t available = bytes.size() - data_at;
    std::uint64_t values = 0, need = 0;
    if (__builtin_mul_overflow(shape[0], shape[1], &values) || __builtin_mul_overflow(values, item, &need))
        return fail(errc::corrupt, fmt::format("the .npy header's shape {} of '{}' describes more values than the file holds "
                                               "(2^64 bytes or more)", shape_text, descr));
    if (need > available)
        return fail(errc::truncated, fmt::format("the .npy header promises a {} x {} matrix of '{}', {} bytes from byte offset {}, "
                                                 "but the file holds {} bytes there: it ends before the matrix its header "
                                                 "describes, or the header's shape is wrong", shape[0], shape[1], descr, need,
                                                 data_at, available));
    npy_matrix m;
    m.rows = static_cast<std::size_t>(shape[0]);
    m.columns = static_cast<std::size_t>(shape[1]);
    m.values.resize(static_cast<std::size_t>(values));
    if (need == 0) return m;  // an empty matrix: no bytes to copy (and memcpy's pointers may be null)
    if (kind == 'f' && item == 8 && !swap) std::memcpy(m.values.data(), bytes.data() + data_at, static_cast<std::size_t>(need));
    else convert(bytes.data() + data_at, m.values.size(), swap, m.values.data());
    return m;
}

/// Reads a 2-D .npy matrix file (see the overload above).
[[nodiscard]] inline result<npy_matrix> read_npy(const std::filesystem::path& file) {
    auto mapped = mapped_file::open(file);
    if (!mapped) return mapped.error();
    return read_npy(mapped->bytes(), file.string());
}

}  // namespace pktdyn
