// pktdyn — the pipeline: a packet source through flows, features and models into sinks, as one
// value built with `operator|` (DESIGN.md §2):
//
//   auto run = pktdyn::from(source)                          any packet_source (kept by reference)
//            | pktdyn::track_flows({.idle = 30s})             flow_table options
//            | pktdyn::extract<pktdyn::standard_features>()   accumulators (a feature_set each)
//            | pktdyn::resolve_names()                        DNS answers name later flows' responders
//            | pktdyn::score(model)                           scorers: a column each of their outputs
//            | pktdyn::to(pktdyn::csv_sink{"flows.csv"});     sinks (several: pktdyn::tee, or | to twice)
//   pktdyn::run_result r = run();
//
// Stage closures compose with each other too (`auto analysis = track_flows(o) | extract<A>();`).
// A flow's row is its record's and TCP tracker's fields (export/flow_fields.hpp), then the text
// columns of the extracted accumulators, their numbers (role `feature` when they belong in a
// feature matrix), then each scorer's outputs (role `score`); every sink is told that schema once.
//
// Per packet the path is the one flow_path runs (decode, fragments, flow table, the TCP tracker
// and the accumulators): no allocation, no virtual call. A flow's row is assembled when it ends,
// into buffers reused from flow to flow, and only when a sink takes rows: sinks that observe flows
// (detection: export/sink.hpp, flow_observer) get facts read from the record and accumulators
// instead (detect/flow_facts.hpp). run() returns what happened: packets, decode status by
// reason, flows by end reason, the source's and the sinks' errors.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "pktdyn/core/concepts.hpp"
#include "pktdyn/detect/flow_facts.hpp"
#include "pktdyn/export/flow_fields.hpp"
#include "pktdyn/export/sink.hpp"
#include "pktdyn/features/accumulator.hpp"
#include "pktdyn/flow/dns_cache.hpp"
#include "pktdyn/flow/flow_path.hpp"
#include "pktdyn/flow/tcp_tracker.hpp"
#include "pktdyn/models/scorer.hpp"
#include "pktdyn/pipeline/spsc_ring.hpp"

