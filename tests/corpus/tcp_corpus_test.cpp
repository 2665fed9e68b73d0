// The TCP tracker against tshark's sequence analysis on every TCP connection of the corpus: per
// flow (matched to tshark's tcp.stream by its first packet), the counts of retransmissions,
// out-of-order segments, duplicate ACKs, zero windows, keep-alives, zero-window probes, capture gaps
// and ACKs of unseen data, and the handshake RTT (tcp.analysis.initial_rtt), must agree on at
// least 99 % of flows for every counter; so must the packets and IP bytes each side sent (tshark's
// per-packet ip.len / ipv6.plen summed per tcp.stream and sender, which is how its conversation
// table aggregates, but in IP rather than frame bytes). The per-flow report lands in the reference
// directory.
#include <catch2/catch.hpp>
#include <charconv>
#include <fmt/format.h>
#include <fstream>
#include <map>

#include "corpus/corpus.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/flow/flow_path.hpp"
#include "pktdyn/flow/tcp_tracker.hpp"

using namespace pktdyn;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr std::array<const char*, 9> counter_names{"retransmissions", "fast_retransmissions", "spurious_retransmissions",
                                                   "out_of_order", "duplicate_acks", "zero_windows", "keep_alives",
                                                   "zero_window_probes", "lost_segments"};
constexpr std::array<std::size_t, 9> counter_columns{
    test::col::retransmission, test::col::fast_retransmission, test::col::spurious_retransmission,
    test::col::out_of_order, test::col::duplicate_ack, test::col::zero_window, test::col::keep_alive,
    test::col::zero_window_probe, test::col::lost_segment};

std::array<std::int64_t, 9> ours(const tcp_tracker& t) {
    std::array<std::int64_t, 9> c{};
    for (const auto& m : t.metrics) {
        c[0] += m.retransmissions;
        c[1] += m.fast_retransmissions;
        c[2] += m.spurious_retransmissions;
        c[3] += m.out_of_order;
        c[4] += m.duplicate_acks;
        c[5] += m.zero_windows;
        c[6] += m.keep_alives;
        c[7] += m.zero_window_probes;
        c[8] += m.lost_segments;
    }
    return c;
}

std::int64_t current_frame = 0;

/// The tracker, remembering the frame its flow started with (to find tshark's stream).
struct tracked {
    std::int64_t first_frame = -1;
    bool first_from_originator = true;
    tcp_tracker tcp;
    void update(const decoded_packet& d, timestamp now, bool from_originator) noexcept {
        if (first_frame < 0) {
            first_frame = current_frame;
            first_from_originator = from_originator;
        }
        tcp.update(d, now, from_originator);
    }
    [[nodiscard]] bool starts_new_flow(const decoded_packet& d, bool from_originator) const noexcept {
        return tcp.starts_new_flow(d, from_originator);
    }
    void finish(timestamp t) noexcept { tcp.finish(t); }
};

struct stream {
    std::int64_t first_frame = 0;
    std::array<std::int64_t, 9> counts{};
    std::int64_t initial_rtt_ns = 0;
    std::string first_sender;                  // address and port of the stream's first packet
    std::array<std::int64_t, 2> packets{}, ip_bytes{};  // [0] sent by first_sender, [1] by the other side
};

/// What pktdyn's flow holds for the same comparison, sides ordered as tshark's stream.
struct flow_result {
    tcp_tracker tcp;
    std::array<std::int64_t, 2> packets{}, ip_bytes{};
};

/// The last of a comma-separated field's occurrences: the innermost header's.
std::string_view innermost(std::string_view field) {
    const auto comma = field.rfind(',');
    return comma == std::string_view::npos ? field : field.substr(comma + 1);
}

std::int64_t seconds_to_ns(const std::string& s) {
    const auto dot = s.find('.');
    std::int64_t sec = 0, frac = 0;
    std::from_chars(s.data(), s.data() + (dot == std::string::npos ? s.size() : dot), sec);
    if (dot != std::string::npos) {
        std::string digits = s.substr(dot + 1);
        digits.resize(9, '0');
        std::from_chars(digits.data(), digits.data() + 9, frac);
    }
    return sec * 1'000'000'000 + frac;
}

/// Whether the innermost IP header tshark dissected is IPv6 (the last ip or ipv6 in frame.protocols).
bool inner_is_v6(const std::vector<std::string>& r) {
    const std::string& p = r[test::col::protocols];
    const auto v6 = p.rfind(":ipv6"), v4 = p.rfind(":ip:");
    return v6 != std::string::npos && (v4 == std::string::npos || v6 > v4);
}

/// IP bytes of a packet as tshark shows them: the innermost IP header's total length.
std::int64_t ip_bytes(const std::vector<std::string>& r) {
    const bool v6 = inner_is_v6(r);
    const auto v = innermost(v6 ? r[test::col::ipv6_plen] : r[test::col::ip_len]);
    std::int64_t n = 0;
    std::from_chars(v.data(), v.data() + v.size(), n);
    return v6 ? 40 + n : n;
}

/// The sending endpoint of a packet: innermost source address and TCP port.
std::string sender(const std::vector<std::string>& r) {
    return fmt::format("{} {}", innermost(r[inner_is_v6(r) ? test::col::ipv6_src : test::col::ip_src]),
                       innermost(r[test::col::tcp_srcport]));
}

}  // namespace

