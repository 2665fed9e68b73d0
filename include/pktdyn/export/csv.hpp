// pktdyn — rows as CSV (RFC 4180): a header naming every column, then one line per flow. Values
// as export/format.hpp writes them; a missing value is an empty field.
#pragma once

#include <span>
#include <string>

#include "pktdyn/export/format.hpp"
#include "pktdyn/export/output.hpp"
#include "pktdyn/export/sink.hpp"

namespace pktdyn {

class csv_sink {
public:
    /// To standard output.
    csv_sink() = default;
    /// To the file at `path` ("" or "-": standard output).
    explicit csv_sink(const std::string& path) : out_(path) {}

    result<void> begin(const schema& s) {
        if (!out_.ok()) return out_.finish();
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (i) buffer_.push_back(',');
            buffer_.append(std::string_view(s[i].name));
        }
        buffer_.push_back('\n');
        return {};
    }
    void consume(std::span<const value> row) {
        prepare(row, buffer_);
        if (buffer_.size() > (1u << 16)) drain();
    }
    /// The row's line, on any thread (preparing_sink).
    void prepare(std::span<const value> row, text_buffer& b) const {
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (i) b.push_back(',');
            append_csv(b, row[i]);
        }
        b.push_back('\n');
    }
    void consume_prepared(std::span<const value>, std::string_view line) {
        buffer_.append(line);
        if (buffer_.size() > (1u << 16)) drain();
    }
    result<void> finish() {
        drain();
        return out_.finish();
    }

private:
    void drain() {
        out_.write({buffer_.data(), buffer_.size()});
        buffer_.clear();
    }
    output_file out_;
    text_buffer buffer_;
};

static_assert(diagnose_sink<csv_sink>());

}  // namespace pktdyn
