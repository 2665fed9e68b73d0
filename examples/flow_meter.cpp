// pktdyn-flowmeter: one record per flow, as CSV or JSON lines, from captures or a live interface.
//
//   pktdyn-flowmeter [options] FILE|DIR...
//   pktdyn-flowmeter [options] --live IFACE [--filter BPF]
//
//   --format csv|jsonl     output format (default csv, with a header naming every field)
//   --output FILE          write records there (default: standard output)
//   --idle S  --active S   flow timeouts in seconds (default 120 and 1800)
//   --capacity N           flows held at once (default 262144); when full the least recently
//                          active flow is ended early and counted as evicted
//   --quiet                no summary and no progress on standard error
//
// Fields are documented in docs/flows.md. At the end a summary goes to standard error: flows,
// how they ended, the top talkers, and packets that could not be decoded, by reason.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/capture/capture_set.hpp"
#include "pktdyn/capture/libpcap_source.hpp"
#include "pktdyn/flow/flow_table.hpp"
#include "pktdyn/proto/decoder.hpp"

namespace {

using entry = pktdyn::flow_table<>::entry;

std::string seconds(pktdyn::timestamp t) {
    const std::int64_t ns = pktdyn::to_ns(t);
    return fmt::format("{}.{:09d}", ns / 1'000'000'000, ns % 1'000'000'000);
}

/// One output field: its name and how to write it for a flow.
struct field {
    std::string name;
    std::function<std::string(const pktdyn::flow_record&)> value;
    bool text = false;  // quoted in JSON
};

std::vector<field> fields() {
    using r = const pktdyn::flow_record&;
    std::vector<field> f{
        {"community_id", [](r x) { return pktdyn::community_id(x.key); }, true},
        {"originator", [](r x) { return x.originator().to_string(); }, true},
        {"originator_port", [](r x) { return std::to_string(x.originator_port()); }},
        {"responder", [](r x) { return x.responder().to_string(); }, true},
        {"responder_port", [](r x) { return std::to_string(x.responder_port()); }},
        {"protocol", [](r x) { return std::to_string(x.key.protocol); }},
        {"first_seen", [](r x) { return seconds(x.first); }},
        {"last_seen", [](r x) { return seconds(x.last); }},
        {"duration_s", [](r x) { return fmt::format("{:.9f}", pktdyn::to_seconds(x.length())); }},
        {"conn_state", [](r x) { return std::string(x.conn_state()); }, true},
        {"history", [](r x) { return std::string(x.history_string()); }, true},
        {"end_reason", [](r x) { return std::string(pktdyn::to_string(x.ended)); }, true},
    };
    for (int d = 0; d < 2; ++d) {
        const std::string p = d == 0 ? "orig_" : "resp_";
        const auto add = [&](const std::string& n, std::function<std::string(const pktdyn::direction_stats&)> g) {
            f.push_back({p + n, [d, g](r x) { return g(x.dir[d]); }});
        };
        using s = const pktdyn::direction_stats&;
        add("packets", [](s x) { return std::to_string(x.packets); });
        add("ip_bytes", [](s x) { return std::to_string(x.ip_bytes); });
        add("payload_bytes", [](s x) { return std::to_string(x.payload_bytes); });
        add("ttl_min", [](s x) { return x.packets ? std::to_string(x.ttl_min) : std::string(); });
        add("ttl_max", [](s x) { return x.packets ? std::to_string(x.ttl_max) : std::string(); });
        add("syn", [](s x) { return std::to_string(x.flags.syn); });
        add("fin", [](s x) { return std::to_string(x.flags.fin); });
        add("rst", [](s x) { return std::to_string(x.flags.rst); });
        add("psh", [](s x) { return std::to_string(x.flags.psh); });
        add("ack", [](s x) { return std::to_string(x.flags.ack); });
        add("urg", [](s x) { return std::to_string(x.flags.urg); });
        add("ece", [](s x) { return std::to_string(x.flags.ece); });
        add("cwr", [](s x) { return std::to_string(x.flags.cwr); });
        add("initial_window", [](s x) { return x.packets ? std::to_string(x.initial_window) : std::string(); });
        add("mss", [](s x) { return x.mss ? std::to_string(x.mss) : std::string(); });
        add("window_scale", [](s x) { return x.window_scale_seen ? std::to_string(x.window_scale) : std::string(); });
        add("sack_permitted", [](s x) { return x.syn_seen ? std::to_string(int(x.sack_permitted)) : std::string(); });
        add("timestamps", [](s x) { return x.syn_seen ? std::to_string(int(x.timestamps)) : std::string(); });
    }
    return f;
}

struct options {
    std::string format = "csv";
    std::string output;
    std::optional<std::string> live;
    std::string filter;
    pktdyn::flow_options flows;
    bool quiet = false;
    std::vector<std::filesystem::path> inputs;
};

std::optional<options> parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--format") o.format = value();
        else if (a == "--output") o.output = value();
        else if (a == "--live") o.live = value();
        else if (a == "--filter") o.filter = value();
        else if (a == "--idle") o.flows.idle = std::chrono::seconds(std::stoll(value()));
        else if (a == "--active") o.flows.active = std::chrono::seconds(std::stoll(value()));
        else if (a == "--capacity") o.flows.capacity = std::stoull(value());
        else if (a == "--quiet") o.quiet = true;
        else if (a.rfind("--", 0) == 0) return std::nullopt;
        else o.inputs.emplace_back(a);
    }
    if ((o.inputs.empty() && !o.live) || (o.format != "csv" && o.format != "jsonl")) return std::nullopt;
    return o;
}

