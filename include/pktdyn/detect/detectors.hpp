// pktdyn — every detector behind one call: `detector_set` takes each ended flow's facts in the
// order the flow table ended them and returns the alerts they raise, deduplicated and suppressed
// by the alert book; finish() tells what only the input's end decides (beacons).
//
// Host-level state must see all of a host's flows: in a sharded pipeline the detectors run where the
// rows meet again, on the one thread that hands them to the sinks in the table's end order, so the
// alerts are the same, in the same order, at any thread count (export/detection_sink.hpp).
#pragma once

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/detect/alert.hpp"
#include "pktdyn/detect/bands.hpp"
#include "pktdyn/detect/beacon_detector.hpp"
#include "pktdyn/detect/brute_force.hpp"
#include "pktdyn/detect/context.hpp"
#include "pktdyn/detect/dns_tunnel.hpp"
#include "pktdyn/detect/flow_facts.hpp"
#include "pktdyn/detect/long_connection.hpp"
#include "pktdyn/detect/novelty.hpp"
#include "pktdyn/detect/ratio.hpp"
#include "pktdyn/detect/scan.hpp"
#include "pktdyn/detect/volume.hpp"

namespace pktdyn {

struct detector_config {
    detect_context context;
    duration suppression = std::chrono::hours(1);
    scan_config scan;
    brute_force_config brute_force;
    beacon_detector_config beacon;
    volume_config volume;
    novelty_config novelty;
    dns_tunnel_config dns;
    band_config bands;
    ratio_config ratio;
    std::vector<duration> long_connection_tiers{std::chrono::hours(1), std::chrono::hours(4), std::chrono::hours(8),
                                                std::chrono::hours(12)};
};

class detector_set {
public:
    /// With the documented defaults.
    detector_set() : detector_set(defaults()) {}
    // The configuration is taken by reference and copied (once per run), never as a temporary:
    // GCC 12 at -O3 warns falsely about destroying a temporary configuration's members.
    explicit detector_set(const detector_config& c)
        : context_(c.context), book_(c.suppression), scan_(c.scan), brute_(c.brute_force), beacon_(c.beacon), volume_(c.volume),
          novelty_(c.novelty), dns_(c.dns), bands_(c.bands), ratio_(c.ratio), long_(c.long_connection_tiers) {}

    [[nodiscard]] static const detector_config& defaults() {
        static const detector_config c;
        return c;
    }

    /// One ended flow; the alerts it raised (not suppressed) are appended to `out`.
    void observe(const flow_facts& f, std::vector<alert>& out) {
        if (flows_ == 0 && !restored_) context_.learning_until = f.first + context_.learning_period;
        if (f.last > context_.now) context_.now = f.last;
        raised_.clear();
        scan_.observe(f, context_, raised_);
        brute_.observe(f, context_, raised_);
        beacon_.observe(f, context_, raised_);
        volume_.observe(f, context_, raised_);
        novelty_.observe(f, context_, raised_);
        dns_.observe(f, context_, raised_);
        bands_.observe(f, context_, raised_);
        ratio_.observe(f, context_, raised_);
        long_connection(f);
        admit(out);
        ++flows_;
    }

    /// The input is over: what only its end decides.
    void finish(std::vector<alert>& out) {
        raised_.clear();
        beacon_.finish(context_, raised_);
        admit(out);
    }

    // ---- State: what outlives a run — the end of learning, the first-seen sets and the profiles.
    // The short windows (scans, guessing, DNS, a day's beacon pairs) start afresh. The text:
    // "pktdyn.detect_state 2", "learning_until NS", then sections "section NAME LINES" each followed
    // by its part's own text (first_seen_set, profile_table, ratio_detector).

    [[nodiscard]] std::string save() const {
        std::string out = fmt::format("pktdyn.detect_state 2\nlearning_until {}\n", to_ns(context_.learning_until));
        const auto section = [&](std::string_view name, const std::string& text) {
            out += fmt::format("section {} {}\n", name, std::count(text.begin(), text.end(), '\n'));
            out += text;
        };
        section("novelty.services", novelty_.services_.save());
        section("novelty.domains", novelty_.domains_.save());
        section("novelty.pairs", novelty_.pairs_.save());
        section("volume.pairs", volume_.pairs_.save());
        section("bands.hosts", bands_.hosts_.save());
        section("bands.pairs", bands_.pairs_.save());
        section("bands.services", bands_.services_.save());
        section("bands.applications", bands_.applications_.save());
        section("ratio.hosts", ratio_.save());
        return out;
    }

