// Size and timing statistics (features/packet_stats.hpp), the first 10 packets
// (features/packet_sequence.hpp), the byte distribution of the first 1,024 payload bytes
// (features/byte_distribution.hpp), jitter, bursts and volume (timing.hpp, volume.hpp) against numpy
// and the RFC 3550 formula on the corpus: for every TCP
// and UDP stream tshark finds, scripts/feature_reference.py computes the statistics from tshark's
// per-packet fields (ip.len / ipv6.plen, tcp.len / udp.length, frame.time_epoch) with numpy's
// textbook formulas; pktdyn's flow that starts at the same packet, holding the same packets per side
// (other flows differ in membership, which tcp_corpus_test accounts for), must give the same 54
// statistics, 50 sequence values (directions, lengths and flags exactly, gaps within 1e-9) and 20
// byte-distribution values (from tshark's tcp.payload / udp.payload bytes; counts exactly, entropy,
// mean and standard deviation within 1e-9), the CICFlowMeter and NFStream presets (features/presets.hpp,
// within 1e-9): min, max, mean and standard deviation within 1e-9 relative, skewness and kurtosis within
// 1e-6 relative or absolute (they amplify rounding: a symmetric series is 0 in one and 1e-10 in the
// other), NaN exactly where numpy's are. Streams the script leaves out are listed in it; flows that
// differ must lie in a file of features_known_differences.tsv, and differ only in the columns its
// kind allows.
#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <set>

#include "corpus/corpus.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/features/byte_distribution.hpp"
#include "pktdyn/features/packet_sequence.hpp"
#include "pktdyn/features/packet_stats.hpp"
#include "pktdyn/features/presets.hpp"
#include "pktdyn/features/quantiles.hpp"
#include "pktdyn/features/size_histogram.hpp"
#include "pktdyn/features/timing.hpp"
#include "pktdyn/features/volume.hpp"
#include "pktdyn/flow/flow_path.hpp"
#include "pktdyn/flow/tcp_tracker.hpp"

using namespace pktdyn;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::int64_t current_frame = 0;

/// The statistics, remembering the flow's first frame and first sender (to find tshark's stream).
struct observed {
    std::int64_t first_frame = -1;
    bool first_from_originator = true;
    tcp_tracker tcp;  // only for its rule of when a SYN starts a new connection, as tcp.stream's
    packet_stats stats;
    packet_sequence<10> sequence;
    byte_distribution<1024> bytes;
    jitter jit;
    activity<1000> act;
    volume vol;
    size_histogram sizes;
    packet_quantiles quantiles;
    cicflowmeter_features cic;  // the presets, fed with side 0 as the stream's first sender, as the reference
    nfstream_features<10> nfs;
    void update(const decoded_packet& d, timestamp now, bool from_originator) noexcept {
        if (first_frame < 0) {
            first_frame = current_frame;
            first_from_originator = from_originator;
        }
        tcp.update(d, now, from_originator);
        const auto p = flow_packet::from(d, now, from_originator);
        stats.update(p);
        sequence.update(p);
        bytes.update(p);
        jit.update(p);
        act.update(p);
        vol.update(p);
        sizes.update(p);
        quantiles.update(p);
        auto as_reference = p;
        as_reference.direction = from_originator == first_from_originator ? 0 : 1;
        cic.update(as_reference);
        nfs.update(as_reference);
    }
    [[nodiscard]] bool starts_new_flow(const decoded_packet& d, bool from_originator) const noexcept {
        return tcp.starts_new_flow(d, from_originator);
    }
};

constexpr std::size_t cic_width = cicflowmeter_features::features.size();
constexpr std::size_t preset_width = cic_width + nfstream_features<10>::features.size();

/// What a preset column depends on, for the kinds of known differences: times, lengths, or both.
enum class depends { time, size, both };
depends dependence(std::string_view column) {
    for (std::string_view t : {"IAT", "Duration", "duration", "piat", "Active", "Idle"})
        if (column.find(t) != std::string_view::npos) return depends::time;
    for (std::string_view b : {"/s", "Bulk", "Subflow", "Rate"})
        if (column.find(b) != std::string_view::npos) return depends::both;
    return depends::size;
}

