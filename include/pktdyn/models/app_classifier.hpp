// pktdyn — which application a flow is, without decrypting it: the shipped gradient-boosted models
// (data/models/, trained by scripts/train_classifier.py; model card docs/classify.md) as a text
// scorer for the pipeline.
//
// A model reads a flow's row. Its *behaviour* inputs are flow_shape's columns (the first 30
// packets and per-direction statistics, features/flow_shape.hpp), TCP handshake options, TLS /
// QUIC / DNS handshake numbers and JA4's leading counts; never an address, a port, a server name or
// a certificate string. A *text* model adds tokens of the names the flow shows (server name, the
// name resolved before it, its DNS query), its ALPN offer and its JA4, as 0/1 inputs named by a
// vocabulary the training script chose ("name:google", "alpn:h2", "ja4:t13d1516h2_8daaf6152771_...").
//
// Early verdicts (opt-in): a model scores the flow as it was after its first n packets (n = 4, 8,
// 16) from the same row: flow_shape's summary is computed again from the sequence columns, and the
// inputs only known at the flow's end (TCP options, handshake numbers) are missing, as they were in
// the training rows for that n. A flow with n packets or fewer has its end verdict. The text tokens are
// used at every n: the server name comes in the ClientHello, the 4th packet of a TCP connection and
// the 1st of QUIC, and the resolved name before the flow.
//
// A verdict below the model's reject threshold (chosen on held-out captures, docs/classify.md) is
// "unknown".
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/capture/mapped_file.hpp"
#include "pktdyn/core/json.hpp"
#include "pktdyn/core/result.hpp"
#include "pktdyn/features/flow_shape.hpp"
#include "pktdyn/models/forest.hpp"
#include "pktdyn/models/scorer.hpp"
#include "pktdyn/models/xgboost_json.hpp"

namespace pktdyn {

/// The inputs of the application models, read from a flow's row by column name.
class app_inputs {
public:
    /// Numbers taken from the row as they are, known only at the flow's end.
    static constexpr std::array<std::string_view, 52> end_columns{
        "syn_to_syn_ack_s", "syn_ack_to_ack_s", "orig_initial_window", "resp_initial_window", "orig_mss", "resp_mss",
        "orig_window_scale", "resp_window_scale", "orig_sack_permitted", "resp_sack_permitted", "orig_timestamps",
        "resp_timestamps", "orig_ttl_max", "resp_ttl_max", "orig_retransmissions", "resp_retransmissions", "orig_packets",
        "resp_packets", "orig_payload_bytes", "resp_payload_bytes", "tls_client_version", "tls_server_version",
        "tls_cipher_suite", "tls_client_cipher_suites", "tls_client_extensions", "tls_resumption_offered", "tls_resumed",
        "tls_certificates", "tls_server_hello_delay_s", "handshake_records", "quic_version", "dns_queries", "dns_responses",
        "dns_rcode", "dns_answer_records",
        "orig_tls_record_length_1", "orig_tls_record_length_2", "orig_tls_record_length_3", "orig_tls_record_length_4",
        "orig_tls_record_length_5", "orig_tls_record_length_6", "orig_tls_record_length_7", "orig_tls_record_length_8",
        "resp_tls_record_length_1", "resp_tls_record_length_2", "resp_tls_record_length_3", "resp_tls_record_length_4",
        "resp_tls_record_length_5", "resp_tls_record_length_6", "resp_tls_record_length_7", "resp_tls_record_length_8",
        "duration_s"};
    /// Numbers derived from text columns at the flow's end: the handshake's kind (1 tls, 2 dtls,
    /// 3 quic, 4 ssh, 5 dns, 0 none) and JA4's first part (protocol 1 TCP / 2 QUIC / 3 DTLS, TLS
    /// version ×10, 1 when a server name was sent, cipher suites, extensions).
    static constexpr std::array<std::string_view, 6> derived{"handshake_kind", "ja4_protocol", "ja4_version", "ja4_sni",
                                                             "ja4_ciphers", "ja4_extensions"};
    /// Text columns whose tokens a text model reads.
    static constexpr std::array<std::string_view, 5> token_columns{"server_name", "resolved_name", "dns_query", "alpn_offered", "ja4"};

