// pktdyn-flowmeter: one record per flow, as CSV or JSON lines, from captures or a live interface,
// with the TCP conversation's health (RTT, retransmissions, windows, handshake timing) per flow.
//
//   pktdyn-flowmeter [options] FILE|DIR...
//   pktdyn-flowmeter [options] --live IFACE [--filter BPF]
//
//   --format csv|jsonl|npy|none  output format (default csv, with a header naming every field);
//                          npy: the feature matrix as NAME.npy (+ NAME.columns.txt, NAME.rows.txt
//                          with the flows' Community IDs) for --output NAME[.npy], of the standard
//                          features unless --features names a preset; none: only the summary
//   --features none|standard|cicflowmeter|nfstream
//                          also write pktdyn's standard feature set, or CICFlowMeter's or NFStream's
//                          columns under their names (docs/features.md)
//   --output FILE          write records there (default: standard output)
//   --idle S  --active S   flow timeouts in seconds (default 120 and 1800; 0.000001 to a year)
//   --linger S             how long a flow closed by FIN/FIN or RST keeps its trailing packets (5;
//                          0 to 3600)
//   --capacity N           flows held at once (default 262144; 1 to 2^31, and no more than the
//                          machine's memory can reserve); when full the least recently active
//                          flow is ended early and counted as evicted
//   --threads N            threads analysing flows (default 0: one per core); the output is the same
//                          bytes for any N (pipeline/pipeline.hpp)
//   --by-vlan --by-tunnel  keep flows on different VLANs / tunnel ids apart
//   --handshakes on|off    TLS / DTLS / QUIC / SSH / DNS handshake metadata per flow (default on):
//                          server name, ALPN, versions, JA3/JA4/HASSH fingerprints, certificate,
//                          record sequences, DNS answers, and the name resolved before the flow
//   --quiet                no summary and no progress bar on standard error
//
// Fields are documented in docs/flows.md, feature columns in docs/features.md, handshake columns in
// docs/handshakes.md. At the end a summary
// goes to standard error: flows and how they ended, top talkers, the flows with the worst RTT and
// the most retransmissions, packets that could not be decoded (by reason), fragments, handshakes by
// kind with the top server names and suspicious certificates. Whatever damaged the input (a file
// that stopped early, files skipped as not captures) is printed even with --quiet.
//
// Exit codes: 0 every input read to its end and every record written; 1 nothing could be read or
// the output could not be written (a full disk); 2 a bad option (named, with the reason); 3 an input
// stopped early or was skipped: the records cover every packet read before the damage.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/baseline/space_saving.hpp"
#include "pktdyn/capture/capture_set.hpp"
#include "pktdyn/capture/libpcap_source.hpp"
#include "pktdyn/export/csv.hpp"
#include "pktdyn/export/jsonl.hpp"
#include "pktdyn/export/npy_sink.hpp"
#include "pktdyn/features/handshakes.hpp"
#include "pktdyn/features/presets.hpp"
#include "pktdyn/features/schema.hpp"
#include "pktdyn/pipeline/pipeline.hpp"
#include "pktdyn/simd/byte_histogram.hpp"