namespace pktdyn {

struct run_options {
    /// Threads analysing flows: 1 runs everything on the calling thread; N > 1 adds a reader (the
    /// calling thread: read, decode, flow table), N shards (each flow's TCP tracker, accumulators,
    /// scores and row) and a writer (the sinks, in the order flows ended). The output is the same
    /// bytes for any N. 0: one per core.
    unsigned threads = 1;
    std::stop_token stop{};  ///< checked between packets: a stop ends the input (open flows are flushed)
};

/// What a run did.
struct run_result {
    std::uint64_t packets = 0;
    decode_stats decoding{};
    flow_table_stats flows{};
    fragment_stats fragments{};
    /// The flow table's size: capacity, the most flows held at once, bytes touched and reserved.
    std::size_t capacity = 0, peak_flows = 0, touched_bytes = 0, reserved_bytes = 0;
    std::optional<pktdyn::error> input_error;   ///< why a reporting source stopped early
    std::optional<pktdyn::error> output_error;  ///< the first sink or scorer error
    bool stopped = false;                       ///< the stop token ended the input
    [[nodiscard]] bool ok() const noexcept { return !input_error && !output_error; }
};

namespace detail::pipeline {

/// The per-flow state of a pipeline: the TCP tracker and the extracted accumulators.
template <class Features>
struct flow_analysis {
    tcp_tracker tcp;
    [[no_unique_address]] Features features;
    void update(const decoded_packet& d, timestamp now, bool from_originator) noexcept {
        tcp.update(d, now, from_originator);
        features.update(d, now, from_originator);
    }
    [[nodiscard]] bool starts_new_flow(const decoded_packet& d, bool from_originator) const noexcept {
        return tcp.starts_new_flow(d, from_originator);
    }
    void finish(timestamp last) noexcept { tcp.finish(last); }
};

// feature_set<Have...> grown by A..., a feature_set among A spliced in (extract<standard_features>()).
template <class Set, class... A>
struct append_features;
template <class... Have>
struct append_features<feature_set<Have...>> {
    using type = feature_set<Have...>;
};
template <class... Have, class... Inner, class... Rest>
struct append_features<feature_set<Have...>, feature_set<Inner...>, Rest...> {
    using type = typename append_features<feature_set<Have..., Inner...>, Rest...>::type;
};
template <class... Have, class First, class... Rest>
struct append_features<feature_set<Have...>, First, Rest...> {
    using type = typename append_features<feature_set<Have..., First>, Rest...>::type;
};

// Is `DNS response` on a DNS port: what resolve_names() feeds the names.
inline bool dns_response_port(const decoded_packet& d) noexcept {
    return d.has_transport && d.transport == ip_protocol::udp &&
           (d.source_port == 53 || d.source_port == 5353 || d.source_port == 5355);
}

// What a sharded run's reader keeps per flow: enough to split reused tuples as the TCP tracker
// would, and where the flow's state lives (its shard and slot there).
struct reader_state {
    tcp_initial_sequence initial;
    std::uint32_t shard = 0, slot = 0;
    void update(const decoded_packet& d, timestamp, bool from_originator) noexcept { initial.observe(d, from_originator); }
    [[nodiscard]] bool starts_new_flow(const decoded_packet& d, bool from_originator) const noexcept {
        return initial.starts_new_flow(d, from_originator);
    }
};

// A flow's row, assembled from its record and state into buffers reused from flow to flow.
template <class Features, class... M>
class row_builder {
public:
    row_builder(std::size_t width, std::size_t score_width) : texts_(Features::text_width), as_doubles_(width), scores_(score_width) {
        row_.reserve(width);
    }
    /// The row; its text views live until the next build().
    std::span<const value> build(const flow_record& r, const flow_analysis<Features>& state, std::tuple<M...>& scorers) {
        row_.clear();
        text_.read(r);
        append_flow_values({r, state.tcp}, text_, row_);
        state.features.write_text(texts_);
        for (const auto& t : texts_) row_.push_back(value::of_optional_text(t));
        state.features.write(numbers_);
        for (double v : numbers_) row_.push_back(value::of_number(v));
        if constexpr (sizeof...(M) != 0) {
            const std::size_t inputs = row_.size();
            for (std::size_t i = 0; i < inputs; ++i) as_doubles_[i] = row_[i].as_double();
            if constexpr ((text_scorer<M> || ...)) {
                texts_in_.resize(inputs);
                for (std::size_t i = 0; i < inputs; ++i) texts_in_[i] = row_[i].type == value::kind::text ? row_[i].s : std::string_view{};
            }
            std::apply([&](const auto&... m) { (append_scores(m, inputs), ...); }, scorers);
        }
        return row_;
    }

private:
    // One scorer's outputs joined to the row: a text scorer's texts, then its numbers.
    template <class S>
    void append_scores(const S& m, std::size_t inputs) {
        const auto numbers = std::span(scores_).first(m.outputs().size());
        if constexpr (text_scorer<S>) {
            texts_out_.assign(m.text_outputs().size(), std::string_view{});
            m.score(std::span(as_doubles_).first(inputs), texts_in_, numbers, texts_out_);
            for (const auto t : texts_out_) row_.push_back(value::of_optional_text(t));
        } else {
            m.score(std::span(as_doubles_).first(inputs), numbers);
        }
        for (const double v : numbers) row_.push_back(value::of_number(v));
    }

