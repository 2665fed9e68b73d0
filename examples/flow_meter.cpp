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
#include <cstring>
#include <csignal>
#include <cstdio>
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
#include "pktdyn/export/flow_fields.hpp"
#include "pktdyn/export/jsonl.hpp"
#include "pktdyn/export/npy_sink.hpp"
#include "pktdyn/features/handshakes.hpp"
#include "pktdyn/features/presets.hpp"
#include "pktdyn/features/schema.hpp"
#include "pktdyn/simd/byte_histogram.hpp"
#include "pktdyn/flow/community_id.hpp"
#include "pktdyn/flow/dns_cache.hpp"
#include "pktdyn/flow/flow_path.hpp"
#include "pktdyn/flow/tcp_tracker.hpp"
#include "pktdyn/proto/decoder.hpp"
#include "pktdyn/proto/dns_transport.hpp"
#include "pktdyn/proto/fragments.hpp"

namespace {


using no_features = pktdyn::feature_set<>;  // the TCP tracker alone

/// A flow's state: the TCP tracker, the handshake metadata (read when switched on) and a feature set.
template <class Features>
struct meter_state {
    static inline bool read_handshakes = true;
    pktdyn::tcp_tracker tcp;
    pktdyn::handshake_metadata handshakes;
    [[no_unique_address]] Features features;

    void update(const pktdyn::decoded_packet& d, pktdyn::timestamp now, bool from_originator) noexcept {
        tcp.update(d, now, from_originator);
        if (read_handshakes) handshakes.update(pktdyn::flow_packet::from(d, now, from_originator));
        features.update(d, now, from_originator);
    }
    [[nodiscard]] bool starts_new_flow(const pktdyn::decoded_packet& d, bool from_originator) const noexcept {
        return tcp.starts_new_flow(d, from_originator);
    }
    void finish(pktdyn::timestamp last) noexcept { tcp.finish(last); }
};

/// What the summary reads of an ended flow.
using flow = pktdyn::flow_view;
const pktdyn::tcp_direction_metrics& tcp(const flow& f, int s) { return f.tcp.metrics[static_cast<std::size_t>(s)]; }
bool is_tcp(const flow& f) { return f.record.key.protocol == pktdyn::ip_protocol::tcp; }

/// Columns the flow meter adds from what it sees across flows: the name resolved for the responder
/// before the flow (DNS answers seen earlier in the capture), and DNS transport signals.
constexpr std::array<pktdyn::feature_info, 3> meter_texts{{
    {"", "resolved_name", "text", "the name a DNS answer seen before the flow's first packet gave for the responder's address (the question's name; the latest such answer)"},
    {"", "dns_transport", "text", "dns, mdns, llmnr (plain DNS by port); dot (TCP 853), doq (UDP 853); doh (443 to a known public resolver by address or server name)"},
    {"", "dns_resolver", "text", "the public resolver's provider when the responder's address or the server name is a known one (Cloudflare, Google, Quad9, ...)"},
}};

/// Handshake columns: text, then numbers (none when --handshakes off).
struct handshake_columns {
    bool on = true;
    static constexpr auto numbers = pktdyn::handshake_metadata::features;
    static constexpr auto handshake_texts = pktdyn::handshake_metadata::text_features;
    static constexpr auto texts = [] {
        std::array<pktdyn::feature_info, meter_texts.size() + handshake_texts.size()> all{};
        std::copy(handshake_texts.begin(), handshake_texts.end(), all.begin());
        std::copy(meter_texts.begin(), meter_texts.end(), all.begin() + handshake_texts.size());
        return all;
    }();
    std::array<double, numbers.size()> values{};
    std::array<std::string, texts.size()> text{};
    std::optional<pktdyn::dns_cache> names;  // 65,536 addresses (36 MB), made only when handshakes are on

