// pktdyn-detect: behavioural detections from captures or a live interface — scans, password
// guessing, beacons, exfiltration, new services and SaaS, DNS tunnels, long connections — each an
// alert with its numbers (docs/detect.md).
//
//   pktdyn-detect [options] FILE|DIR...
//   pktdyn-detect [options] --live IFACE [--filter BPF]
//
//   --format jsonl|text    alerts as JSON lines or readable paragraphs (default text)
//   --output FILE          write alerts there (default: standard output)
//   --learn DURATION       only learn for this long from the first packet (novelty and band
//                          detectors stay quiet meanwhile): 1d (default), 0, 30m, 12h, 14d
//   --state FILE           load the baselines (first-seen sets, hourly profiles, the end of
//                          learning) from FILE if it exists, and save them there at the end
//   --internal CIDRs       our networks, comma-separated (default: 10/8, 172.16/12, 192.168/16,
//                          169.254/16, fc00::/7, fe80::/10)
//   --allow DOMAINS        registered domains never told as new SaaS, comma-separated
//   --ssh-limit N          failed SSH connections in 30 min that make a guesser (default 30, Zeek's)
//   --threads N            threads analysing flows (default 0: one per core); alerts are the same
//                          for any N: detectors run where the rows meet, in the flow table's order
//   --quiet                no summary on standard error
//
// The summary groups alerts by detector with their first explanations. Exit codes: 0 read to the
// end, 1 nothing could be read or written, 2 a bad option, 3 an input stopped early or was skipped.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/capture/capture_set.hpp"
#include "pktdyn/capture/libpcap_source.hpp"
#include "pktdyn/export/detection_sink.hpp"
#include "pktdyn/features/evidence.hpp"
#include "pktdyn/features/handshakes.hpp"
#include "pktdyn/pipeline/pipeline.hpp"

namespace {

constexpr int exit_ok = 0, exit_failed = 1, exit_usage = 2, exit_damaged = 3;

const char* const usage_text =
    "usage: pktdyn-detect [--format jsonl|text] [--output FILE] [--learn DURATION] [--internal CIDRs]\n"
    "           [--state FILE] [--allow DOMAINS] [--ssh-limit N] [--threads N] [--quiet]\n"
    "           FILE|DIR... | --live IFACE [--filter BPF]\n";

struct usage_error {
    std::string message;
};

struct options {
    std::string format = "text", output, filter, state;
    std::optional<std::string> live;
    std::vector<std::filesystem::path> inputs;
    pktdyn::detector_config detect;
    unsigned threads = 0;
    bool quiet = false;
};

/// "0", "90s", "30m", "12h", "14d" (a bare number is seconds).
pktdyn::duration duration_option(const std::string& name, const std::string& text) {
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    const double scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : -1;
    if (ec != std::errc{} || scale < 0 || v < 0 || v * scale > 10 * 365 * 86400.0)
        throw usage_error{fmt::format("{} {}: not a duration (a number and s, m, h or d, up to 10 years)", name, text)};
    return std::chrono::duration_cast<pktdyn::duration>(std::chrono::duration<double>(v * scale));
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&](const char* what) -> std::string {
            if (i + 1 >= argc) throw usage_error{fmt::format("{} needs {}", a, what)};
            return argv[++i];
        };
        if (a == "--format") {
            o.format = value("jsonl or text");
            if (o.format != "jsonl" && o.format != "text") throw usage_error{fmt::format("--format {}: jsonl or text", o.format)};
        } else if (a == "--output") {
            o.output = value("a file");
        } else if (a == "--learn") {
            o.detect.context.learning_period = duration_option(a, value("a duration"));
        } else if (a == "--state") {
            o.state = value("a file");
        } else if (a == "--internal") {
            auto l = pktdyn::network_list::parse(value("CIDRs"));
            if (!l) throw usage_error{fmt::format("--internal: {}", l.error().message())};
            o.detect.context.internal = std::move(*l);
        } else if (a == "--allow") {
            const std::string list = value("domains");
            for (std::size_t at = 0; at <= list.size();) {
                const std::size_t end = std::min(list.find(',', at), list.size());
                if (end > at) o.detect.novelty.allowed_domains.push_back(list.substr(at, end - at));
                at = end + 1;
            }
        } else if (a == "--ssh-limit") {
            const std::string v = value("a number");
            unsigned n = 0;
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc{} || end != v.data() + v.size() || n == 0 || n > 1000000)
                throw usage_error{fmt::format("--ssh-limit {}: a whole number from 1 to 1000000", v)};
            o.detect.brute_force.ssh_limit = n;
        } else if (a == "--threads") {
            const std::string v = value("a number");
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), o.threads);
            if (ec != std::errc{} || end != v.data() + v.size() || o.threads > 256)
                throw usage_error{fmt::format("--threads {}: a whole number from 0 to 256", v)};
        } else if (a == "--live") {
            o.live = value("an interface");
        } else if (a == "--filter") {
            o.filter = value("a BPF expression");
        } else if (a == "--quiet") {
            o.quiet = true;
        } else if (a.starts_with("--")) {
            throw usage_error{fmt::format("{}: unknown option", a)};
        } else {
            o.inputs.push_back(a);
        }
    }
    if (o.live && !o.inputs.empty()) throw usage_error{"--live and files: one or the other"};
    if (!o.live && o.inputs.empty()) throw usage_error{"no input: name capture files or directories, or --live IFACE"};
    return o;
}

std::function<void()> stop_live;