struct reference_row {
    std::array<std::uint64_t, 2> packets{};  // side 0: the stream's first sender
    std::array<double, packet_stats::features.size()> values{};
    std::array<double, packet_sequence<10>::features.size()> sequence{};
    std::array<double, byte_distribution<1024>::features.size()> bytes{};
    std::array<double, 21 + 29 + 18> shape{};  // jitter side 0/1, 12 activity values, ratios 1/0 and 0/1 (packets,
                                     // bytes), payload ratio, header bytes side 0/1
    std::array<double, preset_width> presets{};
};

double parse_double(const std::string& s) {
    if (s == "nan") return std::nan("");
    return std::stod(s);
}

bool close(double ours, double theirs, double relative, double absolute) {
    if (std::isnan(ours) || std::isnan(theirs)) return std::isnan(ours) && std::isnan(theirs);
    return std::abs(ours - theirs) <= relative * std::max(std::abs(ours), std::abs(theirs)) + absolute;
}

}  // namespace

TEST_CASE("size and timing statistics, sequences, byte distributions, jitter, bursts and volume equal numpy's on the corpus's TCP and UDP streams", "[corpus][features]") {
    const auto root = test::corpus_root();
    if (!root) {
        WARN("corpus not found (set PKTDYN_CORPUS): feature comparison skipped");
        return;
    }
    const fs::path ref = test::reference_dir();
    std::ofstream report(ref / "features-report.txt");
    constexpr std::size_t width = packet_stats::features.size();
    constexpr std::size_t sequence_width = packet_sequence<10>::features.size();
    constexpr std::size_t bytes_width = byte_distribution<1024>::features.size();
    std::size_t streams = 0, compared = 0, agreeing = 0, membership = 0;
    std::set<std::string> captures_compared;
    std::array<std::size_t, width> value_agree{};
    std::size_t explained = 0, unexplained = 0;
    const auto known = test::known_differences(fs::path(PKTDYN_SOURCE_DIR) / "tests/corpus/features_known_differences.tsv");
    for (const auto& rel : test::corpus_captures(*root)) {
        std::map<std::int64_t, reference_row> rows;
        for (const auto& r : test::read_tsv(ref / "features" / (rel.string() + ".tsv"))) {
            if (r.size() != 4 + width + sequence_width + bytes_width + 21 + 29 + 18 + preset_width) continue;
            reference_row x;
            x.packets = {std::stoull(r[2]), std::stoull(r[3])};
            for (std::size_t i = 0; i < width; ++i) x.values[i] = parse_double(r[4 + i]);
            for (std::size_t i = 0; i < sequence_width; ++i) x.sequence[i] = parse_double(r[4 + width + i]);
            for (std::size_t i = 0; i < bytes_width; ++i) x.bytes[i] = parse_double(r[4 + width + sequence_width + i]);
            for (std::size_t i = 0; i < 21 + 29 + 18; ++i) x.shape[i] = parse_double(r[4 + width + sequence_width + bytes_width + i]);
            for (std::size_t i = 0; i < preset_width; ++i)
                x.presets[i] = parse_double(r[4 + width + sequence_width + bytes_width + 21 + 29 + 18 + i]);
            rows[std::stoll(r[1])] = x;
        }
        if (rows.empty()) continue;
        streams += rows.size();
        auto f = capture_file::open(*root / "pcap" / rel);
        if (!f) continue;
        flow_path<observed> path{flow_options{.capacity = 1 << 12, .idle = 1'000'000'000s, .active = 1'000'000'000s,
                                                .linger = 1'000'000'000s, .seed = 1}};
        const auto on_end = [&](flow_table<observed>::entry& e) {
            const auto it = rows.find(e.state.first_frame);
            if (it == rows.end()) return;
            const reference_row& x = it->second;
            // Our scopes: 0 flow, 1 originator, 2 responder; the reference's: flow, first sender, other.
            const int first_side = e.state.first_from_originator ? 0 : 1;
            const std::array<std::uint64_t, 2> ours_packets{e.record.dir[first_side].packets, e.record.dir[1 - first_side].packets};
            if (ours_packets != x.packets) {
                ++membership;
                return;
            }
            ++compared;
            captures_compared.insert(rel.string());
            std::array<double, width> ours{};
            e.state.stats.write(ours);
            const std::array<std::size_t, 3> scope_of_reference{0, static_cast<std::size_t>(1 + first_side),
                                                                static_cast<std::size_t>(2 - first_side)};
            std::string diff;
            bool only_gaps = true, only_sizes = true, only_bytes = true;
            constexpr std::size_t per_scope = width / 3;
            for (std::size_t s = 0; s < 3; ++s)
                for (std::size_t k = 0; k < per_scope; ++k) {
                    const std::size_t theirs = s * per_scope + k, mine = scope_of_reference[s] * per_scope + k;
                    const bool shape = k % 6 >= 4;  // skewness, kurtosis
                    if (close(ours[mine], x.values[theirs], shape ? 1e-6 : 1e-9, shape ? 1e-6 : 1e-12)) {
                        ++value_agree[theirs];
                    } else {
                        diff += fmt::format(" {} ours {} numpy {};", packet_stats::features[mine].column(), ours[mine],
                                            x.values[theirs]);
                        const bool gap = k / 6 == 2;  // the quantities: IP bytes, payload bytes, gaps
                        only_gaps &= gap;
                        only_sizes &= !gap;
                        only_bytes = false;
                    }
                }
            std::array<double, sequence_width> seq{};
            e.state.sequence.write(seq);
            for (std::size_t i = 0; i < 10; ++i)  // directions relative to the first sender, as the reference's
                if (!std::isnan(seq[i])) seq[i] = e.state.first_from_originator ? seq[i] : 1 - seq[i];
            for (std::size_t i = 0; i < sequence_width; ++i)
                if (!close(seq[i], x.sequence[i], 1e-9, 1e-12)) {
                    diff += fmt::format(" {} ours {} numpy {};", packet_sequence<10>::features[i].column(), seq[i], x.sequence[i]);
                    const bool gap = i / 10 == 3;  // kinds: dir, ip_bytes, payload_bytes, iat, flags
                    only_gaps &= gap;
                    only_sizes &= i / 10 == 1 || i / 10 == 2;
                    only_bytes = false;
                }
            std::array<double, bytes_width> byte_values{};
            e.state.bytes.write(byte_values);
            for (std::size_t i = 0; i < bytes_width; ++i)
                if (!close(byte_values[i], x.bytes[i], 1e-9, 1e-12)) {
                    diff += fmt::format(" {} ours {} numpy {};", byte_distribution<1024>::features[i].column(), byte_values[i],
                                        x.bytes[i]);
                    only_gaps = false;
                    only_sizes = false;
                }
            // Jitter, bursts, volume: the reference's sides are the first sender's and the other's.
            std::array<double, 2> jit_values{};
            std::array<double, 12> act_values{};
            std::array<double, 5> vol_values{};
            e.state.jit.write(jit_values);
            e.state.act.write(act_values);
            e.state.vol.write(vol_values);
            const bool o0 = e.state.first_from_originator;  // orig is side 0
            const std::array<std::pair<double, double>, 19> shape{{
                {jit_values[0], x.shape[o0 ? 0 : 1]}, {jit_values[1], x.shape[o0 ? 1 : 0]},
                {act_values[0], x.shape[2]}, {act_values[1], x.shape[3]}, {act_values[2], x.shape[4]},
                {act_values[3], x.shape[5]}, {act_values[4], x.shape[6]}, {act_values[5], x.shape[7]},
                {act_values[6], x.shape[8]}, {act_values[7], x.shape[9]}, {act_values[8], x.shape[10]},
                {act_values[9], x.shape[11]}, {act_values[10], x.shape[12]}, {act_values[11], x.shape[13]},
                {vol_values[0], x.shape[o0 ? 14 : 15]}, {vol_values[1], x.shape[o0 ? 16 : 17]}, {vol_values[2], x.shape[18]},
                {vol_values[3], x.shape[o0 ? 19 : 20]}, {vol_values[4], x.shape[o0 ? 20 : 19]},
            }};
            constexpr std::array<std::string_view, 19> shape_names{
                "orig_jitter", "resp_jitter", "burst_count", "burst_packets_mean", "burst_packets_max",
                "burst_bytes_mean", "burst_bytes_max", "burst_duration_mean", "burst_duration_max", "idle_count",
                "idle_mean", "idle_max", "active_time", "idle_time", "down_up_packet_ratio", "down_up_byte_ratio",
                "payload_ratio", "orig_header_bytes", "resp_header_bytes"};
            for (std::size_t i = 0; i < shape.size(); ++i)
                if (!close(shape[i].first, shape[i].second, 1e-9, 1e-12)) {
                    diff += fmt::format(" {} ours {} numpy {};", shape_names[i], shape[i].first, shape[i].second);
                    // Jitter follows the gaps, volume the lengths, bursts both.
                    only_gaps &= i < 14;
                    only_sizes &= i >= 2;
                    only_bytes = false;
                }
            std::array<double, 29> histogram{};
            e.state.sizes.write(histogram);
            for (std::size_t i = 0; i < histogram.size(); ++i)
                if (histogram[i] != x.shape[21 + i]) {
                    diff += fmt::format(" {} ours {} numpy {};", size_histogram::features[i].column(), histogram[i], x.shape[21 + i]);
                    only_gaps = false;
                    only_bytes = false;
                }
            // Quantiles: within the relative error each sketch reports, of numpy's exact "lower" quantile.
            std::array<double, 18> quantile_values{};
            e.state.quantiles.write(quantile_values);
            for (std::size_t s = 0; s < 3; ++s)
                for (std::size_t k = 0; k < 6; ++k) {
                    const std::size_t ref_scope = s == 0 ? 0 : (s == 1) == o0 ? 1 : 2;
                    const double truth = x.shape[50 + ref_scope * 6 + k], estimate = quantile_values[s * 6 + k];
                    const double bound = (k < 3 ? e.state.quantiles.sizes(s) : e.state.quantiles.gaps(s)).relative_error();
                    const bool ok = std::isnan(truth) ? std::isnan(estimate)
                                    : truth <= 0      ? estimate == 0
                                                      : std::abs(estimate - truth) <= bound * truth * (1 + 1e-9);
                    if (ok) continue;
                    diff += fmt::format(" {} ours {} numpy {} (bound {});", packet_quantiles::features[s * 6 + k].column(), estimate,
                                        truth, bound);
                    only_gaps &= k >= 3;
                    only_sizes &= k < 3;
                    only_bytes = false;
                }
            // The presets: every column within 1e-9 relative (rates and deviations are computed, the rest exact).
            std::array<double, preset_width> preset_values{};
            e.state.cic.write(std::span(preset_values).first(cic_width));
            e.state.nfs.write(std::span(preset_values).subspan(cic_width));
            for (std::size_t i = 0; i < preset_width; ++i) {
                if (close(preset_values[i], x.presets[i], 1e-9, 1e-9)) continue;
                const auto column = i < cic_width ? cicflowmeter_features::features[i].column()
                                                  : nfstream_features<10>::features[i - cic_width].column();
                diff += fmt::format(" {} ours {} numpy {};", column, preset_values[i], x.presets[i]);
                const depends on = dependence(column);
                only_gaps &= on != depends::size;
                only_sizes &= on != depends::time;
                only_bytes = false;
            }
            if (diff.empty()) {
                ++agreeing;
                return;
            }
            const auto k = known.find(rel.string());
            const bool ok = k != known.end() && ((k->second.kind == "gaps" && only_gaps) || (k->second.kind == "sizes" && only_sizes) ||
                                                 (k->second.kind == "bytes" && only_bytes));
            (ok ? explained : unexplained) += 1;
            report << fmt::format("{}\tfirst frame {}\t{}{}\n", rel.string(), it->first, ok ? "(known) " : "UNEXPLAINED ", diff);
        };
        current_frame = 0;
        while (auto p = f->next()) {
            ++current_frame;
            (void)path.push(*p, on_end);
        }
        path.flush(on_end);
    }
    const std::string summary =
        fmt::format("{} TCP/UDP streams; {} flows compared from {} captures ({} with other packets per side); "
                    "{} agree on all {} values ({:.3f} %), {} differ as features_known_differences.tsv explains, {} unexplained",
                    streams, compared, captures_compared.size(), membership, agreeing,
                    width + sequence_width + bytes_width + 19 + 29 + 18 + preset_width,
                    100.0 * double(agreeing) / double(std::max<std::size_t>(compared, 1)), explained, unexplained);
    report << summary << "\n";
    INFO(summary);
    CHECK(compared >= 2000);
    CHECK(captures_compared.size() >= 200);
    CHECK(unexplained == 0);
    CHECK(double(agreeing) >= 0.998 * double(compared));  // 99.87 % today; the rest is explained above
}