TEST_CASE("TCP dynamics agree with tshark's sequence analysis on the corpus", "[corpus][tcp]") {
    const auto root = test::corpus_root();
    if (!root) {
        WARN("corpus not found (set PKTDYN_CORPUS): TCP comparison skipped");
        return;
    }
    const fs::path ref = test::reference_dir();
    std::ofstream report(ref / "tcp-report.txt");
    std::array<std::size_t, 9> agree{};
    std::size_t flows = 0, unmatched = 0, rtt_flows = 0, rtt_agree = 0, packets_agree = 0, bytes_agree = 0;
    for (const auto& rel : test::corpus_captures(*root)) {
        const auto rows = test::read_tsv(ref / "packets" / (rel.string() + ".tsv"));
        auto f = capture_file::open(*root / "pcap" / rel);
        if (!f || rows.empty()) continue;
        std::map<std::string, stream> streams;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto& r = rows[i];
            if (r.size() < test::col::count || r[test::col::tcp_stream].empty()) continue;
            const std::string& id = r[test::col::tcp_stream];
            if (id.find(',') != std::string::npos) continue;  // tunnelled TCP in TCP: not compared
            auto [it, fresh] = streams.try_emplace(id);
            if (fresh) {
                it->second.first_frame = static_cast<std::int64_t>(i + 1);
                it->second.first_sender = sender(r);
            }
            const int side = sender(r) == it->second.first_sender ? 0 : 1;
            ++it->second.packets[side];
            it->second.ip_bytes[side] += ip_bytes(r);
            for (std::size_t c = 0; c < counter_columns.size(); ++c)
                it->second.counts[c] += !r[counter_columns[c]].empty();
            if (!r[test::col::initial_rtt].empty()) it->second.initial_rtt_ns = seconds_to_ns(r[test::col::initial_rtt]);
        }
        if (streams.empty()) continue;
        std::map<std::int64_t, flow_result> by_first_frame;
        flow_path<tracked> path{flow_options{.capacity = 1 << 12, .idle = 1'000'000'000s, .active = 1'000'000'000s, .linger = 1'000'000'000s,
                                               .seed = 1}};
        const auto on_end = [&](flow_table<tracked>::entry& e) {
            if (e.record.key.protocol != ip_protocol::tcp) return;
            flow_result& x = by_first_frame[e.state.first_frame];
            x.tcp = e.state.tcp;
            for (int side = 0; side < 2; ++side) {  // side 0: the sender of the flow's first packet
                const auto& dir = e.record.dir[(side == 0) == e.state.first_from_originator ? 0 : 1];
                x.packets[side] = static_cast<std::int64_t>(dir.packets);
                x.ip_bytes[side] = static_cast<std::int64_t>(dir.ip_bytes);
            }
        };
        current_frame = 0;
        while (auto p = f->next()) {
            ++current_frame;
            (void)path.push(*p, on_end);
        }
        path.flush(on_end);
        for (const auto& [id, s] : streams) {
            ++flows;
            const auto it = by_first_frame.find(s.first_frame);
            if (it == by_first_frame.end()) {
                ++unmatched;
                report << fmt::format("{}\tstream {}\tno pktdyn flow starts at frame {}\n", rel.string(), id, s.first_frame);
                continue;
            }
            const auto mine = ours(it->second.tcp);
            std::string diff;
            for (std::size_t c = 0; c < mine.size(); ++c) {
                if (mine[c] == s.counts[c]) ++agree[c];
                else diff += fmt::format(" {} ours {} tshark {};", counter_names[c], mine[c], s.counts[c]);
            }
            if (s.initial_rtt_ns != 0) {
                ++rtt_flows;
                if (it->second.tcp.initial_rtt.count() == s.initial_rtt_ns) ++rtt_agree;
                else diff += fmt::format(" initial_rtt ours {} tshark {};", it->second.tcp.initial_rtt.count(), s.initial_rtt_ns);
            }
            if (it->second.packets == s.packets) ++packets_agree;
            else diff += fmt::format(" packets ours {}/{} tshark {}/{};", it->second.packets[0], it->second.packets[1], s.packets[0], s.packets[1]);
            if (it->second.ip_bytes == s.ip_bytes) ++bytes_agree;
            else diff += fmt::format(" ip_bytes ours {}/{} tshark {}/{};", it->second.ip_bytes[0], it->second.ip_bytes[1], s.ip_bytes[0], s.ip_bytes[1]);
            if (!diff.empty()) report << fmt::format("{}\tstream {}\t{}\n", rel.string(), id, diff);
        }
    }
    std::string summary = fmt::format("{} TCP flows ({} without a pktdyn flow starting at the same packet):", flows, unmatched);
    for (std::size_t c = 0; c < agree.size(); ++c)
        summary += fmt::format(" {} {:.2f} %;", counter_names[c], 100.0 * double(agree[c]) / double(flows));
    summary += fmt::format(" initial_rtt {:.2f} % of {};", 100.0 * double(rtt_agree) / double(rtt_flows), rtt_flows);
    summary += fmt::format(" packets per side {:.2f} %; IP bytes per side {:.2f} %", 100.0 * double(packets_agree) / double(flows),
                           100.0 * double(bytes_agree) / double(flows));
    report << summary << "\n";
    INFO(summary);
    for (std::size_t c = 0; c < agree.size(); ++c) CHECK(double(agree[c]) >= 0.99 * double(flows));
    CHECK(double(rtt_agree) >= 0.99 * double(rtt_flows));
    CHECK(double(packets_agree) >= 0.99 * double(flows));
    CHECK(double(bytes_agree) >= 0.99 * double(flows));
    CHECK(flows > 5000);
}