namespace {

using no_features = pktdyn::feature_set<>;  // the TCP tracker alone

std::string bytes_text(double n) {
    const char* unit[] = {"B", "kB", "MB", "GB", "TB"};
    int i = 0;
    for (; n >= 1000 && i < 4; ++i) n /= 1000;
    return fmt::format("{:.{}f} {}", n, i ? 1 : 0, unit[i]);
}

// ---- The summary: a sink reading each flow's row by column name.

/// The k flows with the largest score, kept as they end.
class worst_flows {
public:
    struct item {
        double score;
        std::string line;
    };
    explicit worst_flows(std::size_t k) : k_(k) {}
    template <class Describe>
    void offer(double score, Describe&& describe) {
        if (score <= 0 || (items_.size() == k_ && score <= items_.back().score)) return;
        if (items_.size() == k_) items_.pop_back();
        items_.push_back({score, describe()});
        std::sort(items_.begin(), items_.end(), [](const item& a, const item& b) { return a.score > b.score; });
    }
    [[nodiscard]] const std::vector<item>& items() const noexcept { return items_; }

private:
    std::size_t k_;
    std::vector<item> items_;
};

struct summary {
    std::uint64_t flows = 0;
    // Bounded whatever the input: a flood of addresses or names costs no memory here (Space-Saving,
    // baseline/space_saving.hpp; a count shown is exact or overstated by at most the bound printed).
    pktdyn::space_saving<std::string, 64> bytes_sent;
    worst_flows worst_rtt{5}, most_retransmitted{5};
    // Handshakes: flows by kind, server names, and leaf certificates worth a look.
    std::map<std::string, std::uint64_t> kinds;  // a handful of kinds
    pktdyn::space_saving<std::string, 64> server_names;
    std::uint64_t certificates = 0, self_signed = 0, expired = 0;
};

/// Fills a summary from the rows, finding the columns it reads by name.
class summary_sink {
public:
    explicit summary_sink(summary* s) : s_(s) {}

    pktdyn::result<void> begin(const pktdyn::schema& columns) {
        for (auto& [name, at] : at_) at = columns.find(name);
        size_ = columns.size();
        return {};
    }
    void consume(std::span<const pktdyn::value> row) {
        summary& s = *s_;
        ++s.flows;
        s.bytes_sent.add(std::string(text(row, "originator")), count(row, "orig_ip_bytes"));  // senders only: 0 adds nothing
        s.bytes_sent.add(std::string(text(row, "responder")), count(row, "resp_ip_bytes"));
        if (const auto kind = text(row, "handshake"); !kind.empty()) ++s.kinds[std::string(kind)];
        if (const auto name = text(row, "server_name"); !name.empty()) s.server_names.add(std::string(name));
        if (const double not_after = number(row, "tls_cert_not_after"); !std::isnan(not_after)) {
            ++s.certificates;
            s.self_signed += number(row, "tls_cert_self_signed") == 1;
            expired_at(row, not_after);
        }
        if (count(row, "protocol") != 6) return;
        // Worst RTT: the larger of the two sides' mean data→ACK RTT, from at least 3 samples.
        for (const std::string_view side : {"orig_", "resp_"}) {
            const std::uint64_t samples = count(row, fmt::format("{}rtt_samples", side));
            const double mean = ms(row, fmt::format("{}rtt_mean_s", side));
            if (samples >= 3)
                s.worst_rtt.offer(mean, [&] {
                    return fmt::format("{}  {} RTT mean {:.1f} ms, p95 {:.1f} ms, max {:.1f} ms over {} samples", endpoints(row),
                                       side == "orig_" ? "originator's data" : "responder's data", mean,
                                       ms(row, fmt::format("{}rtt_p95_s", side)), ms(row, fmt::format("{}rtt_max_s", side)), samples);
                });
        }
        const std::uint64_t sent = count(row, "orig_packets") + count(row, "resp_packets");
        const std::uint64_t retransmitted = count(row, "orig_retransmissions") + count(row, "resp_retransmissions");
        s.most_retransmitted.offer(static_cast<double>(retransmitted), [&] {
            return fmt::format("{}  {} of {} packets retransmitted ({:.1f} %), {} bytes", endpoints(row), retransmitted, sent,
                               100.0 * static_cast<double>(retransmitted) / static_cast<double>(sent),
                               count(row, "orig_retransmitted_bytes") + count(row, "resp_retransmitted_bytes"));
        });
    }
    pktdyn::result<void> finish() { return {}; }

private:
    [[nodiscard]] const pktdyn::value* find(std::span<const pktdyn::value> row, std::string_view name) const {
        for (const auto& [n, at] : at_)
            if (n == name) return at < row.size() ? &row[at] : nullptr;
        return nullptr;
    }
    std::string_view text(std::span<const pktdyn::value> row, std::string_view name) const {
        const auto* v = find(row, name);
        return v && v->type == pktdyn::value::kind::text ? v->s : std::string_view();
    }
    std::uint64_t count(std::span<const pktdyn::value> row, std::string_view name) const {
        const auto* v = find(row, name);
        return v && v->type == pktdyn::value::kind::count ? v->u : 0;
    }
    double number(std::span<const pktdyn::value> row, std::string_view name) const {
        const auto* v = find(row, name);
        return v ? v->as_double() : std::nan("");
    }
    double ms(std::span<const pktdyn::value> row, std::string_view name) const {
        const auto* v = find(row, name);
        return v && v->type == pktdyn::value::kind::seconds ? static_cast<double>(v->ns) / 1e6 : 0;
    }
    void expired_at(std::span<const pktdyn::value> row, double not_after) {
        const auto* first = find(row, "first_seen");
        if (first) s_->expired += not_after < static_cast<double>(first->ns) / 1e9;
    }
    std::string endpoints(std::span<const pktdyn::value> row) const {
        const auto host = [](std::string_view a, std::uint64_t port) {
            return a.find(':') == std::string_view::npos ? fmt::format("{}:{}", a, port) : fmt::format("[{}]:{}", a, port);
        };
        return fmt::format("{} -> {}", host(text(row, "originator"), count(row, "originator_port")),
                           host(text(row, "responder"), count(row, "responder_port")));
    }