    static constexpr std::size_t shape_width = flow_shape::features.size();
    static constexpr std::size_t width = shape_width + end_columns.size() + derived.size();

    /// Every behaviour input's name, in the order behaviour() writes them.
    [[nodiscard]] static const std::vector<std::string>& names() {
        static const std::vector<std::string> all = [] {
            std::vector<std::string> n;
            for (const auto& f : flow_shape::features) n.push_back(f.column());
            for (auto c : end_columns) n.emplace_back(c);
            for (auto c : derived) n.emplace_back(c);
            return n;
        }();
        return all;
    }

    /// Finds the columns; an error names one the row lacks (the classifier needs flow_shape and
    /// handshake_metadata extracted).
    result<void> bind(std::span<const std::string> columns) {
        constexpr std::string_view who = "the application classifier", hint = "extract flow_shape and handshake_metadata";
        // flow_shape's columns are contiguous, in its order: found by the first.
        std::array<std::size_t, 2> single{};
        if (auto r = find_columns(columns, std::array<std::string_view, 2>{"shape_dir_1", "handshake"}, single, who, hint); !r) return r;
        shape_ = single[0];
        handshake_ = single[1];
        for (std::size_t i = 0; i < shape_width; ++i)
            if (shape_ + i >= columns.size() || columns[shape_ + i] != flow_shape::features[i].column())
                return error(errc::invalid_argument, fmt::format("{} needs flow_shape's columns in order; '{}' is missing", who,
                                                                 flow_shape::features[i].column()));
        if (auto r = find_columns(columns, end_columns, end_, who, hint); !r) return r;
        return find_columns(columns, token_columns, tokens_, who, hint);
    }

    /// Packets of the flow (flow_shape's count).
    [[nodiscard]] double packets(std::span<const double> row) const noexcept { return row[shape_ + shape_packets_at]; }
    /// Whether either side sent a transport payload (flow_shape's byte counts).
    [[nodiscard]] bool carried_payload(std::span<const double> row) const noexcept {
        return row[shape_ + flow_shape::sequence_width + 2] > 0 ||
               row[shape_ + flow_shape::sequence_width + flow_shape::summary::per_direction + 2] > 0;
    }

    /// The behaviour inputs of the flow as it was after its first n packets (0: at its end; a flow
    /// of n packets or fewer is written as at its end), `width` values.
    void behaviour(std::span<const double> row, std::span<const std::string_view> texts, std::size_t n,
                   std::span<double> out) const noexcept {
        const auto shape = row.subspan(shape_, shape_width);
        const bool whole = n == 0 || !(packets(row) > static_cast<double>(n));
        constexpr double nan = std::numeric_limits<double>::quiet_NaN();
        if (whole) {
            std::copy(shape.begin(), shape.end(), out.begin());
            for (std::size_t i = 0; i < end_columns.size(); ++i) out[shape_width + i] = row[end_[i]];
            write_derived(texts, out.subspan(shape_width + end_columns.size(), derived.size()));
            return;
        }
        constexpr std::size_t L = flow_shape::length;
        for (std::size_t kind = 0; kind < 4; ++kind)
            for (std::size_t i = 0; i < L; ++i) out[kind * L + i] = i < n ? shape[kind * L + i] : nan;
        flow_shape::summarize(shape.first(flow_shape::sequence_width), n, shape[shape_width - 1],
                              out.subspan(flow_shape::sequence_width, flow_shape::summary::width));
        std::fill(out.begin() + shape_width, out.begin() + width, nan);
    }