    /// A detector set with `c`'s settings and the state of save()'s text; a malformed text is an
    /// error naming its line.
    [[nodiscard]] static result<detector_set> restore(std::string_view text, const detector_config& c = defaults()) {
        state_lines r(text, "detect");
        if (r.line() != "pktdyn.detect_state 2") return r.fail("expected 'pktdyn.detect_state 2'");
        std::int64_t learning = 0;
        if (!r.field("learning_until", learning)) return r.fail("expected 'learning_until NS'");
        detector_set d(c);
        d.context_.learning_until = from_ns(learning);
        // Each section: its header, then its lines handed to the part's own reader, whose errors are
        // told at their line in this file.
        const auto section = [&](std::string_view name, auto restore_part) -> result<void> {
            const std::string_view header = r.line();
            const std::string prefix = fmt::format("section {} ", name);
            std::size_t lines = 0;
            if (!header.starts_with(prefix) || !state_lines::numbers(header.substr(prefix.size()), lines))
                return r.fail(fmt::format("expected 'section {} LINES'", name));
            const std::size_t first = r.number() + 1;
            const auto body = r.lines(lines);
            if (!body) return r.fail(fmt::format("section {} ends early", name));
            if (auto done = restore_part(*body); !done)
                return error{errc::corrupt, fmt::format("detect state, {} (section {})", in_file(done.error().message(), first), name)};
            return {};
        };
        const auto set_into = [](first_seen_set& target) {
            return [&target](std::string_view body) -> result<void> {
                auto s = first_seen_set::restore(body);
                if (!s) return s.error();
                target = std::move(*s);
                return {};
            };
        };
        const auto table_into = [](profile_table& target, const profile_options& o) {
            return [&target, &o](std::string_view body) -> result<void> {
                auto t = profile_table::restore(body, o.model);
                if (!t) return t.error();
                if (t->options().modelled != o.modelled) return error{errc::corrupt, "line 3: modelled metrics differ from this build's"};
                target = std::move(*t);
                return {};
            };
        };
        const band_config& bands = c.bands;
        for (const auto& [name, restored] : {std::pair<std::string_view, std::function<result<void>(std::string_view)>>
                                             {"novelty.services", set_into(d.novelty_.services_)},
                                             {"novelty.domains", set_into(d.novelty_.domains_)},
                                             {"novelty.pairs", set_into(d.novelty_.pairs_)},
                                             {"volume.pairs", set_into(d.volume_.pairs_)},
                                             {"bands.hosts", table_into(d.bands_.hosts_, bands.hosts)},
                                             {"bands.pairs", table_into(d.bands_.pairs_, bands.pairs)},
                                             {"bands.services", table_into(d.bands_.services_, bands.services)},
                                             {"bands.applications", table_into(d.bands_.applications_, bands.applications)},
                                             {"ratio.hosts", [&d, &c](std::string_view body) -> result<void> {
                                                  auto restored = ratio_detector::restore(body, c.ratio);
                                                  if (!restored) return restored.error();
                                                  d.ratio_ = std::move(*restored);
                                                  return {};
                                              }}})
            if (auto done = section(name, restored); !done) return done.error();  // the first problem, the rest unread
        if (!r.at_end()) return r.fail_trailing("the last section");
        d.restored_ = true;
        return d;
    }

    [[nodiscard]] const detect_context& context() const noexcept { return context_; }
    [[nodiscard]] const band_detector& bands() const noexcept { return bands_; }

private:
    /// A part's error ("…, line N: what") with N counted in the whole file, whose line `first` is the part's line 1.
    static std::string in_file(const std::string& message, std::size_t first) {
        const std::size_t at = message.find("line ");
        std::size_t n = 0;
        const char* digits = message.data() + (at == std::string::npos ? message.size() : at + 5);
        const auto r = std::from_chars(digits, message.data() + message.size(), n);
        if (at == std::string::npos || r.ec != std::errc{}) return message;
        return fmt::format("line {}{}", first + n - 1, std::string_view(r.ptr, static_cast<std::size_t>(message.data() + message.size() - r.ptr)));
    }

public:
    [[nodiscard]] const alert_book& book() const noexcept { return book_; }
    [[nodiscard]] std::uint64_t flows() const noexcept { return flows_; }
    /// Hours in which a host of our networks originated a flow, summed over hosts (this run's):
    /// the denominator of "alerts per host-hour".
    [[nodiscard]] std::uint64_t host_hours() const noexcept { return bands_.hosts().active_hours(); }

private:
    void admit(std::vector<alert>& out) {
        for (auto& a : raised_)
            if (book_.admit(a)) out.push_back(std::move(a));
    }

    void long_connection(const flow_facts& f) {
        flow_key key;  // long_connections stitches by key and times only
        key.a = f.originator;
        key.b = f.responder;
        key.port_a = f.originator_port;
        key.port_b = f.responder_port;
        key.protocol = f.protocol;
        const auto c = long_.observe(key, f.first, f.last, f.continues);
        if (!c) return;
        alert a;
        a.start = c->start;
        a.end = f.last;
        a.detector = "long_connection";
        a.entity = f.originator.to_string();
        a.peer = f.responder.to_string();
        a.technique = "T1071";
        a.severity = 20 + 10 * static_cast<int>(c->tier);
        a.add_flow(f.community_id());
        const double hours = std::chrono::duration<double>(c->length).count() / 3600;
        a.add_evidence("hours", fmt::format("{:.2f}", hours));
        a.add_evidence("tier_hours", fmt::format("{}", std::chrono::duration_cast<std::chrono::hours>(long_.tiers()[c->tier]).count()));
        a.sentence = fmt::format("{} has kept a connection to {} (port {}) open for {:.1f} h{} (tier {} h)", a.entity, a.peer,
                                 f.responder_port, hours, c->ended ? ", now closed" : " and counting",
                                 std::chrono::duration_cast<std::chrono::hours>(long_.tiers()[c->tier]).count());
        raised_.push_back(std::move(a));
    }

    detect_context context_;
    alert_book book_;
    scan_detector scan_;
    brute_force_detector brute_;
    beacon_detector beacon_;
    volume_detector volume_;
    novelty_detector novelty_;
    dns_tunnel_detector dns_;
    band_detector bands_;
    ratio_detector ratio_;
    long_connections long_;
    std::vector<alert> raised_;
    std::uint64_t flows_ = 0;
    bool restored_ = false;  // a restored set keeps its end of learning
};

}  // namespace pktdyn