/// Alerts to the chosen format.
class chosen_alerts {
public:
    explicit chosen_alerts(const options& o) {
        if (o.format == "jsonl") sink_.emplace<pktdyn::alert_jsonl_sink>(o.output);
        else sink_.emplace<pktdyn::alert_text_sink>(o.output);
    }
    pktdyn::result<void> begin() {
        return std::visit([](auto& s) { return s.begin(); }, sink_);
    }
    void consume(const pktdyn::alert& a) {
        std::visit([&](auto& s) { s.consume(a); }, sink_);
    }
    pktdyn::result<void> finish() {
        return std::visit([](auto& s) { return s.finish(); }, sink_);
    }

private:
    std::variant<pktdyn::alert_text_sink, pktdyn::alert_jsonl_sink> sink_;
};

template <class Source>
int detect(const options& opt, Source& source, const pktdyn::capture_set* files) {
    pktdyn::detector_config config = opt.detect;
    const auto suffixes = pktdyn::public_suffix_list::load();
    if (suffixes) config.context.suffixes = &*suffixes;
    else fmt::print(stderr, "pktdyn-detect: {}; registered domains are a name's last two labels\n", suffixes.error().message());
    // Baselines from an earlier run, when there is one.
    std::optional<pktdyn::detector_set> restored;
    if (!opt.state.empty() && std::filesystem::exists(opt.state)) {
        std::ifstream in(opt.state);
        std::stringstream text;
        text << in.rdbuf();
        auto d = pktdyn::detector_set::restore(text.str(), config);
        if (!d) {
            fmt::print(stderr, "pktdyn-detect: --state {}: {}\n", opt.state, d.error().message());
            return exit_failed;
        }
        restored.emplace(std::move(*d));
    }
    pktdyn::detection_sink<chosen_alerts> detections =
        restored ? pktdyn::detection_sink<chosen_alerts>(std::move(*restored), chosen_alerts(opt))
                 : pktdyn::detection_sink<chosen_alerts>(config, chosen_alerts(opt));
    auto run = pktdyn::from(source) | pktdyn::track_flows({}) |
               pktdyn::extract<pktdyn::login_outcomes, pktdyn::dns_activity, pktdyn::tls_meta>() | pktdyn::to(pktdyn::by_reference(detections));
    const pktdyn::run_result result = run({.threads = opt.threads});

    std::vector<std::string> damage;
    if (!opt.state.empty()) {  // written beside, then renamed: an interrupted save leaves the old state
        const std::string temporary = opt.state + ".tmp";
        std::ofstream out(temporary, std::ios::trunc);
        out << detections.detectors().save();
        out.close();
        std::error_code ec;
        if (out.fail()) damage.push_back(fmt::format("--state {}: could not write {}", opt.state, temporary));
        else std::filesystem::rename(temporary, opt.state, ec);
        if (ec) damage.push_back(fmt::format("--state {}: {}", opt.state, ec.message()));
    }
    if (files) {
        for (const auto& e : files->errors()) damage.push_back(fmt::format("stopped early: {}", e.message()));
        for (const auto& s : files->skipped_files()) damage.push_back(fmt::format("skipped {}: not a capture", s.string()));
        if (files->file_count() == 0) damage.push_back("no capture file to read");
    } else if (result.input_error) {
        damage.push_back(fmt::format("capture stopped: {}", result.input_error->message()));
    }
    if (!opt.quiet) {
        const auto& d = detections.detectors();
        std::uint64_t total = 0;
        for (const auto& [name, n] : detections.counts()) total += n;
        fmt::print(stderr, "{} packets, {} flows; {} alert{} ({} repeats suppressed within {} min); {} host-hours of our networks' hosts{}\n",
                   result.packets, d.flows(), total, total == 1 ? "" : "s", d.book().suppressed(),
                   std::chrono::duration_cast<std::chrono::minutes>(d.book().suppression()).count(), d.host_hours(),
                   d.host_hours() ? fmt::format(", {:.3f} alerts per host-hour", static_cast<double>(total) / static_cast<double>(d.host_hours())) : "");
        for (const auto& [name, n] : detections.counts()) {
            fmt::print(stderr, "\n{}: {}\n", name, n);
            for (const auto& a : detections.examples().at(name)) fmt::print(stderr, "  [{}] {}\n", a.severity, a.sentence);
            if (n > detections.kept_per_detector) fmt::print(stderr, "  … and {} more\n", n - detections.kept_per_detector);
        }
    }
    for (const auto& d : damage) fmt::print(stderr, "pktdyn-detect: {}\n", d);
    if (result.output_error) {
        fmt::print(stderr, "pktdyn-detect: {}\n", result.output_error->message());
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
        fmt::print(stderr, "pktdyn-detect: {}\n{}", e.message, usage_text);
        return exit_usage;
    }
    try {
        if (opt.live) {
            auto src = pktdyn::libpcap_source::open_live(*opt.live, {.filter = opt.filter});
            if (!src) {
                fmt::print(stderr, "pktdyn-detect: {}\n", src.error().message());
                return exit_failed;
            }
            stop_live = [&] { src->stop(); };
            std::signal(SIGINT, [](int) { stop_live(); });
            return detect(opt, *src, nullptr);
        }
        auto set = pktdyn::capture_set::open(opt.inputs, {.access = pktdyn::access_mode::stream});
        if (!set) {
            fmt::print(stderr, "pktdyn-detect: {}\n", set.error().message());
            return exit_failed;
        }
        return detect(opt, *set, &*set);
    } catch (const std::bad_alloc&) {
        fmt::print(stderr, "pktdyn-detect: out of memory\n");
        return exit_failed;
    }
}
