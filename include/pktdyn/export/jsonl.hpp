// pktdyn — rows as JSON lines: one object per flow, its keys the column names in schema order.
// Counts, numbers, durations and timestamps are JSON numbers; text a JSON string; a missing value
// null (export/format.hpp).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "pktdyn/export/format.hpp"
#include "pktdyn/export/output.hpp"
#include "pktdyn/export/sink.hpp"

namespace pktdyn {

class jsonl_sink {
public:
    /// To standard output.
    jsonl_sink() = default;
    /// To the file at `path` ("" or "-": standard output).
    explicit jsonl_sink(const std::string& path) : out_(path) {}

    result<void> begin(const schema& s) {
        if (!out_.ok()) return out_.finish();
        keys_.clear();
        for (std::size_t i = 0; i < s.size(); ++i) {  // `"name":` once, copied per row
            text_buffer key;
            append_json_string(key, s[i].name);
            key.push_back(':');
            keys_.emplace_back(key.data(), key.size());
        }
        return {};
    }
    void consume(std::span<const value> row) {
        prepare(row, buffer_);
        if (buffer_.size() > (1u << 16)) drain();
    }
    /// The row's line, on any thread (preparing_sink): reads only the keys begin() made.
    void prepare(std::span<const value> row, text_buffer& b) const {
        b.push_back('{');
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (i) b.push_back(',');
            b.append(std::string_view(keys_[i]));
            append_json(b, row[i]);
        }
        b.append(std::string_view("}\n"));
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
    std::vector<std::string> keys_;
    text_buffer buffer_;
};

static_assert(diagnose_sink<jsonl_sink>());

}  // namespace pktdyn