    std::vector<value> row_;
    std::vector<std::string> texts_;
    std::array<double, Features::width> numbers_{};
    std::vector<double> as_doubles_, scores_;
    std::vector<std::string_view> texts_in_, texts_out_;
    flow_text text_;
};

// A row that crosses threads: its values, and the text they point into.
struct owned_row {
    std::vector<value> values;       // for sinks that read values (empty when none does)
    std::vector<std::string> strings;
    text_buffer prepared;            // the preparing sinks' bytes (export/sink.hpp: preparing_sink)
    kept_flow_facts facts;           // for sinks that observe flows (export/sink.hpp: flow_observer)
    void assign(std::span<const value> row) {
        std::size_t texts = 0;
        for (const auto& v : row) texts += v.type == value::kind::text;
        values.assign(row.begin(), row.end());
        if (strings.size() < texts) strings.resize(texts);  // never shrunk: a reused row keeps its strings' room
        std::size_t k = 0;
        for (auto& v : values)
            if (v.type == value::kind::text) v.s = strings[k++].assign(v.s);
    }
};

// What the reader sends a shard: a packet of one of its flows, a flow that ended, or the end.
struct shard_message {
    enum class kind : std::uint8_t { packet, ended, done };
    kind type = kind::done;
    bool from_originator = false;
    bool created = false;
    bool resolved = false;                 // created, and the reader looked the responder up
    std::uint32_t slot = 0;
    std::int64_t time_ns = 0;
    std::uint32_t original_length = 0;
    std::uint32_t interface = 0;
    link_type link{};
    std::uint32_t resolved_length = 0;     // the body starts with the name, then the packet
};

}  // namespace detail::pipeline

// ---- Stage closures: what each stage adds, as a value.

struct track_flows_stage {
    flow_options options;
};
/// Flow table options (timeouts, capacity, keys). Without this stage the defaults apply.
inline track_flows_stage track_flows(flow_options o = {}) { return {o}; }

template <class... A>
struct extract_stage {};
/// Accumulators each flow keeps; their columns join the row (several extract stages add up).
template <class... A>
extract_stage<A...> extract() {
    return {};
}

struct resolve_names_stage {
    dns_cache_options options{.capacity = 65536};
};
/// DNS responses (UDP 53, 5353, 5355) seen anywhere in the run name later flows' responders
/// (handshake_metadata's resolved_name column), as the flow meter does.
inline resolve_names_stage resolve_names(dns_cache_options o = {.capacity = 65536}) { return {o}; }

template <class M>
struct score_stage {
    M model;
};
/// A scorer (or a text scorer): bound to the row's columns when the run starts, its outputs become
/// columns.
template <class M>
score_stage<M> score(M model) {
    if constexpr (!text_scorer<M>) static_assert(diagnose_scorer<M>());
    return {std::move(model)};
}

template <class K>
struct to_stage {
    K sink;
};
/// A sink taking every flow's row.
template <class K>
to_stage<K> to(K sink) {
    static_assert(diagnose_sink<K>());
    return {std::move(sink)};
}

/// Two stages applied in order: what `closure | closure` makes.
template <class First, class Second>
struct composed_stage {
    First first;
    Second second;
};

namespace detail::pipeline {
template <class T>
struct is_stage : std::false_type {};
template <>
struct is_stage<track_flows_stage> : std::true_type {};
template <class... A>
struct is_stage<extract_stage<A...>> : std::true_type {};
template <>
struct is_stage<resolve_names_stage> : std::true_type {};
template <class M>
struct is_stage<score_stage<M>> : std::true_type {};
template <class K>
struct is_stage<to_stage<K>> : std::true_type {};
template <class A, class B>
struct is_stage<composed_stage<A, B>> : std::true_type {};
}  // namespace detail::pipeline

template <class S>
concept pipeline_stage = detail::pipeline::is_stage<std::remove_cvref_t<S>>::value;

template <pipeline_stage A, pipeline_stage B>
composed_stage<std::remove_cvref_t<A>, std::remove_cvref_t<B>> operator|(A&& a, B&& b) {
    return {std::forward<A>(a), std::forward<B>(b)};
}

// ---- The pipeline value.

template <class Source, class Features = feature_set<>, class Scorers = std::tuple<>, class Sinks = std::tuple<>>
class pipeline;

/// Starts a pipeline at a packet source. An lvalue source is kept by reference (it must outlive
/// the run); an rvalue is moved in.
template <class S>
auto from(S&& source) {
    using source_type = std::remove_cvref_t<S>;
    static_assert(diagnose_packet_source<source_type>());
    if constexpr (std::is_lvalue_reference_v<S>) return pipeline<source_type&>(source);
    else return pipeline<source_type>(std::move(source));
}

template <class Source, class Features, class... M, class... K>
class pipeline<Source, Features, std::tuple<M...>, std::tuple<K...>> {
public:
    using features_type = Features;
    using state_type = detail::pipeline::flow_analysis<Features>;