    summary* s_;
    std::size_t size_ = 0;
    // The columns read, found once by name.
    std::vector<std::pair<std::string, std::size_t>> at_ = [] {
        std::vector<std::pair<std::string, std::size_t>> v;
        for (std::string_view n :
             {"originator", "originator_port", "responder", "responder_port", "protocol", "first_seen", "orig_ip_bytes",
              "resp_ip_bytes", "orig_packets", "resp_packets", "orig_retransmissions", "resp_retransmissions",
              "orig_retransmitted_bytes", "resp_retransmitted_bytes", "orig_rtt_samples", "resp_rtt_samples",
              "orig_rtt_mean_s", "resp_rtt_mean_s", "orig_rtt_p95_s", "resp_rtt_p95_s", "orig_rtt_max_s", "resp_rtt_max_s",
              "handshake", "server_name", "tls_cert_not_after", "tls_cert_self_signed"})
            v.emplace_back(std::string(n), 0);
        return v;
    }();
};

void print_summary(const pktdyn::run_result& r, const summary& s) {
    const auto& t = r.flows;
    fmt::print(stderr, "packets {}  flows {}  (packets without IP: {})\n", t.packets, s.flows, t.not_ip);
    fmt::print(stderr, "flow table: at most {} flows at once of capacity {}, {} used of {} reserved\n", r.peak_flows,
               r.capacity, bytes_text(static_cast<double>(r.touched_bytes)), bytes_text(static_cast<double>(r.reserved_bytes)));
    fmt::print(stderr, "flows ended by:");
    for (std::size_t i = 1; i < t.ended.size(); ++i)
        if (t.ended[i]) fmt::print(stderr, " {} {};", pktdyn::to_string(static_cast<pktdyn::end_reason>(i)), t.ended[i]);
    fmt::print(stderr, "\n");
    if (t.backward_steps)
        fmt::print(stderr, "  time went backwards {} times (merged or out-of-order capture): each flow was judged on "
                           "its own packets' times\n", t.backward_steps);
    if (t.ended_by(pktdyn::end_reason::evicted))
        fmt::print(stderr, "  {} flows were evicted early because the table was full: raise --capacity\n",
                   t.ended_by(pktdyn::end_reason::evicted));

    const auto top = s.bytes_sent.top(5);
    fmt::print(stderr, "top talkers (IP bytes sent{}):\n",
               s.bytes_sent.error_bound() ? fmt::format("; each at most {} over", bytes_text(static_cast<double>(s.bytes_sent.error_bound()))) : "");
    for (const auto& x : top) fmt::print(stderr, "  {:<40} {}\n", x.key, bytes_text(static_cast<double>(x.count)));
    if (!s.worst_rtt.items().empty()) fmt::print(stderr, "worst RTT (TCP data to its ACK):\n");
    for (const auto& x : s.worst_rtt.items()) fmt::print(stderr, "  {}\n", x.line);
    if (!s.most_retransmitted.items().empty()) fmt::print(stderr, "most retransmissions:\n");
    for (const auto& x : s.most_retransmitted.items()) fmt::print(stderr, "  {}\n", x.line);

    const auto& d = r.decoding;
    fmt::print(stderr, "decoded:");
    for (std::size_t i = 0; i < pktdyn::decode_status_count; ++i)
        if (d.by_status[i]) fmt::print(stderr, " {} {};", to_string(static_cast<pktdyn::decode_status>(i)), d.by_status[i]);
    fmt::print(stderr, "\n");
    bool issues = false;
    for (std::size_t i = 1; i < pktdyn::decode_issue_count; ++i)
        if (d.by_issue[i]) {
            fmt::print(stderr, "{} {} {};", issues ? "" : "decode issues:", to_string(static_cast<pktdyn::decode_issue>(i)), d.by_issue[i]);
            issues = true;
        }
    if (issues) fmt::print(stderr, "\n");
    const auto& f = r.fragments;
    if (f.fragments)
        fmt::print(stderr, "IP fragments {}: {} put in their datagram's flow, {} whose first fragment never came\n",
                   f.fragments, f.attributed, f.unattributed);
    if (!s.kinds.empty()) {
        fmt::print(stderr, "handshakes (flows):");
        for (const auto& [kind, count] : s.kinds) fmt::print(stderr, " {} {};", kind, count);
        fmt::print(stderr, "\n");
    }
    if (s.server_names.total() != 0) {
        fmt::print(stderr, "top server names ({} flows with one):", s.server_names.total());
        for (const auto& x : s.server_names.top(5)) fmt::print(stderr, " {} ({} flows);", x.key, x.count);
        fmt::print(stderr, "\n");
    }
    if (s.certificates)
        fmt::print(stderr, "leaf certificates: {} flows; {} self-signed, {} already expired when the flow began\n",
                   s.certificates, s.self_signed, s.expired);
}

// ---- The input: files or a live interface, with a progress line.

/// A progress line on standard error, redrawn a few times a second: bytes read of the total for
/// files, packets for a live capture.
class progress {
public:
    progress(bool enabled, std::uint64_t total_bytes) : enabled_(enabled), total_(total_bytes) {}
    template <class BytesRead>
    void tick(std::uint64_t packets, BytesRead&& bytes_read) {
        if (!enabled_ || (packets & 0x3FFF) != 0) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - shown_ < std::chrono::milliseconds(200)) return;
        shown_ = now;
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        const double mpps = static_cast<double>(packets) / std::max(elapsed, 1e-9) / 1e6;
        if (total_ == 0) {
            fmt::print(stderr, "\r{} packets  {:.2f} Mpps ", packets, mpps);
            return;
        }
        const std::uint64_t bytes = bytes_read();
        const double done = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_));
        constexpr int width = 30;
        const int filled = static_cast<int>(done * width);
        fmt::print(stderr, "\r[{:=<{}}{: <{}}] {:3.0f} %  {} of {}  {:.2f} Mpps ", "", filled, "", width - filled, done * 100,
                   bytes_text(static_cast<double>(bytes)), bytes_text(static_cast<double>(total_)), mpps);
    }
    void done() {
        if (enabled_ && shown_ != std::chrono::steady_clock::time_point{}) fmt::print(stderr, "\r\033[K");
    }