    explicit handshake_columns(bool enabled) : on(enabled) {
        if (on) names.emplace(pktdyn::dns_cache_options{.capacity = 65536});
    }
    /// Every DNS response on its way through, into the cache of names.
    void observe(const pktdyn::decoded_packet& d, pktdyn::timestamp now) {
        if (!on || !d.has_transport || d.transport != pktdyn::ip_protocol::udp) return;
        if (d.source_port == 53 || d.source_port == 5353 || d.source_port == 5355) (void)names->insert_response(d.payload(), now);
    }
    void read(const pktdyn::flow_record& r, const pktdyn::handshake_metadata& h) {
        h.write(values);
        h.write_text(std::span(text).first(handshake_texts.size()));
        auto meter = std::span(text).subspan(handshake_texts.size());
        const auto* e = names->lookup(r.responder(), r.first);
        meter[0] = e ? std::string(e->query_name()) : std::string();
        const auto signal = pktdyn::classify_dns_transport(r.key.protocol, r.responder_port(), r.responder(), text[1]);
        meter[1] = signal.transport == pktdyn::dns_transport::none ? std::string() : std::string(pktdyn::to_string(signal.transport));
        meter[2] = std::string(signal.provider);
    }
    /// Its columns: text, then numbers (numbers a model could take, but not in the feature matrix).
    void add_columns(pktdyn::schema& s) const {
        if (!on) return;
        pktdyn::add_text_columns(s, texts);
        pktdyn::add_feature_columns(s, numbers, pktdyn::column_role::record);
    }
    /// Its values for the flow last read(), in add_columns() order.
    void append_values(std::vector<pktdyn::value>& row) const {
        if (!on) return;
        for (const auto& t : text) row.push_back(pktdyn::value::of_optional_text(t));
        for (double v : values) row.push_back(pktdyn::value::of_number(v));
    }
};

// ---- The summary.

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

std::string endpoints(const flow& f) {
    const auto& r = f.record;
    const auto host = [](const pktdyn::ip_address& a, std::uint16_t port) {
        return a.version == 4 ? fmt::format("{}:{}", a.to_string(), port) : fmt::format("[{}]:{}", a.to_string(), port);
    };
    return fmt::format("{} -> {}", host(r.originator(), r.originator_port()), host(r.responder(), r.responder_port()));
}

double ms(pktdyn::duration d) { return static_cast<double>(d.count()) / 1e6; }

struct summary {
    std::uint64_t flows = 0;
    // Bounded whatever the input: a flood of addresses or names costs no memory here (Space-Saving,
    // baseline/space_saving.hpp; a count shown is exact or overstated by at most the bound printed).
    pktdyn::space_saving<pktdyn::ip_address, 64> bytes_sent;
    worst_flows worst_rtt{5}, most_retransmitted{5};
    // Handshakes: flows by kind, server names, and leaf certificates worth a look.
    std::map<std::string, std::uint64_t> kinds;  // a handful of kinds
    pktdyn::space_saving<std::string, 64> server_names;
    std::uint64_t certificates = 0, self_signed = 0, expired = 0;

    /// The handshake columns of one flow, as handshake_columns::read left them.
    void add_handshake(const pktdyn::flow_record& r, const handshake_columns& h) {
        const auto text = [&](std::string_view column) -> const std::string& {
            for (std::size_t i = 0; i < h.texts.size(); ++i)
                if (h.texts[i].column() == column) return h.text[i];
            return h.text[0];
        };
        const auto number = [&](std::string_view column) {
            for (std::size_t i = 0; i < h.numbers.size(); ++i)
                if (h.numbers[i].column() == column) return h.values[i];
            return std::nan("");
        };
        if (!text("handshake").empty()) ++kinds[text("handshake")];
        if (!text("server_name").empty()) server_names.add(text("server_name"));
        if (!std::isnan(number("tls_cert_not_after"))) {
            ++certificates;
            self_signed += number("tls_cert_self_signed") == 1;
            const double start = static_cast<double>(r.first.time_since_epoch().count()) / 1e9;
            expired += number("tls_cert_not_after") < start;
        }
    }