    explicit pipeline(Source source) : source_(std::forward<Source>(source)) {}
    pipeline(Source source, flow_options flows, std::optional<dns_cache_options> names, std::tuple<M...> scorers,
             std::tuple<K...> sinks)
        : source_(std::forward<Source>(source)), flows_(flows), names_(names), scorers_(std::move(scorers)),
          sinks_(std::move(sinks)) {}

    // Each stage returns the pipeline grown by it.
    friend auto operator|(pipeline&& p, track_flows_stage s) {
        p.flows_ = s.options;
        return std::move(p);
    }
    template <class... A>
    friend auto operator|(pipeline&& p, extract_stage<A...>) {
        using grown = typename detail::pipeline::append_features<Features, A...>::type;
        return pipeline<Source, grown, std::tuple<M...>, std::tuple<K...>>(std::forward<Source>(p.source_), p.flows_, p.names_,
                                                                          std::move(p.scorers_), std::move(p.sinks_));
    }
    friend auto operator|(pipeline&& p, resolve_names_stage s) {
        p.names_ = s.options;
        return std::move(p);
    }
    template <class N>
    friend auto operator|(pipeline&& p, score_stage<N> s) {
        return pipeline<Source, Features, std::tuple<M..., N>, std::tuple<K...>>(
            std::forward<Source>(p.source_), p.flows_, p.names_, std::tuple_cat(std::move(p.scorers_), std::tuple<N>(std::move(s.model))),
            std::move(p.sinks_));
    }
    template <class L>
    friend auto operator|(pipeline&& p, to_stage<L> s) {
        return pipeline<Source, Features, std::tuple<M...>, std::tuple<K..., L>>(
            std::forward<Source>(p.source_), p.flows_, p.names_, std::move(p.scorers_),
            std::tuple_cat(std::move(p.sinks_), std::tuple<L>(std::move(s.sink))));
    }
    template <class A, class B>
    friend auto operator|(pipeline&& p, composed_stage<A, B> s) {
        return (std::move(p) | std::move(s.first)) | std::move(s.second);
    }

    /// The columns of every row, as the sinks are told them.
    [[nodiscard]] schema columns() const {
        schema s;
        add_flow_columns(s);
        add_text_columns(s, Features::text_features());
        constexpr auto numbers = Features::features();
        constexpr auto in_matrix = Features::in_feature_matrix();
        for (std::size_t i = 0; i < numbers.size(); ++i)
            s.add({numbers[i].column(), column_type::real, in_matrix[i] ? column_role::feature : column_role::record,
                   numbers[i].unit, numbers[i].definition});
        std::apply([&](const auto&... m) { (add_scores(s, m), ...); }, scorers_);
        return s;
    }

    /// Runs the source to its end (or the stop token), then flushes every flow and finishes the sinks.
    run_result operator()(run_options o = {}) {
        run_result result;
        const schema s = columns();
        if (auto started = start(s); !started) {
            result.output_error = started.error();
            return result;
        }
        const unsigned threads = o.threads != 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
        if (threads <= 1) run_here(s, o, result);
        else run_sharded(s, o, threads, result);
        std::apply([&](auto&... k) { ((note(result, k.finish())), ...); }, sinks_);
        return result;
    }

private:
    using builder_type = detail::pipeline::row_builder<Features, M...>;