std::function<void()> stop_live;

}  // namespace

int main(int argc, char** argv) {
    const auto opt = parse(argc, argv);
    if (!opt) {
        fmt::print(stderr, "usage: {} [--format csv|jsonl] [--output FILE] [--idle S] [--active S] [--capacity N] "
                           "[--quiet] FILE|DIR... | --live IFACE [--filter BPF]\n",
                   argv[0]);
        return 2;
    }
    std::FILE* out = stdout;
    if (!opt->output.empty() && (out = std::fopen(opt->output.c_str(), "w")) == nullptr) {
        fmt::print(stderr, "pktdyn-flowmeter: cannot write {}\n", opt->output);
        return 1;
    }

    const auto table_fields = fields();
    if (opt->format == "csv") {
        for (std::size_t i = 0; i < table_fields.size(); ++i)
            fmt::print(out, "{}{}", i ? "," : "", table_fields[i].name);
        fmt::print(out, "\n");
    }
    std::map<std::string, std::uint64_t> bytes_by_host;
    std::uint64_t flows = 0;
    const auto on_end = [&](entry& e) {
        const pktdyn::flow_record& r = e.record;
        ++flows;
        bytes_by_host[r.originator().to_string()] += r.dir[0].ip_bytes;
        bytes_by_host[r.responder().to_string()] += r.dir[1].ip_bytes;
        if (opt->format == "csv") {
            for (std::size_t i = 0; i < table_fields.size(); ++i)
                fmt::print(out, "{}{}", i ? "," : "", table_fields[i].value(r));
            fmt::print(out, "\n");
        } else {
            fmt::print(out, "{{");
            for (std::size_t i = 0; i < table_fields.size(); ++i) {
                const std::string v = table_fields[i].value(r);
                fmt::print(out, "{}\"{}\":{}", i ? "," : "", table_fields[i].name,
                           table_fields[i].text ? "\"" + v + "\"" : (v.empty() ? "null" : v));
            }
            fmt::print(out, "}}\n");
        }
    };

    pktdyn::decoder dec;
    pktdyn::flow_table<> table{opt->flows};
    pktdyn::decoded_packet d;
    const auto run = [&](auto& source) {
        while (auto p = source.next()) {
            dec.decode(*p, d);
            (void)table.update(p->time, d, on_end);
        }
        table.flush(on_end);
    };
    std::vector<pktdyn::error> errors;
    if (opt->live) {
        auto src = pktdyn::libpcap_source::open_live(*opt->live, {.filter = opt->filter});
        if (!src) {
            fmt::print(stderr, "pktdyn-flowmeter: {}\n", src.error().message());
            return 1;
        }
        stop_live = [&] { src->stop(); };
        std::signal(SIGINT, [](int) { stop_live(); });
        run(*src);
    } else {
        auto set = pktdyn::capture_set::open(opt->inputs, {.access = pktdyn::access_mode::stream});
        if (!set) {
            fmt::print(stderr, "pktdyn-flowmeter: {}\n", set.error().message());
            return 1;
        }
        run(*set);
        errors = set->errors();
    }
    if (out != stdout) std::fclose(out);

    if (!opt->quiet) {
        const auto& t = table.stats();
        fmt::print(stderr, "packets {}  flows {}  (not IP: {} packets)\n", t.packets, flows, t.not_ip);
        fmt::print(stderr, "ended by:");
        for (std::size_t i = 1; i < t.ended.size(); ++i)
            if (t.ended[i]) fmt::print(stderr, " {} {};", pktdyn::to_string(static_cast<pktdyn::end_reason>(i)), t.ended[i]);
        fmt::print(stderr, "\n");
        std::vector<std::pair<std::uint64_t, std::string>> top;
        for (const auto& [host, bytes] : bytes_by_host) top.emplace_back(bytes, host);
        std::sort(top.rbegin(), top.rend());
        fmt::print(stderr, "top talkers (IP bytes sent):");
        for (std::size_t i = 0; i < std::min<std::size_t>(5, top.size()); ++i)
            fmt::print(stderr, " {} {};", top[i].second, top[i].first);
        fmt::print(stderr, "\ndecode status:");
        const auto& s = dec.stats();
        for (std::size_t i = 0; i < pktdyn::decode_status_count; ++i)
            if (s.by_status[i]) fmt::print(stderr, " {} {};", to_string(static_cast<pktdyn::decode_status>(i)), s.by_status[i]);
        fmt::print(stderr, "\n");
        for (const auto& e : errors) fmt::print(stderr, "stopped early: {}\n", e.message());
    }
    return 0;
}