private:
    bool enabled_;
    std::uint64_t total_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), shown_{};
};

/// Files or a live interface as one packet source, ticking the progress line as packets pass.
class meter_input {
public:
    explicit meter_input(std::variant<pktdyn::capture_set, pktdyn::libpcap_source> source, progress bar)
        : source_(std::move(source)), bar_(bar) {}
    std::optional<pktdyn::packet_view> next() {
        auto p = std::visit([](auto& s) { return s.next(); }, source_);
        if (p) bar_.tick(++packets_, [&] { return files() ? files()->bytes_read() : 0; });
        else bar_.done();
        return p;
    }
    [[nodiscard]] pktdyn::capture_set* files() noexcept { return std::get_if<pktdyn::capture_set>(&source_); }
    [[nodiscard]] pktdyn::libpcap_source* live() noexcept { return std::get_if<pktdyn::libpcap_source>(&source_); }

private:
    std::variant<pktdyn::capture_set, pktdyn::libpcap_source> source_;
    progress bar_;
    std::uint64_t packets_ = 0;
};

// ---- Options: each numeric one has a range, and a bad value is named with the reason.

// Exit codes (docs/flows.md): as tshark, a damaged input is not a success, though every packet
// before the damage was counted and written.
constexpr int exit_ok = 0;       // every input read to its end, every record written
constexpr int exit_failed = 1;   // nothing could be read, or the output could not be written
constexpr int exit_usage = 2;    // a bad option
constexpr int exit_damaged = 3;  // an input stopped early or was skipped; records cover what was read

