// pktdyn — a sink that sees only some columns: `select_columns(csv_sink{...}, {"community_id",
// "app_category"})` gives the inner sink those columns, in that order, of every row. A name the
// rows lack is an error when the run starts.
#pragma once

#include <array>
#include <initializer_list>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/export/sink.hpp"

namespace pktdyn {

template <class K>
class selected_sink {
public:
    static constexpr std::size_t max_columns = 128;

    selected_sink(K inner, std::vector<std::string> names) : inner_(std::move(inner)), names_(std::move(names)) {}

    result<void> begin(const schema& s) {
        if (names_.size() > max_columns) return error(errc::invalid_argument, fmt::format("more than {} columns selected", max_columns));
        where_.clear();
        for (const auto& name : names_) {
            const std::size_t at = s.find(name);
            if (at == s.size()) return error(errc::invalid_argument, fmt::format("no column '{}' to select", name));
            where_.push_back(at);
            selected_.add(s[at]);
        }
        return inner_.begin(selected_);
    }
    void consume(std::span<const value> row) {
        std::array<value, max_columns> picked;
        inner_.consume(pick(row, picked));
    }
    void prepare(std::span<const value> row, text_buffer& b) const
        requires preparing_sink<K>
    {
        std::array<value, max_columns> picked;
        inner_.prepare(pick(row, picked), b);
    }
    void consume_prepared(std::span<const value> row, std::string_view bytes)
        requires preparing_sink<K>
    {
        if (row.empty()) return inner_.consume_prepared(row, bytes);
        std::array<value, max_columns> picked;
        inner_.consume_prepared(pick(row, picked), bytes);
    }
    [[nodiscard]] bool needs_values() const noexcept { return detail::sink::needs_values(inner_); }
    [[nodiscard]] bool wants_rows() const noexcept { return pktdyn::wants_rows(inner_); }
    result<void> finish() { return inner_.finish(); }
    [[nodiscard]] K& inner() noexcept { return inner_; }

private:
    std::span<const value> pick(std::span<const value> row, std::array<value, max_columns>& picked) const {
        for (std::size_t i = 0; i < where_.size(); ++i) picked[i] = row[where_[i]];
        return std::span<const value>(picked).first(where_.size());
    }

    K inner_;
    std::vector<std::string> names_;
    std::vector<std::size_t> where_;
    schema selected_;
};

/// `inner` given only the columns named, in that order.
template <class K>
selected_sink<K> select_columns(K inner, std::vector<std::string> names) {
    static_assert(diagnose_sink<K>());
    return {std::move(inner), std::move(names)};
}

}  // namespace pktdyn
