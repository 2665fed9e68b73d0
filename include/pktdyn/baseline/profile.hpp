// pktdyn — behavioural profiles: per key (a host, a host pair, a service), hourly values of a few
// metrics, each judged against its own Holt-Winters band by hour of day before it is learned.
//
// A key's metrics are two sums (e.g. bytes sent and flows) and one distinct count (e.g. peers,
// counted by linear counting over 256 bits: exact in practice below 30, within 10 % to 300); the
// first `modelled` of them (1 to 3) have a model, the others' verdicts stay empty. Values
// add up in the key's open hour (packet time: the hour of the flow's last packet); the first value
// for a later hour closes the open one: its three values are judged by the key's models (models/
// holt_winters_detector.hpp, season 24 hours: the band is "what this key does at this hour of the
// day") and then learned. Hours with nothing are zeros, so night stays night; a gap of more than a
// week is shortened to a week and its remainder modulo a day, which keeps the phase. A model judges
// once it has seen a day to initialise and `warm_up` (24) hours more.
//
// Memory is capped: at `capacity` keys the least recently used key is evicted (counted). About
// 1.1 KiB a key with three models, 0.5 KiB with one (bytes_per_key()); a key's models are made when
// its first hour closes, so a key seen in one hour only (a scan's one-off pair) costs ~0.2 KiB and
// no model. Keys live in one array, linked in order of use, found through a flat index of their
// 64-bit hashes (baseline/flat_map.hpp; two keys merge only if their hashes collide, 2^-64 a pair,
// as in first_seen.hpp). State saves to a versioned text and restores exactly; a malformed
// text is an error naming its line.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/baseline/flat_map.hpp"
#include "pktdyn/baseline/sketch_hash.hpp"
#include "pktdyn/core/result.hpp"
#include "pktdyn/core/time.hpp"
#include "pktdyn/models/holt_winters_detector.hpp"

namespace pktdyn {

struct profile_options {
    std::size_t capacity = 1 << 16;        ///< keys kept; the least recently used is evicted beyond
    std::size_t modelled = 3;              ///< metrics with a model, 1 to 3 (the first ones: a table that
                                           ///< needs one band keeps one model a key)
    holt_winters_options model{};          ///< per metric (season 24: hourly values, a daily cycle)
};

class profile_table {
public:
    static constexpr std::size_t metrics = 3;  ///< two sums, then the distinct count

    /// One closed hour of one key: its values and each metric's verdict before they were learned.
    struct closed_hour {
        std::string_view key;
        std::int64_t hour = 0;  ///< hours since the epoch
        std::array<double, metrics> value{};
        std::array<band_verdict, metrics> verdict{};
    };

    [[nodiscard]] static result<profile_table> create(profile_options o = {}) {
        if (o.capacity == 0) return error{errc::invalid_argument, "profile_table: capacity must be at least 1"};
        if (o.modelled == 0 || o.modelled > metrics) return error{errc::invalid_argument, "profile_table: modelled must be 1 to 3"};
        if (auto m = holt_winters_detector::create(o.model); !m) return m.error();
        return profile_table(o);
    }

    /// Adds to `key`'s open hour (the hour of `t`): `sums` to the two sums, and `item` (a hash of
    /// the peer, client…) to the distinct count. Hours this closes go to `on_hour(const closed_hour&)`.
    template <class OnHour>
    void add(std::string_view key, timestamp t, std::array<double, 2> sums, std::uint64_t item, OnHour&& on_hour) {
        const std::int64_t hour = hour_of(t);
        entry& e = touch(key, hour);
        if (hour > e.hour) {
            close(e, hour, on_hour);
            ++active_hours_;
        }
        if (hour >= e.hour) {  // a flow ending in an hour already closed is left out of the profile
            e.sums[0] += sums[0];
            e.sums[1] += sums[1];
            const std::uint64_t h = sketch_hash(item);
            e.distinct[h >> 62] |= std::uint64_t{1} << (h & 63);
        }
    }

    [[nodiscard]] std::size_t size() const noexcept { return index_.size(); }
    [[nodiscard]] std::uint64_t evictions() const noexcept { return evictions_; }
    /// Key-hours with something added in this run (a key's first hour, then each later hour it
    /// is seen in): for hosts, the "host-hours" alert rates are counted against.
    [[nodiscard]] std::uint64_t active_hours() const noexcept { return active_hours_; }
    [[nodiscard]] const profile_options& options() const noexcept { return o_; }
    /// The models of `key` (nullptr when the key is not held; empty until its first hour closed),
    /// for explanations and tests.
    [[nodiscard]] const std::vector<holt_winters_detector>* models(std::string_view key) const {
        const std::uint32_t* e = index_.find(sketch_hash(key));
        return e ? &entries_[*e].models : nullptr;
    }
    /// Memory a key with its models takes (its entry, its models' seasons, the index's two slots at
    /// load 1/2), for the budget.
    [[nodiscard]] std::size_t bytes_per_key() const noexcept {
        return sizeof(entry) + o_.modelled * (sizeof(holt_winters_detector) + o_.model.season * sizeof(double)) + 2 * 17;
    }