struct options {
    std::string format = "csv";
    std::string features = "none";
    bool handshakes = true;
    std::string output;
    std::optional<std::string> live;
    std::string filter;
    pktdyn::flow_options flows;
    unsigned threads = 0;  // 0: one per core
    bool quiet = false;
    std::vector<std::filesystem::path> inputs;
};

/// A bad option: what it was and why it cannot be used.
struct usage_error {
    std::string message;
};

/// Seconds as a decimal number (1, 0.5, 1e3) within [low, high].
pktdyn::duration seconds_option(const std::string& name, const std::string& value, double low, double high,
                                std::string_view range) {
    double v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc{} || end != value.data() + value.size() || !std::isfinite(v))
        throw usage_error{fmt::format("{} {}: not a number of seconds", name, value)};
    if (v < low || v > high) throw usage_error{fmt::format("{} {}: out of range: {}", name, value, range)};
    return std::chrono::duration_cast<pktdyn::duration>(std::chrono::duration<double>(v));  // in range: no overflow
}

/// A whole number (digits only) within [low, high].
std::uint64_t count_option(const std::string& name, const std::string& value, std::uint64_t low, std::uint64_t high,
                           std::string_view range) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec == std::errc::result_out_of_range) throw usage_error{fmt::format("{} {}: out of range: {}", name, value, range)};
    if (ec != std::errc{} || end != value.data() + value.size() || value.empty())
        throw usage_error{fmt::format("{} {}: not a whole number", name, value)};
    if (v < low || v > high) throw usage_error{fmt::format("{} {}: out of range: {}", name, value, range)};
    return v;
}

std::string choice_option(const std::string& name, const std::string& value, std::initializer_list<std::string_view> choices) {
    for (auto c : choices)
        if (value == c) return value;
    std::string list;
    std::size_t i = 0;
    for (auto c : choices) list += fmt::format("{}{}", i++ == 0 ? "" : i == choices.size() ? " or " : ", ", c);
    throw usage_error{fmt::format("{} {}: expected {}", name, value, list)};
}

options parse(int argc, char** argv) {
    options o;
    constexpr double year = 365.0 * 24 * 3600;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&](std::string_view what) -> std::string {
            if (i + 1 >= argc) throw usage_error{fmt::format("{} needs a value: {}", a, what)};
            return argv[++i];
        };
        if (a == "--format") o.format = choice_option(a, value("csv, jsonl, npy or none"), {"csv", "jsonl", "npy", "none"});
        else if (a == "--features")
            o.features = choice_option(a, value("none, standard, cicflowmeter or nfstream"), {"none", "standard", "cicflowmeter", "nfstream"});
        else if (a == "--output") o.output = value("a file name");
        else if (a == "--handshakes") o.handshakes = choice_option(a, value("on or off"), {"on", "off"}) == "on";
        else if (a == "--live") o.live = value("an interface name");
        else if (a == "--filter") o.filter = value("a BPF filter");
        else if (a == "--idle") o.flows.idle = seconds_option(a, value("seconds"), 1e-6, year, "seconds from 0.000001 to 31536000 (a year)");
        else if (a == "--active") o.flows.active = seconds_option(a, value("seconds"), 1e-6, year, "seconds from 0.000001 to 31536000 (a year)");
        else if (a == "--linger") o.flows.linger = seconds_option(a, value("seconds"), 0, 3600, "seconds from 0 to 3600");
        else if (a == "--capacity")
            o.flows.capacity = count_option(a, value("flows"), 1, std::uint64_t{1} << 31, "flows from 1 to 2147483648");
        else if (a == "--threads")
            o.threads = static_cast<unsigned>(count_option(a, value("threads"), 0, 256, "threads from 0 (one per core) to 256"));
        else if (a == "--by-vlan") o.flows.keys.by_vlan = true;
        else if (a == "--by-tunnel") o.flows.keys.by_tunnel = true;
        else if (a == "--quiet") o.quiet = true;
        else if (a.rfind("-", 0) == 0 && a != "-") throw usage_error{fmt::format("{}: unknown option", a)};
        else o.inputs.emplace_back(a);
    }
    if (o.format == "npy" && o.features == "none") o.features = "standard";
    if (o.inputs.empty() && !o.live) throw usage_error{"no input: give capture files or directories, or --live IFACE"};
    if (!o.inputs.empty() && o.live) throw usage_error{"--live reads an interface: give no files with it"};
    if (o.format == "npy" && o.output.empty()) throw usage_error{"--format npy needs --output NAME.npy"};
    return o;
}