    std::remove_reference_t<Source>& source() noexcept { return source_; }

    template <class Path>
    void report(const Path& path, run_result& result) {
        if constexpr (reporting_packet_source<std::remove_cvref_t<Source>>) result.input_error = source().error();
        result.decoding = path.decoding().stats();
        result.flows = path.table().stats();
        result.fragments = path.fragments().stats();
        result.capacity = path.table().capacity();
        result.peak_flows = path.table().peak_flows();
        result.touched_bytes = path.table().touched_bytes();
        result.reserved_bytes = path.table().memory_bytes();
    }

    // Sinks that observe flows get facts (export/sink.hpp, flow_observer); an observer gets rows
    // too only if it wants them (a tee of a detection sink and a CSV sink).
    static constexpr bool observed = (flow_observer<K> || ...);
    [[nodiscard]] bool rows_wanted() const noexcept {
        return std::apply([](const auto&... k) { return (pktdyn::wants_rows(k) || ...); }, sinks_);
    }
    template <class L>
    static void deliver(L& k, std::span<const value> row, const flow_facts* facts) {
        if constexpr (flow_observer<L>) k.observe(*facts);
        if (!row.empty() && detail::sink::takes_rows(k)) k.consume(row);  // empty: no sink wanted rows, none was built
    }

    // Everything on the calling thread.
    void run_here(const schema& s, const run_options& o, run_result& result) {
        builder_type builder(s.size(), score_width());
        flow_facts_reader reader;
        const bool rows = rows_wanted();
        const auto on_end = [&](typename flow_table<state_type>::entry& e) {
            if (!rows && !observed) return;  // no sink takes the flow: nothing is built
            const flow_facts* facts = nullptr;
            if constexpr (observed) facts = &reader.read(e.record, e.state.features);
            std::span<const value> row;
            if (rows) row = builder.build(e.record, e.state, scorers_);
            std::apply([&](auto&... k) { (deliver(k, row, facts), ...); }, sinks_);
        };
        flow_path<state_type> path{flows_};
        std::optional<dns_cache> names;
        analysis_context context;
        if (names_) {
            names.emplace(*names_);
            context.names = &*names;
        }
        const analysis_context::scope in_context(&context);
        while (auto p = source().next()) {
            ++result.packets;
            (void)path.push(*p, on_end);
            if (names && detail::pipeline::dns_response_port(path.last_decoded()))
                (void)names->insert_response(path.last_decoded().payload(), clamp_time(p->time));
            if (o.stop.stop_requested()) {
                result.stopped = true;
                break;
            }
        }
        path.flush(on_end);
        report(path, result);
    }