    void add(const flow& f) {
        ++flows;
        const auto& r = f.record;
        bytes_sent.add(r.originator(), r.dir[0].ip_bytes);  // senders only: a weight of 0 adds nothing
        bytes_sent.add(r.responder(), r.dir[1].ip_bytes);
        if (!is_tcp(f)) return;
        // Worst RTT: the larger of the two sides' mean data→ACK RTT, from at least 3 samples.
        for (int s = 0; s < 2; ++s) {
            const auto& rtt = tcp(f, s).rtt;
            if (rtt.count >= 3)
                worst_rtt.offer(ms(rtt.mean()), [&] {
                    return fmt::format("{}  {} RTT mean {:.1f} ms, p95 {:.1f} ms, max {:.1f} ms over {} samples",
                                       endpoints(f), s == 0 ? "originator's data" : "responder's data",
                                       ms(rtt.mean()), ms(rtt.p95()), ms(rtt.max), rtt.count);
                });
        }
        const std::uint64_t sent = r.dir[0].packets + r.dir[1].packets;
        const std::uint64_t retransmitted = tcp(f, 0).retransmissions + tcp(f, 1).retransmissions;
        most_retransmitted.offer(static_cast<double>(retransmitted), [&] {
            return fmt::format("{}  {} of {} packets retransmitted ({:.1f} %), {} bytes", endpoints(f), retransmitted,
                               sent, 100.0 * static_cast<double>(retransmitted) / static_cast<double>(sent),
                               tcp(f, 0).retransmitted_bytes + tcp(f, 1).retransmitted_bytes);
        });
    }
};

std::string bytes_text(double n) {
    const char* unit[] = {"B", "kB", "MB", "GB", "TB"};
    int i = 0;
    for (; n >= 1000 && i < 4; ++i) n /= 1000;
    return fmt::format("{:.{}f} {}", n, i ? 1 : 0, unit[i]);
}

template <class Table>
void print_summary(const Table& table, const summary& s, const pktdyn::decoder& dec,
                   const pktdyn::fragment_tracker& fragments) {
    const auto& t = table.stats();
    fmt::print(stderr, "packets {}  flows {}  (packets without IP: {})\n", t.packets, s.flows, t.not_ip);
    fmt::print(stderr, "flow table: at most {} flows at once of capacity {}, {} used of {} reserved\n",
               table.peak_flows(), table.capacity(), bytes_text(static_cast<double>(table.touched_bytes())),
               bytes_text(static_cast<double>(table.memory_bytes())));
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
    for (const auto& x : top) fmt::print(stderr, "  {:<40} {}\n", x.key.to_string(), bytes_text(static_cast<double>(x.count)));
    if (!s.worst_rtt.items().empty()) fmt::print(stderr, "worst RTT (TCP data to its ACK):\n");
    for (const auto& x : s.worst_rtt.items()) fmt::print(stderr, "  {}\n", x.line);
    if (!s.most_retransmitted.items().empty()) fmt::print(stderr, "most retransmissions:\n");
    for (const auto& x : s.most_retransmitted.items()) fmt::print(stderr, "  {}\n", x.line);

    const auto& d = dec.stats();
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
    const auto& f = fragments.stats();
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

/// A progress line on standard error, redrawn a few times a second: bytes read of the total for
/// files, packets and flows for a live capture.
class progress {
public:
    progress(bool enabled, std::uint64_t total_bytes) : enabled_(enabled), total_(total_bytes) {}
    template <class BytesRead>
    void tick(std::uint64_t packets, std::uint64_t flows, BytesRead&& bytes_read) {
        if (!enabled_ || (packets & 0x3FFF) != 0) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - shown_ < std::chrono::milliseconds(200)) return;
        shown_ = now;
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        const double mpps = static_cast<double>(packets) / std::max(elapsed, 1e-9) / 1e6;
        if (total_ == 0) {
            fmt::print(stderr, "\r{} packets  {:.2f} Mpps  {} flows ", packets, mpps, flows);
            return;
        }
        const std::uint64_t bytes = bytes_read();
        const double done = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_));
        constexpr int width = 30;
        const int filled = static_cast<int>(done * width);
        fmt::print(stderr, "\r[{:=<{}}{: <{}}] {:3.0f} %  {} of {}  {:.2f} Mpps  {} flows ", "", filled, "",
                   width - filled, done * 100, bytes_text(static_cast<double>(bytes)),
                   bytes_text(static_cast<double>(total_)), mpps, flows);
    }
    void done() {
        if (enabled_ && shown_ != std::chrono::steady_clock::time_point{}) fmt::print(stderr, "\r\033[K");
    }

private:
    bool enabled_;
    std::uint64_t total_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), shown_{};
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
    "           [--by-vlan] [--by-tunnel] [--quiet] FILE|DIR... | --live IFACE [--filter BPF]\n";

/// The machine's memory, to weigh a flow table's reservation against.
std::uint64_t machine_memory() {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : 0;
}

std::function<void()> stop_live;