    /// Calls f(token) for each token of the flow's names ("name:" and each run of letters and digits,
    /// lower-cased, of two characters or more and not all digits), ALPN offer ("alpn:" and each
    /// protocol) and JA4 ("ja4:" and the fingerprint). A token's view lives until f returns.
    template <class F>
    void tokens(std::span<const std::string_view> texts, F&& f) const {
        std::array<char, 96> buffer{};
        const auto emit = [&](std::string_view prefix, std::string_view body, bool lower) {
            if (body.empty() || prefix.size() + body.size() > buffer.size()) return;
            std::size_t k = 0;
            for (char c : prefix) buffer[k++] = c;
            for (char c : body) buffer[k++] = lower ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
            f(std::string_view(buffer.data(), k));
        };
        for (std::size_t i = 0; i < 3; ++i) {
            const std::string_view name = texts[tokens_[i]];
            std::size_t start = 0;
            for (std::size_t j = 0; j <= name.size(); ++j) {
                const bool word = j < name.size() && std::isalnum(static_cast<unsigned char>(name[j])) != 0 &&
                                  static_cast<unsigned char>(name[j]) < 0x80;
                if (word) continue;
                const std::string_view t = name.substr(start, j - start);
                if (t.size() >= 2 && !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }))
                    emit("name:", t, true);
                start = j + 1;
            }
        }
        const std::string_view alpn = texts[tokens_[3]];
        for (std::size_t start = 0; start < alpn.size();) {
            const std::size_t comma = std::min(alpn.find(',', start), alpn.size());
            emit("alpn:", alpn.substr(start, comma - start), false);
            start = comma + 1;
        }
        emit("ja4:", texts[tokens_[4]], false);
    }

private:
    static constexpr std::size_t shape_packets_at = shape_width - 3;  // flow_shape's "shape_packets"

    void write_derived(std::span<const std::string_view> texts, std::span<double> out) const noexcept {
        constexpr std::array<std::string_view, 5> kinds{"tls", "dtls", "quic", "ssh", "dns"};
        const std::string_view kind = texts[handshake_];
        out[0] = 0;
        for (std::size_t i = 0; i < kinds.size(); ++i)
            if (kind == kinds[i]) out[0] = static_cast<double>(i + 1);
        // JA4_a: protocol (t, q, d), version (2 characters), d or i, ciphers (2 digits), extensions (2 digits).
        const std::string_view ja4 = texts[tokens_[4]];
        constexpr double nan = std::numeric_limits<double>::quiet_NaN();
        std::fill(out.begin() + 1, out.end(), nan);
        if (ja4.size() < 10) return;
        const auto digits = [&](std::size_t at) -> double {
            const char a = ja4[at], b = ja4[at + 1];
            if (a < '0' || a > '9' || b < '0' || b > '9') return nan;
            return (a - '0') * 10 + (b - '0');
        };
        out[1] = ja4[0] == 't' ? 1 : ja4[0] == 'q' ? 2 : ja4[0] == 'd' ? 3 : nan;
        out[2] = ja4[1] == 's' ? (ja4[2] == '3' ? 3 : 2) : digits(1);  // "s3" SSL 3, "s2" SSL 2
        out[3] = ja4[3] == 'd' ? 1 : ja4[3] == 'i' ? 0 : nan;
        out[4] = digits(4);
        out[5] = digits(6);
    }

    std::size_t shape_ = 0, handshake_ = 0;
    std::array<std::size_t, end_columns.size()> end_{};
    std::array<std::size_t, token_columns.size()> tokens_{};
};

/// One shipped model: its trees, what it predicts, its classes and its reject threshold, read from
/// an XGBoost JSON file whose learner attributes (set by scripts/train_classifier.py) say
///   pktdyn_target "category" | "application";  pktdyn_inputs "behaviour" | "behaviour+text";
///   pktdyn_classes the class names, comma-separated, in output order;  pktdyn_reject_below a probability.
struct app_model {
    forest trees;
    std::string target, inputs;
    std::vector<std::string> classes;
    double reject_below = 0;

    [[nodiscard]] bool uses_text() const noexcept { return inputs == "behaviour+text"; }

