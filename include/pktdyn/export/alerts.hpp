// pktdyn — where alerts go: the `alert_sink` contract, JSON lines, and readable text.
//
// An alert sink starts, takes alerts one by one, and reports how it went:
//   result<void> begin()              open (a file, a connection)
//   void consume(const alert&)        one alert; never throws: the first error is kept for finish()
//   result<void> finish()             flush and close; the first error with a message to act on
// JSON lines: one object per alert with the keys start, end (seconds since the epoch), detector,
// entity, peer (null when none), severity, technique, community_ids (an array), evidence (an object
// of strings) and sentence. Text: one paragraph per alert, the sentence first.
#pragma once

#include <concepts>
#include <string>

#include <fmt/format.h>

#include "pktdyn/core/result.hpp"
#include "pktdyn/detect/alert.hpp"
#include "pktdyn/export/format.hpp"
#include "pktdyn/export/output.hpp"

namespace pktdyn {

template <class K>
concept alert_sink = requires(K& k, const alert& a) {
    { k.begin() } -> std::same_as<result<void>>;
    k.consume(a);
    { k.finish() } -> std::same_as<result<void>>;
};

/// An alert as one JSON object (no newline).
inline void append_alert_json(text_buffer& b, const alert& a) {
    b.append(std::string_view("{\"start\":"));
    detail::format::seconds(b, to_ns(a.start));
    b.append(std::string_view(",\"end\":"));
    detail::format::seconds(b, to_ns(a.end));
    const auto key = [&](std::string_view k) {
        b.push_back(',');
        append_json_string(b, k);
        b.push_back(':');
    };
    key("detector");
    append_json_string(b, a.detector);
    key("entity");
    append_json_string(b, a.entity);
    key("peer");
    if (a.peer.empty()) b.append(std::string_view("null"));
    else append_json_string(b, a.peer);
    key("severity");
    fmt::format_to(std::back_inserter(b), "{}", a.severity);
    key("technique");
    append_json_string(b, a.technique);
    key("community_ids");
    b.push_back('[');
    for (std::size_t i = 0; i < a.community_ids.size(); ++i) {
        if (i) b.push_back(',');
        append_json_string(b, a.community_ids[i]);
    }
    b.push_back(']');
    key("evidence");
    b.push_back('{');
    for (std::size_t i = 0; i < a.evidence.size(); ++i) {
        if (i) b.push_back(',');
        append_json_string(b, a.evidence[i].first);
        b.push_back(':');
        append_json_string(b, a.evidence[i].second);
    }
    b.push_back('}');
    key("sentence");
    append_json_string(b, a.sentence);
    b.push_back('}');
}

class alert_jsonl_sink {
public:
    alert_jsonl_sink() = default;
    /// To the file at `path` ("" or "-": standard output).
    explicit alert_jsonl_sink(const std::string& path) : out_(path) {}
    result<void> begin() { return out_.ok() ? result<void>{} : out_.finish(); }
    void consume(const alert& a) {
        text_buffer b;
        append_alert_json(b, a);
        b.push_back('\n');
        out_.write({b.data(), b.size()});
    }
    result<void> finish() { return out_.finish(); }

private:
    output_file out_;
};

/// "2026-12-07 14:03:22 UTC" from a packet time.
[[nodiscard]] inline std::string utc_text(timestamp t) {
    const std::time_t s = static_cast<std::time_t>(to_ns(t) / 1'000'000'000);
    std::tm tm{};
    gmtime_r(&s, &tm);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                       tm.tm_min, tm.tm_sec);
}

class alert_text_sink {
public:
    alert_text_sink() = default;
    explicit alert_text_sink(const std::string& path) : out_(path) {}
    result<void> begin() { return out_.ok() ? result<void>{} : out_.finish(); }
    void consume(const alert& a) {
        std::string t = fmt::format("[{}] severity {} {} ({})\n  {}\n  from {} to {}\n", a.detector, a.severity, a.entity,
                                    a.technique, a.sentence, utc_text(a.start), utc_text(a.end));
        if (!a.evidence.empty()) {
            t += "  evidence:";
            for (const auto& [k, v] : a.evidence) t += fmt::format(" {}={}", k, v);
            t += '\n';
        }
        if (!a.community_ids.empty()) {
            t += "  flows:";
            for (const auto& id : a.community_ids) t += ' ' + id;
            t += '\n';
        }
        t += '\n';
        out_.write({t.data(), t.size()});
    }
    result<void> finish() { return out_.finish(); }

private:
    output_file out_;
};

static_assert(alert_sink<alert_jsonl_sink> && alert_sink<alert_text_sink>);

}  // namespace pktdyn