    // ---- State: "pktdyn.profile_table 1", the options, then per key (least recent first) a line
    // "key <hex> <hour> <sum0> <sum1> <distinct words ×4>" and its three models' texts, each
    // preceded by "model <lines>".
    [[nodiscard]] std::string save() const {
        std::string out = fmt::format("pktdyn.profile_table 1\ncapacity {}\nmodelled {}\nkeys {}\n", o_.capacity, o_.modelled, index_.size());
        const std::string blank = holt_winters_detector::create(o_.model).value().save();  // a key's models before they are made
        const auto model_text = [&](const std::string& text) {
            out += fmt::format("model {}\n", std::count(text.begin(), text.end(), '\n'));
            out += text;
        };
        for (std::uint32_t i = oldest_; i != none; i = entries_[i].newer) {
            const entry& e = entries_[i];
            out += "key ";
            for (unsigned char c : e.key) out += fmt::format("{:02x}", c);
            out += fmt::format(" {} {} {} {} {} {} {}\n", e.hour, number(e.sums[0]), number(e.sums[1]), e.distinct[0],
                               e.distinct[1], e.distinct[2], e.distinct[3]);
            for (std::size_t m = 0; m < o_.modelled; ++m) model_text(e.models.empty() ? blank : e.models[m].save());
        }
        return out;
    }

    [[nodiscard]] static result<profile_table> restore(std::string_view text, holt_winters_options model = {}) {
        state_lines r(text, "profile");
        std::size_t capacity = 0, modelled = 0, keys = 0;
        if (r.line() != "pktdyn.profile_table 1") return r.fail("expected 'pktdyn.profile_table 1'");
        if (!r.field("capacity", capacity) || capacity == 0) return r.fail("expected 'capacity N' with N >= 1");
        if (!r.field("modelled", modelled) || modelled == 0 || modelled > metrics) return r.fail("expected 'modelled N', N 1 to 3");
        if (!r.field("keys", keys) || keys > capacity) return r.fail("expected 'keys N' with N <= capacity");
        auto t = create({capacity, modelled, model});
        if (!t) return t.error();
        const auto blank = holt_winters_detector::create(model).value();
        for (std::size_t k = 0; k < keys; ++k) {
            const std::size_t line_number = r.number() + 1;
            const std::string_view line = r.line();
            entry e;
            e.models.assign(modelled, blank);
            if (!parse_key_line(line, e)) return r.fail("expected 'key HEX HOUR SUM SUM W W W W'", line_number);
            for (auto& m : e.models) {
                std::size_t lines = 0;
                if (!r.field("model", lines) || lines == 0 || lines > 64) return r.fail("expected 'model LINES'");
                const std::size_t first = r.number() + 1;
                const auto body = r.lines(lines);
                if (!body) return r.fail("a model ends early", first);
                auto restored = holt_winters_detector::restore(*body);
                if (!restored)
                    return error{errc::corrupt, fmt::format("profile state, a model from line {}: {}", first, restored.error().message())};
                if (restored->options().season != 24) return r.fail("a model's season must be 24 hours", first);
                m = std::move(*restored);
            }
            const auto [slot, added] = t->index_.try_emplace(sketch_hash(e.key));
            if (!added) return r.fail("a key given twice", line_number);
            *slot = static_cast<std::uint32_t>(t->entries_.size());
            t->entries_.push_back(std::move(e));
            t->link_newest(*slot);
        }
        if (!r.at_end()) return r.fail_trailing("the last key");
        return t;
    }

private:
    static constexpr std::uint32_t none = UINT32_MAX;
    struct entry {
        std::string key;
        std::int64_t hour = 0;
        std::array<double, 2> sums{};
        std::array<std::uint64_t, 4> distinct{};
        std::vector<holt_winters_detector> models;  // the first `modelled` metrics; made at the first close
        std::uint32_t newer = none, older = none;   // the order of use
    };

    explicit profile_table(profile_options o) : o_(o) {}

    static std::int64_t hour_of(timestamp t) noexcept { return to_ns(t) / 3'600'000'000'000; }