    static result<app_model> parse(std::string_view text, std::string_view source) {
        auto doc = json::parse(text, source);
        if (!doc) return doc.error();
        auto trees = load_xgboost_json(*doc, source);
        if (!trees) return trees.error();
        const json::value* learner = doc->find("learner");
        const json::value* attributes = learner ? learner->find("attributes") : nullptr;
        const auto attribute = [&](std::string_view key) -> result<std::string> {
            const json::value* v = attributes ? attributes->find(key) : nullptr;
            if (v == nullptr || !v->is(json::kind::string))
                return error(errc::corrupt, fmt::format("{}: not a pktdyn application model (no learner attribute '{}')", source, key));
            return v->string();
        };
        app_model m{std::move(*trees), {}, {}, {}, 0};
        auto target = attribute("pktdyn_target");
        auto inputs = attribute("pktdyn_inputs");
        auto classes = attribute("pktdyn_classes");
        auto reject = attribute("pktdyn_reject_below");
        for (const auto* r : {&target, &inputs, &classes, &reject})
            if (!*r) return r->error();
        m.target = *target;
        m.inputs = *inputs;
        for (std::size_t start = 0; start <= classes->size();) {
            const std::size_t comma = std::min(classes->find(',', start), classes->size());
            m.classes.push_back(classes->substr(start, comma - start));
            start = comma + 1;
        }
        m.reject_below = std::strtod(reject->c_str(), nullptr);
        if (m.classes.size() != m.trees.num_outputs() || m.classes.size() < 2)
            return error(errc::corrupt, fmt::format("{}: {} class names for {} outputs", source, m.classes.size(), m.trees.num_outputs()));
        if (m.inputs != "behaviour" && m.inputs != "behaviour+text")
            return error(errc::corrupt, fmt::format("{}: pktdyn_inputs is '{}', expected behaviour or behaviour+text", source, m.inputs));
        if (!m.trees.has_feature_names()) return error(errc::corrupt, fmt::format("{}: the model has no feature names", source));
        return m;
    }
    static result<app_model> load(const std::filesystem::path& path) {
        auto file = mapped_file::open(path);
        if (!file) return file.error();
        const auto bytes = file->bytes();
        return parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path.string());
    }
};

/// The application classifier as a pipeline text scorer: a category model and, optionally, an
/// application model, both behaviour-only or both with text. Columns:
///   app_category, app_name            the verdicts at the flow's end ("unknown" below the threshold)
///   app_category_at_4, _at_8, _at_16   with `early`: the category verdict after the flow's first 4, 8,
///                                     16 packets (three more evaluations of the category model)
///   app_category_probability, app_name_probability   the verdicts' probabilities
/// A flow that carried no payload has no verdict (its columns are empty): there is nothing in it
/// to tell one application from another, and scoring it would cost as much as any other.
class app_classifier {
public:
    static constexpr std::array<std::size_t, 3> early_packets{4, 8, 16};

    explicit app_classifier(app_model category, std::optional<app_model> application = std::nullopt, bool early = false)
        : category_(std::move(category)), application_(std::move(application)), early_(early) {
        text_outputs_ = {"app_category"};
        outputs_ = {"app_category_probability"};
        if (application_) {
            text_outputs_.push_back("app_name");
            outputs_.push_back("app_name_probability");
        }
        if (early_)
            for (std::size_t n : early_packets) text_outputs_.push_back(fmt::format("app_category_at_{}", n));
    }

    /// The models shipped in `directory` (data/models): app_category_<inputs>.json and
    /// app_name_<inputs>.json, inputs "behaviour" or "text"; `early`: the early verdict columns too.
    static result<app_classifier> load_shipped(const std::filesystem::path& directory, bool text, bool early = false) {
        const std::string kind = text ? "text" : "behaviour";
        auto category = app_model::load(directory / fmt::format("app_category_{}.json", kind));
        if (!category) return category.error();
        auto application = app_model::load(directory / fmt::format("app_name_{}.json", kind));
        if (!application) return application.error();
        return app_classifier(std::move(*category), std::move(*application), early);
    }

