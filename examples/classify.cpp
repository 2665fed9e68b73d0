// pktdyn-classify: what applications a capture holds, from how its flows behave — without
// decrypting anything — and how well each flow is encrypted. Prints the application mix (flows and
// bytes by category and application) and the servers whose encryption needs fixing, and writes one
// verdict per flow beside the flow's identifying fields.
//
//   pktdyn-classify [options] FILE|DIR...
//
//   --format csv|jsonl|none   per-flow verdicts (default csv): community_id, originator,
//                             originator_port, responder, responder_port, protocol, first_seen,
//                             orig_ip_bytes, resp_ip_bytes, server_name, app_category, app_name,
//                             app_category_probability, app_name_probability (docs/classify.md;
//                             empty for a flow without payload), posture, posture_score,
//                             posture_reasons (docs/posture.md), tls_suspicion, tls_suspicion_reasons
//                             (docs/suspicious_tls.md)
//   --output FILE             where the verdicts go (default: standard output)
//   --behaviour-only          the models that read no server name, ALPN or JA4 (default: with them)
//   --early                   also the category after each flow's first 4, 8 and 16 packets
//                             (app_category_at_4, _at_8, _at_16: three more model evaluations a flow)
//   --models DIR              the model files (default: the installed data/models)
//   --threads N               threads analysing flows (default 1; the output is the same for any N)
//   --servers FILE            every judged server's posture as CSV (server, server_name, flows,
//                             worst_score, postures, reasons with counts)
//   --brands FILE             brands whose look-alike server names are suspicious: one per line, its
//                             name then its own registered domains (default: 14 often-phished brands)
//   --blocklist FILE          JA3 / JA4 fingerprints to flag, as abuse.ch SSLBL's CSV
//   --learn FILE|DIR|none     what this network's TLS usually looks like (client fingerprints' prevalence,
//                             each server name's usual bytes), learned in a first pass; default: the
//                             inputs themselves; none: no such reasons (docs/suspicious_tls.md)
//   --quiet                   no application mix and no posture summary on standard error
//   --model-inputs            instead of verdicts, write the models' inputs as CSV, one row per flow
//                             at its end (at_packets 0) and after its first 4, 8 and 16 packets when
//                             it has more (flow_index numbers the flows in the order they ended):
//                             what scripts/train_classifier.py trains on
//
// Exit codes: 0 done; 1 an input, a model or the output failed; 2 a bad option.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/capture/capture_set.hpp"
#include "pktdyn/export/csv.hpp"
#include "pktdyn/export/jsonl.hpp"
#include "pktdyn/export/output.hpp"
#include "pktdyn/export/select.hpp"
#include "pktdyn/detect/posture.hpp"
#include "pktdyn/detect/suspicious_tls.hpp"
#include "pktdyn/features/cleartext.hpp"
#include "pktdyn/features/flow_shape.hpp"
#include "pktdyn/features/handshakes.hpp"
#include "pktdyn/models/app_classifier.hpp"
#include "pktdyn/pipeline/pipeline.hpp"

#ifndef PKTDYN_MODEL_DIR
#define PKTDYN_MODEL_DIR "data/models"
#endif