constexpr std::string_view usage_text =
    "usage: pktdyn-flowmeter [--format csv|jsonl|npy|none] [--features none|standard|cicflowmeter|nfstream]\n"
    "           [--handshakes on|off] [--output FILE] [--idle S] [--active S] [--linger S] [--capacity N]\n"
    "           [--threads N] [--by-vlan] [--by-tunnel] [--quiet] FILE|DIR... | --live IFACE [--filter BPF]\n";

/// The machine's memory, to weigh a flow table's reservation against.
std::uint64_t machine_memory() {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : 0;
}

std::function<void()> stop_live;

/// The pipeline for one set of features, with or without handshake metadata, run and summarised.
template <class Features, bool Handshakes>
int meter(const options& opt, meter_input& input) {
    // The table reserves its capacity up front (and touches only the flows it holds): a capacity
    // the machine cannot even reserve is refused here, not by an allocator's exception.
    using table_type = pktdyn::flow_table<pktdyn::detail::pipeline::flow_analysis<Features>>;
    const std::uint64_t reserve = table_type::memory_for(opt.flows.capacity), memory = machine_memory();
    if (memory != 0 && reserve > memory) {
        fmt::print(stderr,
                   "pktdyn-flowmeter: --capacity {}: the flow table would reserve {} ({} bytes per flow{}), more than "
                   "this machine's {} of memory; at most {} flows fit\n",
                   opt.flows.capacity, bytes_text(static_cast<double>(reserve)), table_type::memory_for(1),
                   opt.features == "none" ? "" : fmt::format(" with --features {}", opt.features),
                   bytes_text(static_cast<double>(memory)), memory / table_type::memory_for(1));
        return exit_usage;
    }
    pktdyn::one_of_sinks<pktdyn::csv_sink, pktdyn::jsonl_sink, pktdyn::npy_sink> records;
    if (opt.format == "csv") records.emplace<pktdyn::csv_sink>(opt.output);
    else if (opt.format == "jsonl") records.emplace<pktdyn::jsonl_sink>(opt.output);
    else if (opt.format == "npy") records.emplace<pktdyn::npy_sink>(opt.output);
    summary sum;
    pktdyn::one_of_sinks<summary_sink> summarise;
    if (!opt.quiet) summarise.emplace<summary_sink>(&sum);

    // Handshake metadata (and the DNS names that name responders) first, then the features.
    const auto analysis = [&] {
        auto flows = pktdyn::from(input) | pktdyn::track_flows(opt.flows);
        if constexpr (Handshakes)
            return std::move(flows) | pktdyn::resolve_names() | pktdyn::extract<pktdyn::handshake_metadata, Features>();
        else
            return std::move(flows) | pktdyn::extract<Features>();
    };
    auto run = analysis() | pktdyn::to(pktdyn::tee(std::move(records), std::move(summarise)));
    const pktdyn::run_result result = run({.threads = opt.threads});

    // What went wrong with the input: printed even with --quiet, and the exit code says so.
    std::vector<std::string> damage;
    if (auto* live = input.live()) {
        if (result.input_error) damage.push_back(fmt::format("capture stopped: {}", result.input_error->message()));
        // While the pipeline is busy the reader waits and the kernel's buffer fills: its drops are counted.
        if (const std::uint64_t dropped = live->kernel_drops(); dropped != 0)
            fmt::print(stderr, "pktdyn-flowmeter: the kernel dropped {} packets (capture buffer full)\n", dropped);
    } else if (auto* set = input.files()) {
        for (const auto& e : set->errors()) damage.push_back(fmt::format("stopped early: {}", e.message()));
        if (const auto& skipped = set->skipped_files(); !skipped.empty()) {
            std::string names;
            for (std::size_t i = 0; i < std::min<std::size_t>(5, skipped.size()); ++i)
                names += fmt::format("{}{}", i ? ", " : "", skipped[i].string());
            damage.push_back(fmt::format("skipped {} file{} that {} not captures: {}{}", skipped.size(),
                                         skipped.size() == 1 ? "" : "s", skipped.size() == 1 ? "is" : "are", names,
                                         skipped.size() > 5 ? fmt::format(" and {} more", skipped.size() - 5) : ""));
        }
        if (set->file_count() == 0) damage.push_back("no capture file to read");
    }

    if (!opt.quiet) print_summary(result, sum);
    if (!opt.quiet && opt.features == "standard") {  // the set with a byte distribution
        const auto& kernel = pktdyn::simd::byte_histogram_choice();
        fmt::print(stderr, "byte-histogram kernel: {}{}{}\n", kernel.kernel.name, kernel.note.empty() ? "" : " - ", kernel.note);
    }
    for (const auto& d : damage) fmt::print(stderr, "pktdyn-flowmeter: {}\n", d);
    if (result.output_error) {
        fmt::print(stderr, "pktdyn-flowmeter: {}\n", result.output_error->message());
        return exit_failed;
    }
    return damage.empty() ? exit_ok : exit_damaged;
}