    static double distinct_count(const std::array<std::uint64_t, 4>& bits) noexcept {
        std::size_t set = 0;
        for (std::uint64_t w : bits) set += static_cast<std::size_t>(std::popcount(w));
        if (set == 256) return 256 * std::log(256.0);
        return std::round(-256 * std::log(1 - static_cast<double>(set) / 256));  // linear counting
    }

    entry& touch(std::string_view key, std::int64_t hour) {
        const std::uint64_t h = sketch_hash(key);
        if (const std::uint32_t* found = index_.find(h)) {
            if (*found != newest_) {  // a key's flows often come in a row
                unlink(*found);
                link_newest(*found);
            }
            return entries_[*found];
        }
        std::uint32_t i = static_cast<std::uint32_t>(entries_.size());
        if (index_.size() >= o_.capacity) {  // the least recently used key makes room, its entry reused
            i = oldest_;
            index_.erase(sketch_hash(entries_[i].key));
            unlink(i);
            ++evictions_;
            entry& e = entries_[i];
            e.key.assign(key);
            e.sums = {};
            e.distinct = {};
            e.models.clear();
        } else {
            entries_.emplace_back().key.assign(key);
        }
        entries_[i].hour = hour;
        ++active_hours_;
        index_[h] = i;
        link_newest(i);
        return entries_[i];
    }

    void unlink(std::uint32_t i) noexcept {
        entry& e = entries_[i];
        (e.newer == none ? newest_ : entries_[e.newer].older) = e.older;
        (e.older == none ? oldest_ : entries_[e.older].newer) = e.newer;
        e.newer = e.older = none;
    }
    void link_newest(std::uint32_t i) noexcept {
        entries_[i].older = newest_;
        (newest_ == none ? oldest_ : entries_[newest_].newer) = i;
        newest_ = i;
    }

    template <class OnHour>
    void close(entry& e, std::int64_t to_hour, OnHour& on_hour) {
        closed_hour c;
        c.key = e.key;
        std::int64_t gap = to_hour - e.hour;
        constexpr std::int64_t week = 24 * 7;
        if (gap > week) gap = week + (gap - week) % 24;  // a long silence: a week of zeros, phase kept
        const std::int64_t first = to_hour - gap;
        if (e.models.empty()) e.models.assign(o_.modelled, holt_winters_detector::create(o_.model).value());
        for (std::int64_t h = first; h < to_hour; ++h) {
            c.hour = h == first ? e.hour : h;
            c.value = h == first ? std::array<double, metrics>{e.sums[0], e.sums[1], distinct_count(e.distinct)}
                                 : std::array<double, metrics>{};
            for (std::size_t m = 0; m < e.models.size(); ++m) c.verdict[m] = e.models[m].update(c.value[m]);
            on_hour(static_cast<const closed_hour&>(c));
        }
        e.hour = to_hour;
        e.sums = {};
        e.distinct = {};
    }

    static std::string number(double v) {
        std::array<char, 32> b{};
        const auto r = std::to_chars(b.data(), b.data() + b.size(), v);
        return std::string(b.data(), r.ptr);
    }

    static bool parse_key_line(std::string_view line, entry& e) {
        const auto next = [&]() {
            const std::size_t space = line.find(' ');
            const std::string_view token = line.substr(0, space);
            line = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
            return token;
        };
        if (next() != "key") return false;
        const std::string_view hex = next();
        if (hex.empty() || hex.size() % 2 != 0 || hex.size() > 512) return false;
        for (std::size_t i = 0; i < hex.size(); i += 2) {
            unsigned v = 0;
            const auto r = std::from_chars(hex.data() + i, hex.data() + i + 2, v, 16);
            if (r.ec != std::errc{} || r.ptr != hex.data() + i + 2) return false;
            e.key.push_back(static_cast<char>(v));
        }
        const auto whole = [&](auto& out) {
            const std::string_view token = next();
            const auto r = std::from_chars(token.data(), token.data() + token.size(), out);
            return !token.empty() && r.ec == std::errc{} && r.ptr == token.data() + token.size();
        };
        if (!whole(e.hour) || !whole(e.sums[0]) || !whole(e.sums[1])) return false;
        for (auto& w : e.distinct)
            if (!whole(w)) return false;
        return line.empty() && std::isfinite(e.sums[0]) && std::isfinite(e.sums[1]) && e.sums[0] >= 0 && e.sums[1] >= 0;
    }

    profile_options o_;
    std::vector<entry> entries_;                      // up to `capacity`, reused once full
    flat_map<std::uint64_t, std::uint32_t> index_;    // the key's hash → its entry
    std::uint32_t newest_ = none, oldest_ = none;     // the ends of the order of use
    std::uint64_t evictions_ = 0, active_hours_ = 0;
};

}  // namespace pktdyn