namespace {

constexpr const char* usage =
    "usage: pktdyn-classify [--format csv|jsonl|none] [--output FILE] [--behaviour-only] [--early] [--models DIR]\n"
    "                       [--servers FILE] [--brands FILE] [--blocklist FILE] [--learn FILE|DIR|none]\n"
    "                       [--threads N] [--quiet] [--model-inputs] FILE|DIR...\n";

/// The columns written per flow; the early verdicts only when asked for.
std::vector<std::string> verdict_columns(bool early) {
    std::vector<std::string> c{"community_id", "originator", "originator_port", "responder", "responder_port", "protocol",
                               "first_seen", "orig_ip_bytes", "resp_ip_bytes", "server_name", "app_category", "app_name"};
    if (early) c.insert(c.end(), {"app_category_at_4", "app_category_at_8", "app_category_at_16"});
    c.insert(c.end(), {"app_category_probability", "app_name_probability", "posture", "posture_score", "posture_reasons",
                       "tls_suspicion", "tls_suspicion_reasons"});
    return c;
}

std::string bytes_text(double n) {
    const char* unit[] = {"B", "kB", "MB", "GB", "TB"};
    int i = 0;
    for (; n >= 1000 && i < 4; ++i) n /= 1000;
    return fmt::format("{:.{}f} {}", n, i ? 1 : 0, unit[i]);
}

/// Flows and bytes by category and by application, and each server's encryption posture, read
/// from the rows by column name.
class summary {
public:
    pktdyn::result<void> begin(const pktdyn::schema& s) {
        for (const char* name : {"app_category", "app_name", "orig_ip_bytes", "resp_ip_bytes", "responder", "responder_port",
                                 "protocol", "server_name", "posture", "posture_score", "posture_reasons", "tls_suspicion",
                                 "tls_suspicion_reasons", "originator"})
            at_.push_back(s.find(name));
        return {};
    }
    void consume(std::span<const pktdyn::value> row) {
        const auto v = [&](std::size_t i) { return row[at_[i]]; };
        const double bytes = v(2).as_double() + v(3).as_double();
        total_.add(bytes);
        categories_[std::string(v(0).s)].add(bytes);
        applications_[std::string(v(1).s)].add(bytes);
        if (const double suspicion = v(11).as_double(); suspicion >= 50)
            suspicious_.offer(suspicion, [&] {
                return fmt::format("{:>3}  {} → {} {}  {}", suspicion, v(13).s, v(4).s, v(7).s.empty() ? "(no server name)" : v(7).s,
                                   v(12).s);
            });
        if (v(8).s.empty()) return;  // no payload: nothing to judge
        // Servers: by responder address, port and protocol; their worst flow and what fired how often.
        auto& judged = servers_[fmt::format("{} {}/{}", v(4).s, v(5).u, v(6).u == 6 ? "tcp" : v(6).u == 17 ? "udp" : std::to_string(v(6).u))];
        ++judged.flows;
        judged.worst = std::max(judged.worst, v(9).as_double());
        if (judged.name.empty()) judged.name = v(7).s;
        for (std::string_view reasons = v(10).s; !reasons.empty();) {
            const auto end = std::min(reasons.find(';'), reasons.size());
            ++judged.reasons[std::string(reasons.substr(0, end))];
            reasons.remove_prefix(std::min(end + 1, reasons.size()));
        }
        ++judged.postures[std::string(v(8).s)];
    }
    pktdyn::result<void> finish() { return {}; }