/// Reads the input through the flow table with Features as extra per-flow state, and writes.
template <class Features>
int meter(const options* opt) {
    using state_type = meter_state<Features>;
    using table_type = pktdyn::flow_table<state_type>;
    // The table reserves its capacity up front (and touches only the flows it holds): a capacity
    // the machine cannot even reserve is refused here, not by an allocator's exception.
    const std::uint64_t reserve = table_type::memory_for(opt->flows.capacity), memory = machine_memory();
    if (memory != 0 && reserve > memory) {
        fmt::print(stderr,
                   "pktdyn-flowmeter: --capacity {}: the flow table would reserve {} ({} bytes per flow{}), more than "
                   "this machine's {} of memory; at most {} flows fit\n",
                   opt->flows.capacity, bytes_text(static_cast<double>(reserve)), table_type::memory_for(1),
                   opt->features == "none" ? "" : fmt::format(" with --features {}", opt->features),
                   bytes_text(static_cast<double>(memory)), memory / table_type::memory_for(1));
        return exit_usage;
    }
    state_type::read_handshakes = opt->handshakes;
    handshake_columns handshake{opt->handshakes};
    constexpr auto feature_list = Features::features();

    // One row per flow: the record's and the TCP tracker's fields, the handshake columns, the
    // features (export/flow_fields.hpp); the sink the format names writes it.
    pktdyn::schema columns;
    pktdyn::add_flow_columns(columns);
    handshake.add_columns(columns);
    pktdyn::add_feature_columns(columns, feature_list);
    std::optional<std::variant<pktdyn::csv_sink, pktdyn::jsonl_sink, pktdyn::npy_sink>> sink;
    if (opt->format == "csv") sink.emplace(std::in_place_index<0>, opt->output);
    else if (opt->format == "jsonl") sink.emplace(std::in_place_index<1>, opt->output);
    else if (opt->format == "npy") sink.emplace(std::in_place_index<2>, opt->output);
    if (sink)
        if (auto started = std::visit([&](auto& k) { return k.begin(columns); }, *sink); !started) {
            fmt::print(stderr, "pktdyn-flowmeter: {}\n", started.error().message());
            return exit_failed;
        }
    summary sum;
    std::array<double, Features::width> values{};
    std::vector<pktdyn::value> row;
    row.reserve(columns.size());
    pktdyn::flow_text text;
    const auto on_end = [&](typename table_type::entry& e) {
        const flow f{e.record, e.state.tcp};
        if (handshake.on && (!opt->quiet || sink)) handshake.read(e.record, e.state.handshakes);
        if (!opt->quiet) {
            sum.add(f);
            if (handshake.on) sum.add_handshake(e.record, handshake);
        }
        if (!sink) return;
        e.state.features.write(values);
        row.clear();
        text.read(e.record);
        pktdyn::append_flow_values(f, text, row);
        handshake.append_values(row);
        for (double v : values) row.push_back(pktdyn::value::of_number(v));
        std::visit([&](auto& k) { k.consume(row); }, *sink);
    };

    pktdyn::flow_path<state_type> flows{opt->flows};
    const bool show_progress = !opt->quiet && isatty(STDERR_FILENO);
    const auto run = [&](auto& source, progress bar, auto bytes_read) {
        while (auto p = source.next()) {
            (void)flows.push(*p, on_end);
            handshake.observe(flows.last_decoded(), p->time);
            bar.tick(flows.table().stats().packets, flows.table().stats().flows, [&] { return bytes_read(source); });
        }
        flows.flush(on_end);
        bar.done();
    };
    // What went wrong with the input: printed even with --quiet, and the exit code says so.
    std::vector<std::string> damage;
    if (opt->live) {
        auto src = pktdyn::libpcap_source::open_live(*opt->live, {.filter = opt->filter});
        if (!src) {
            fmt::print(stderr, "pktdyn-flowmeter: {}\n", src.error().message());
            return exit_failed;
        }
        stop_live = [&] { src->stop(); };
        std::signal(SIGINT, [](int) { stop_live(); });
        run(*src, progress{show_progress, 0}, [](const auto&) { return std::uint64_t{0}; });
        if (auto e = src->error()) damage.push_back(fmt::format("capture stopped: {}", e->message()));
    } else {
        auto set = pktdyn::capture_set::open(opt->inputs, {.access = pktdyn::access_mode::stream});
        if (!set) {
            fmt::print(stderr, "pktdyn-flowmeter: {}\n", set.error().message());
            return exit_failed;
        }
        run(*set, progress{show_progress, set->total_bytes()}, [](const pktdyn::capture_set& s) { return s.bytes_read(); });
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
    std::optional<std::string> write_failure;
    if (sink)
        if (auto done = std::visit([](auto& k) { return k.finish(); }, *sink); !done) write_failure = done.error().message();

    if (!opt->quiet) print_summary(flows.table(), sum, flows.decoding(), flows.fragments());
    if (!opt->quiet && opt->features == "standard") {  // the set with a byte distribution
        const auto& kernel = pktdyn::simd::byte_histogram_choice();
        fmt::print(stderr, "byte-histogram kernel: {}{}{}\n", kernel.kernel.name, kernel.note.empty() ? "" : " - ",
                   kernel.note);
    }
    for (const auto& d : damage) fmt::print(stderr, "pktdyn-flowmeter: {}\n", d);
    if (write_failure) {
        fmt::print(stderr, "pktdyn-flowmeter: {}\n", *write_failure);
        return exit_failed;
    }
    return damage.empty() ? exit_ok : exit_damaged;
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
    try {
        if (opt.features == "standard") return meter<pktdyn::standard_features>(&opt);
        if (opt.features == "cicflowmeter") return meter<pktdyn::cicflowmeter_preset>(&opt);
        if (opt.features == "nfstream") return meter<pktdyn::nfstream_preset>(&opt);
        return meter<no_features>(&opt);
    } catch (const std::bad_alloc&) {
        fmt::print(stderr, "pktdyn-flowmeter: out of memory (a smaller --capacity, or --handshakes off, needs less)\n");
        return exit_failed;
    }
}