    result<void> bind(std::span<const std::string> columns) {
        if (auto r = inputs_.bind(columns); !r) return r;
        behaviour_.assign(app_inputs::width, 0.0);
        for (bound* b : {&category_, application_ ? &*application_ : nullptr})
            if (b != nullptr)
                if (auto r = b->prepare(); !r) return r;
        return {};
    }
    [[nodiscard]] std::span<const std::string> outputs() const noexcept { return outputs_; }
    [[nodiscard]] std::span<const std::string> text_outputs() const noexcept { return text_outputs_; }

    void score(std::span<const double> row, std::span<const std::string_view> texts, std::span<double> out,
               std::span<std::string_view> text_out) const noexcept {
        if (!inputs_.carried_payload(row)) {
            std::fill(out.begin(), out.end(), std::numeric_limits<double>::quiet_NaN());
            std::fill(text_out.begin(), text_out.end(), std::string_view{});
            return;
        }
        inputs_.behaviour(row, texts, 0, behaviour_);
        const auto c = category_.verdict(behaviour_, inputs_, texts);
        text_out[0] = c.name;
        out[0] = c.probability;
        std::size_t t = 1;
        if (application_) {
            const auto a = application_->verdict(behaviour_, inputs_, texts);
            text_out[t++] = a.name;
            out[1] = a.probability;
        }
        if (!early_) return;
        for (std::size_t n : early_packets) {
            if (inputs_.packets(row) > static_cast<double>(n)) {
                inputs_.behaviour(row, texts, n, behaviour_);
                text_out[t++] = category_.verdict(behaviour_, inputs_, texts).name;
            } else {
                text_out[t++] = c.name;
            }
        }
    }

private:
    struct verdict_t {
        std::string_view name;
        double probability;
    };
    // A model with its inputs placed: where each behaviour input goes, and the vocabulary's tokens.
    struct bound {
        app_model model;
        std::vector<std::pair<std::size_t, std::size_t>> from_behaviour;  // (model input, behaviour input)
        std::vector<std::pair<std::string, std::size_t>> vocabulary;     // sorted by token
        mutable std::vector<double> x, p;

        bound(app_model m) : model(std::move(m)) {}  // NOLINT: implicit, from a loaded model
        result<void> prepare() {
            from_behaviour.clear();
            vocabulary.clear();
            const auto& names = app_inputs::names();
            const auto& features = model.trees.feature_names();
            for (std::size_t i = 0; i < features.size(); ++i) {
                const auto it = std::find(names.begin(), names.end(), features[i]);
                if (it != names.end()) from_behaviour.emplace_back(i, static_cast<std::size_t>(it - names.begin()));
                else if (model.uses_text()) vocabulary.emplace_back(features[i], i);
                else return error(errc::invalid_argument, fmt::format("the model's input '{}' is not a behaviour input", features[i]));
            }
            std::sort(vocabulary.begin(), vocabulary.end());
            x.assign(features.size(), 0.0);
            p.assign(model.classes.size(), 0.0);
            return {};
        }
        verdict_t verdict(std::span<const double> behaviour, const app_inputs& inputs,
                          std::span<const std::string_view> texts) const noexcept {
            for (const auto& [to, from] : from_behaviour) x[to] = behaviour[from];
            if (!vocabulary.empty()) {
                for (const auto& v : vocabulary) x[v.second] = 0;
                inputs.tokens(texts, [&](std::string_view token) {
                    const auto it = std::lower_bound(vocabulary.begin(), vocabulary.end(), token,
                                                     [](const auto& a, std::string_view b) { return a.first < b; });
                    if (it != vocabulary.end() && it->first == token) x[it->second] = 1;
                });
            }
            model.trees.predict(x, p);
            const auto best = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
            if (!(p[best] >= model.reject_below)) return {"unknown", p[best]};
            return {model.classes[best], p[best]};
        }
    };

    app_inputs inputs_;
    bound category_;
    std::optional<bound> application_;
    bool early_ = false;
    std::vector<std::string> outputs_, text_outputs_;
    mutable std::vector<double> behaviour_;
};

static_assert(text_scorer<app_classifier>);

}  // namespace pktdyn