    void print() const {
        fmt::print(stderr, "application mix: {} flows, {}\n", total_.flows, bytes_text(total_.bytes));
        table("category", categories_, categories_.size());
        table("application", applications_, 15);
        std::vector<const std::pair<const std::string, server>*> worst;
        for (const auto& s : servers_)
            if (s.second.worst > 0) worst.push_back(&s);
        std::sort(worst.begin(), worst.end(), [](const auto* a, const auto* b) {
            return a->second.worst != b->second.worst ? a->second.worst > b->second.worst : a->first < b->first;
        });
        fmt::print(stderr, "suspicious TLS sessions (score 50 or more): {}{}\n", suspicious_.seen(),
                   suspicious_.seen() ? ", the highest:" : "");
        for (const auto& line : suspicious_.lines()) fmt::print(stderr, "  {}\n", line);
        fmt::print(stderr, "encryption posture: {} servers judged, {} with findings\n", servers_.size(), worst.size());
        for (std::size_t i = 0; i < std::min<std::size_t>(10, worst.size()); ++i) {
            const auto& [key, s] = *worst[i];
            fmt::print(stderr, "  {:<28} {:>3}  {} flows  {}{}\n", key, s.worst, s.flows, s.reasons_text(),
                       s.name.empty() ? "" : fmt::format("  ({})", s.name));
        }
    }
    /// Every judged server as CSV: server, flows, worst score, postures and reasons with counts.
    pktdyn::result<void> write_servers(const std::string& path) const {
        pktdyn::output_file out(path);
        std::string text = "server,server_name,flows,worst_score,postures,reasons\n";
        for (const auto& [key, s] : servers_) {
            std::string postures;
            for (const auto& [p, n] : s.postures) postures += fmt::format("{}{}:{}", postures.empty() ? "" : ";", p, n);
            text += fmt::format("{},{},{},{},{},{}\n", key, s.name, s.flows, s.worst, postures, s.reasons_text());
        }
        out.write(text);
        return out.finish();
    }

private:
    struct tally {
        std::uint64_t flows = 0;
        double bytes = 0;
        void add(double b) {
            ++flows;
            bytes += b;
        }
    };
    void table(std::string_view what, const std::map<std::string, tally>& m, std::size_t top) const {
        std::vector<std::pair<std::string, tally>> rows(m.begin(), m.end());
        std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
            return a.second.bytes != b.second.bytes ? a.second.bytes > b.second.bytes : a.first < b.first;
        });
        fmt::print(stderr, "  {:<22} {:>8} {:>7} {:>10} {:>7}\n", what, "flows", "", "bytes", "");
        for (std::size_t i = 0; i < std::min(top, rows.size()); ++i) {
            const auto& [name, t] = rows[i];
            fmt::print(stderr, "  {:<22} {:>8} {:>6.1f}% {:>10} {:>6.1f}%\n", name, t.flows,
                       100.0 * static_cast<double>(t.flows) / static_cast<double>(std::max<std::uint64_t>(1, total_.flows)),
                       bytes_text(t.bytes), total_.bytes > 0 ? 100.0 * t.bytes / total_.bytes : 0.0);
        }
        if (rows.size() > top) fmt::print(stderr, "  ({} more)\n", rows.size() - top);
    }
    struct server {
        std::uint64_t flows = 0;
        double worst = 0;
        std::string name;
        std::map<std::string, std::uint64_t> reasons, postures;
        [[nodiscard]] std::string reasons_text() const {
            std::string t;
            for (const auto& [r, n] : reasons) t += fmt::format("{}{} ×{}", t.empty() ? "" : "; ", r, n);
            return t;
        }
    };
    // The k highest-scored items, kept as they come (ties: the first).
    class top_items {
    public:
        template <class Describe>
        void offer(double score, Describe&& describe) {
            ++seen_;
            if (items_.size() == 10 && score <= items_.back().first) return;
            if (items_.size() == 10) items_.pop_back();
            items_.emplace_back(score, describe());
            std::stable_sort(items_.begin(), items_.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        }
        [[nodiscard]] std::uint64_t seen() const noexcept { return seen_; }
        [[nodiscard]] std::vector<std::string> lines() const {
            std::vector<std::string> out;
            for (const auto& i : items_) out.push_back(i.second);
            return out;
        }

    private:
        std::vector<std::pair<double, std::string>> items_;
        std::uint64_t seen_ = 0;
    };
    std::vector<std::size_t> at_;
    top_items suspicious_;
    tally total_;
    std::map<std::string, tally> categories_, applications_;
    std::map<std::string, server> servers_;
};

/// The models' inputs as CSV, for training: each flow at its end and after its first 4, 8, 16 packets.
class model_inputs_sink {
public:
    explicit model_inputs_sink(const std::string& path) : out_(path) {}
    pktdyn::result<void> begin(const pktdyn::schema& s) {
        if (!out_.ok()) return out_.finish();
        std::vector<std::string> names;
        for (const auto& c : s.columns()) names.push_back(c.name);
        if (auto r = inputs_.bind(names); !r) return r;
        for (const char* id : {"community_id", "originator", "originator_port", "responder", "responder_port", "protocol"})
            ids_.push_back(s.find(id));
        numbers_.resize(s.size());
        texts_.resize(s.size());
        behaviour_.resize(pktdyn::app_inputs::width);
        std::string header = "flow_index,community_id,originator,originator_port,responder,responder_port,protocol,at_packets";
        for (const auto& n : pktdyn::app_inputs::names()) header += "," + n;
        header += ",tokens\n";
        buffer_.append(std::string_view(header));
        return {};
    }
    void consume(std::span<const pktdyn::value> row) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            numbers_[i] = row[i].as_double();
            texts_[i] = row[i].type == pktdyn::value::kind::text ? row[i].s : std::string_view{};
        }
        std::string tokens;
        inputs_.tokens(texts_, [&](std::string_view t) { tokens.append(tokens.empty() ? "" : " ").append(t); });
        for (std::size_t n : {std::size_t{0}, std::size_t{4}, std::size_t{8}, std::size_t{16}}) {
            if (n != 0 && !(inputs_.packets(numbers_) > static_cast<double>(n))) continue;
            inputs_.behaviour(numbers_, texts_, n, behaviour_);
            buffer_.append(std::string_view(fmt::format("{}", flows_)));
            for (std::size_t i = 0; i < ids_.size(); ++i) {
                buffer_.push_back(',');
                pktdyn::append_csv(buffer_, row[ids_[i]]);
            }
            buffer_.append(std::string_view(fmt::format(",{}", n)));
            for (double v : behaviour_) {
                buffer_.push_back(',');
                if (!std::isnan(v)) buffer_.append(std::string_view(fmt::format("{}", v)));
            }
            buffer_.push_back(',');
            pktdyn::append_csv(buffer_, pktdyn::value::of_text(tokens));
            buffer_.push_back('\n');
        }
        ++flows_;
        if (buffer_.size() > (1u << 16)) drain();
    }
    pktdyn::result<void> finish() {
        drain();
        return out_.finish();
    }