    // A reader (this thread), `shards` threads keeping flows' states and making their rows, and a
    // writer thread giving the rows to the sinks in the order the reader's table ended the flows:
    // the reader's table decides everything the order and the splits depend on, as run_here's
    // does, so the rows and their order are the same for any number of shards.
    void run_sharded(const schema& s, const run_options& o, unsigned shards, run_result& result) {
        using namespace detail::pipeline;
        struct shard {
            message_ring<shard_message> input{std::size_t{4} << 20};
            spsc_queue<std::unique_ptr<owned_row>> output{512};
            // The writer returns rows here for reuse. A shard makes a new row only when none waits
            // here, so at most output's 512 + 2 exist: the writer never waits on this queue.
            spsc_queue<std::unique_ptr<owned_row>> recycled{1024};
        };
        // Sinks that format (CSV, JSON lines) do it in the shards; values travel only for the others.
        const bool values_needed = std::apply([](const auto&... k) { return (detail::sink::needs_values(k) || ...); }, sinks_);
        const bool rows = rows_wanted();
        std::vector<std::unique_ptr<shard>> all(shards);
        for (auto& x : all) x = std::make_unique<shard>();
        spsc_queue<std::uint32_t> order{std::size_t{1} << 16};  // for each flow ended, its shard
        constexpr std::uint32_t finished = ~std::uint32_t{0};

        // Shards: each flow's state in a slot the reader gave it.
        const auto work = [&](shard& me, std::tuple<M...> scorers) {
            decoder dec;
            decoded_packet d;
            std::vector<std::unique_ptr<state_type>> states;
            builder_type builder(s.size(), score_width());
            flow_facts_reader reader;
            analysis_context context;
            const analysis_context::scope in_context(&context);
            for (;;) {
                const auto m = me.input.front();
                const shard_message& h = m.header;
                if (h.type == shard_message::kind::done) {
                    me.input.release();
                    break;
                }
                if (h.slot >= states.size()) states.resize(h.slot + 1);
                if (h.type == shard_message::kind::packet) {
                    // A slot's state is allocated once and started afresh for each flow given the
                    // slot (slots are reused as flows end): no allocation per flow.
                    auto& state = states[h.slot];
                    if (!state) state = std::make_unique<state_type>();
                    else if (h.created) *state = state_type{};
                    const auto name = m.body.first(h.resolved_length);
                    const packet_view p{from_ns(h.time_ns), m.body.subspan(h.resolved_length), h.original_length, h.link, h.interface};
                    dec.decode(p, d);
                    context.resolved.reset();
                    if (h.resolved) context.resolved = std::string_view(reinterpret_cast<const char*>(name.data()), name.size());
                    state->update(d, p.time, h.from_originator);
                } else {  // ended: the record comes with the message
                    flow_record r;
                    std::memcpy(static_cast<void*>(&r), m.body.data(), sizeof r);
                    auto& state = states[h.slot];
                    if (!state) state = std::make_unique<state_type>();
                    state->finish(r.last);
                    auto reused = me.recycled.try_pop();
                    auto out = reused ? std::move(*reused) : std::make_unique<owned_row>();
                    if constexpr (observed) out->facts.assign(reader.read(r, state->features));
                    out->prepared.clear();
                    if (rows) {
                        const auto row = builder.build(r, *state, scorers);
                        std::apply([&](const auto&... k) { (detail::sink::prepare_framed(k, row, out->prepared), ...); }, sinks_);
                        if (values_needed) out->assign(row);
                    }
                    me.output.push(std::move(out));
                }
                me.input.release();
            }
        };
        std::vector<std::jthread> workers;
        for (auto& x : all) workers.emplace_back(work, std::ref(*x), scorers_);

        // The writer: rows in the order the flows ended.
        std::jthread writer([&] {
            for (;;) {
                const std::uint32_t from = order.pop();
                if (from == finished) break;
                auto row = all[from]->output.pop();
                const std::span<const value> values(row->values);
                std::string_view bytes(row->prepared.data(), row->prepared.size());
                const auto one = [&](auto& k) {
                    if constexpr (flow_observer<std::remove_cvref_t<decltype(k)>>) k.observe(row->facts.get());
                    if (rows && detail::sink::takes_rows(k)) bytes = detail::sink::consume_framed(k, values, bytes);
                };
                std::apply([&](auto&... k) { (one(k), ...); }, sinks_);
                all[from]->recycled.push(std::move(row));
            }
        });

        // The reader: the flow table, and each flow's packets to its shard.
        flow_path<reader_state> path{flows_};
        std::optional<dns_cache> names;
        if (names_) names.emplace(*names_);
        std::vector<std::vector<std::uint32_t>> free_slots(shards);
        std::vector<std::uint32_t> next_slot(shards, 0);
        std::uint64_t created = 0;
        static_assert(std::is_trivially_copyable_v<flow_record>);
        const auto on_end = [&](typename flow_table<reader_state>::entry& e) {
            if (!rows && !observed) {  // no sink takes the flow: the slot is free, the writer has nothing to do
                free_slots[e.state.shard].push_back(e.state.slot);
                return;
            }
            shard_message h;
            h.type = shard_message::kind::ended;
            h.slot = e.state.slot;
            all[e.state.shard]->input.push(h, std::as_bytes(std::span(&e.record, 1)));
            all[e.state.shard]->input.publish();  // the writer will wait for this row: never hold it back
            order.push(e.state.shard);
            free_slots[e.state.shard].push_back(e.state.slot);
        };
        std::vector<std::byte> body;
        while (auto p = source().next()) {
            ++result.packets;
            const auto hit = path.push(*p, on_end);
            if (hit.flow != nullptr) {
                reader_state& st = hit.flow->state;
                shard_message h;
                h.type = shard_message::kind::packet;
                h.from_originator = hit.from_originator;
                h.created = hit.created;
                h.time_ns = to_ns(clamp_time(p->time));
                h.original_length = p->original_length;
                h.interface = p->interface;
                h.link = p->link;
                body.clear();
                if (hit.created) {
                    st.shard = static_cast<std::uint32_t>(created++ % shards);  // round robin: balanced, and the same every run
                    auto& spare = free_slots[st.shard];
                    if (!spare.empty()) {
                        st.slot = spare.back();
                        spare.pop_back();
                    } else {
                        st.slot = next_slot[st.shard]++;
                    }
                    if (names) {
                        h.resolved = true;
                        if (const auto* e = names->lookup(hit.flow->record.responder(), from_ns(h.time_ns))) {
                            const std::string_view n = e->query_name();
                            body.insert(body.end(), reinterpret_cast<const std::byte*>(n.data()),
                                        reinterpret_cast<const std::byte*>(n.data() + n.size()));
                        }
                        h.resolved_length = static_cast<std::uint32_t>(body.size());
                    }
                }
                h.slot = st.slot;
                body.insert(body.end(), p->data.begin(), p->data.end());
                all[st.shard]->input.push(h, body);
            }
            if (names && dns_response_port(path.last_decoded()))
                (void)names->insert_response(path.last_decoded().payload(), clamp_time(p->time));
            if (o.stop.stop_requested()) {
                result.stopped = true;
                break;
            }
        }
        path.flush(on_end);
        for (auto& x : all) {
            x->input.push(shard_message{}, {});
            x->input.publish();
        }
        order.push(finished);
        workers.clear();  // joins
        writer.join();
        report(path, result);
    }