template <class Features>
int meter(const options& opt, meter_input& input) {
    return opt.handshakes ? meter<Features, true>(opt, input) : meter<Features, false>(opt, input);
}

}  // namespace

int main(int argc, char** argv) {
    options opt;
    try {
        opt = parse(argc, argv);
    } catch (const usage_error& e) {
        fmt::print(stderr, "pktdyn-flowmeter: {}\n{}", e.message, usage_text);
        return exit_usage;
    }
    const bool show_progress = !opt.quiet && isatty(STDERR_FILENO);
    std::optional<meter_input> input;
    if (opt.live) {
        auto src = pktdyn::libpcap_source::open_live(*opt.live, {.filter = opt.filter});
        if (!src) {
            fmt::print(stderr, "pktdyn-flowmeter: {}\n", src.error().message());
            return exit_failed;
        }
        input.emplace(std::move(*src), progress{show_progress, 0});
        stop_live = [&] { input->live()->stop(); };
        std::signal(SIGINT, [](int) { stop_live(); });
    } else {
        auto set = pktdyn::capture_set::open(opt.inputs, {.access = pktdyn::access_mode::stream});
        if (!set) {
            fmt::print(stderr, "pktdyn-flowmeter: {}\n", set.error().message());
            return exit_failed;
        }
        const std::uint64_t total = set->total_bytes();
        input.emplace(std::move(*set), progress{show_progress, total});
    }
    try {
        if (opt.features == "standard") return meter<pktdyn::standard_features>(opt, *input);
        if (opt.features == "cicflowmeter") return meter<pktdyn::cicflowmeter_preset>(opt, *input);
        if (opt.features == "nfstream") return meter<pktdyn::nfstream_preset>(opt, *input);
        return meter<no_features>(opt, *input);
    } catch (const std::bad_alloc&) {
        fmt::print(stderr, "pktdyn-flowmeter: out of memory (a smaller --capacity, or --handshakes off, needs less)\n");
        return exit_failed;
    }
}