private:
    void drain() {
        out_.write(std::string_view(buffer_.data(), buffer_.size()));
        buffer_.clear();
    }
    pktdyn::output_file out_;
    pktdyn::text_buffer buffer_;
    pktdyn::app_inputs inputs_;
    std::vector<std::size_t> ids_;
    std::uint64_t flows_ = 0;
    std::vector<double> numbers_, behaviour_;
    std::vector<std::string_view> texts_;
};

struct options {
    std::string format = "csv", output = "-", models, servers, brands, blocklist, learn;
    bool text = true, quiet = false, model_inputs = false, early = false;
    unsigned threads = 1;
    std::vector<std::filesystem::path> inputs;
};

/// What the network's TLS usually looks like (suspicious_tls's rare fingerprints and unusual
/// dynamics), from a first pass over `inputs`: each TLS or QUIC flow's client, JA4, server name and
/// bytes the responder sent.
pktdyn::result<std::shared_ptr<const pktdyn::tls_baseline>> learn_tls(const std::vector<std::filesystem::path>& inputs,
                                                                      unsigned threads) {
    auto captures = pktdyn::capture_set::open(inputs);
    if (!captures) return captures.error();
    auto baseline = std::make_shared<pktdyn::tls_baseline>();
    std::vector<std::size_t> at;
    auto run = pktdyn::from(*captures) | pktdyn::track_flows() | pktdyn::extract<pktdyn::handshake_metadata>() |
               pktdyn::to(pktdyn::callback_sink([&](const pktdyn::schema& s, std::span<const pktdyn::value> row) {
                   if (at.empty())
                       for (const char* name : {"handshake", "originator", "ja4", "server_name", "resp_ip_bytes"}) at.push_back(s.find(name));
                   const std::string_view kind = row[at[0]].s;
                   if (kind == "tls" || kind == "quic")
                       baseline->observe(row[at[1]].s, row[at[2]].s, row[at[3]].s, row[at[4]].as_double());
               }));
    if (const auto r = run({.threads = threads}); r.output_error) return *r.output_error;
    return std::shared_ptr<const pktdyn::tls_baseline>(std::move(baseline));
}

std::string default_models() {
    if (const char* env = std::getenv("PKTDYN_MODELS"); env != nullptr && *env != '\0') return env;
    return PKTDYN_MODEL_DIR;
}

}  // namespace