    template <class N>
    static void add_scores(schema& s, const N& m) {
        if constexpr (text_scorer<N>)
            for (const auto& name : m.text_outputs()) s.add({name, column_type::text, column_role::score, "", "a model's output"});
        for (const auto& name : m.outputs()) s.add({name, column_type::real, column_role::score, "", "a model's output"});
    }
    template <class N>
    static std::size_t output_count(const N& m) {
        if constexpr (text_scorer<N>) return m.outputs().size() + m.text_outputs().size();
        else return m.outputs().size();
    }
    [[nodiscard]] std::size_t score_width() const {
        std::size_t n = 0;
        std::apply([&](const auto&... m) { ((n += output_count(m)), ...); }, scorers_);
        return n;
    }
    // Binds the scorers to the columns before them and starts the sinks; the first error.
    result<void> start(const schema& s) {
        std::vector<std::string> names;
        for (std::size_t i = 0; i < s.size() - score_width(); ++i) names.push_back(s[i].name);
        std::optional<pktdyn::error> first;
        std::apply([&](auto&... m) { ((first ? void() : keep(first, m.bind(names))), ...); }, scorers_);
        std::apply([&](auto&... k) { ((first ? void() : keep(first, k.begin(s))), ...); }, sinks_);
        if (first) return *first;
        return {};
    }
    static void keep(std::optional<pktdyn::error>& first, const result<void>& r) {
        if (!r && !first) first = r.error();
    }
    static void note(run_result& r, const result<void>& done) {
        if (!done && !r.output_error) r.output_error = done.error();
    }

    Source source_;
    flow_options flows_{};
    std::optional<dns_cache_options> names_;
    std::tuple<M...> scorers_;
    std::tuple<K...> sinks_;
};

}  // namespace pktdyn