int main(int argc, char** argv) {
    options opt;
    opt.models = default_models();
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--format" && has_value) opt.format = argv[++i];
        else if (a == "--output" && has_value) opt.output = argv[++i];
        else if (a == "--models" && has_value) opt.models = argv[++i];
        else if (a == "--servers" && has_value) opt.servers = argv[++i];
        else if (a == "--brands" && has_value) opt.brands = argv[++i];
        else if (a == "--blocklist" && has_value) opt.blocklist = argv[++i];
        else if (a == "--learn" && has_value) opt.learn = argv[++i];
        else if (a == "--threads" && has_value) opt.threads = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
        else if (a == "--behaviour-only") opt.text = false;
        else if (a == "--early") opt.early = true;
        else if (a == "--quiet") opt.quiet = true;
        else if (a == "--model-inputs") opt.model_inputs = true;
        else if (a.starts_with("-")) return fmt::print(stderr, "pktdyn-classify: unknown option {}\n{}", a, usage), 2;
        else opt.inputs.emplace_back(a);
    }
    if (opt.inputs.empty() || (opt.format != "csv" && opt.format != "jsonl" && opt.format != "none") || opt.threads == 0)
        return std::fputs(usage, stderr), 2;

    auto captures = pktdyn::capture_set::open(opt.inputs);
    if (!captures) return fmt::print(stderr, "pktdyn-classify: {}\n", captures.error().message()), 1;
    auto flows = pktdyn::from(*captures) | pktdyn::track_flows() | pktdyn::resolve_names() |
                       pktdyn::extract<pktdyn::handshake_metadata, pktdyn::flow_shape, pktdyn::cleartext_evidence>();
    pktdyn::run_result r;
    if (opt.model_inputs) {
        auto run = std::move(flows) | pktdyn::to(model_inputs_sink{opt.output});
        r = run({.threads = opt.threads});
    } else {
        auto classifier = pktdyn::app_classifier::load_shipped(opt.models, opt.text, opt.early);
        if (!classifier) return fmt::print(stderr, "pktdyn-classify: {}\n", classifier.error().message()), 1;
        pktdyn::suspicious_tls::options tls;
        if (!opt.brands.empty()) {
            auto brands = pktdyn::load_brands(opt.brands);
            if (!brands) return fmt::print(stderr, "pktdyn-classify: {}\n", brands.error().message()), 1;
            tls.brands = std::move(*brands);
        }
        if (!opt.blocklist.empty()) {
            auto list = pktdyn::fingerprint_blocklist::load(opt.blocklist);
            if (!list) return fmt::print(stderr, "pktdyn-classify: {}\n", list.error().message()), 1;
            tls.blocklist = std::make_shared<const pktdyn::fingerprint_blocklist>(std::move(*list));
        }
        if (auto psl = pktdyn::public_suffix_list::load(); psl) tls.suffixes = std::make_shared<const pktdyn::public_suffix_list>(std::move(*psl));
        else if (!opt.quiet) fmt::print(stderr, "pktdyn-classify: {} (look-alikes judged on the last two labels)\n", psl.error().message());
        if (opt.learn != "none") {
            auto baseline = learn_tls(opt.learn.empty() ? opt.inputs : std::vector<std::filesystem::path>{opt.learn}, opt.threads);
            if (!baseline) return fmt::print(stderr, "pktdyn-classify: learning: {}\n", baseline.error().message()), 1;
            tls.baseline = std::move(*baseline);
        }
        pktdyn::one_of_sinks<pktdyn::csv_sink, pktdyn::jsonl_sink> records;
        if (opt.format == "csv") records.emplace<pktdyn::csv_sink>(opt.output);
        else if (opt.format == "jsonl") records.emplace<pktdyn::jsonl_sink>(opt.output);
        summary sum;
        auto run = std::move(flows) | pktdyn::score(std::move(*classifier)) | pktdyn::score(pktdyn::encryption_posture{}) |
                   pktdyn::score(pktdyn::suspicious_tls(std::move(tls))) |
                   pktdyn::to(pktdyn::tee(pktdyn::select_columns(std::move(records), verdict_columns(opt.early)), pktdyn::by_reference(sum)));
        r = run({.threads = opt.threads});
        if (!opt.quiet && !r.output_error) sum.print();
        if (!opt.servers.empty())
            if (auto w = sum.write_servers(opt.servers); !w) fmt::print(stderr, "pktdyn-classify: {}\n", w.error().message());
    }
    for (const auto& e : captures->errors()) fmt::print(stderr, "pktdyn-classify: stopped early: {}\n", e.message());
    if (r.output_error) fmt::print(stderr, "pktdyn-classify: {}\n", r.output_error->message());
    return r.output_error || !captures->errors().empty() ? 1 : 0;
}
