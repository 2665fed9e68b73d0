// Capture readers against tshark on the whole shared corpus: every packet's timestamp, captured and
// original length and link type must agree. Where tshark cannot read a file at all (link types
// Wireshark does not know), libpcap is the reference instead. Every file that still differs must
// be listed, with the reason, in capture_known_differences.tsv; the report lands in the build tree.
#include <catch2/catch.hpp>
#include <charconv>
#include <fmt/format.h>
#include <fstream>
#include <map>

#include "corpus/corpus.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/capture/libpcap_source.hpp"

using namespace pktdyn;
namespace fs = std::filesystem;

namespace {

struct row {
    std::int64_t ns = 0;
    std::uint32_t captured = 0;
    std::uint32_t original = 0;
    std::int64_t encap = 0;  // Wiretap encapsulation number (tshark) or LINKTYPE_ (ours, before mapping)
    std::int64_t interface = -1;
};

// "1581109488.041083000" -> ns, exactly (no floating point).
std::optional<std::int64_t> parse_epoch(const std::string& s) {
    const bool negative = !s.empty() && s[0] == '-';
    const std::size_t dot = s.find('.');
    std::int64_t sec = 0, frac = 0;
    const char* b = s.data() + (negative ? 1 : 0);
    const char* dot_ptr = dot == std::string::npos ? s.data() + s.size() : s.data() + dot;
    if (std::from_chars(b, dot_ptr, sec).ec != std::errc{}) return std::nullopt;
    if (dot != std::string::npos) {
        // tshark prints the nanosecond field with %09d: more than 9 digits means a field >= 10^9
        // (a fuzzed fraction), which is still that many nanoseconds.
        std::string digits = s.substr(dot + 1);
        if (digits.size() < 9) digits.resize(9, '0');
        if (std::from_chars(digits.data(), digits.data() + digits.size(), frac).ec != std::errc{}) return std::nullopt;
    }
    const std::int64_t ns = sec * 1'000'000'000 + frac;
    return negative ? -ns : ns;
}

std::int64_t to_int(const std::string& s, std::int64_t otherwise = -1) {
    std::int64_t v = otherwise;
    if (s.empty() || std::from_chars(s.data(), s.data() + s.size(), v).ec != std::errc{}) return otherwise;
    return v;
}

std::string describe(const row& r) {
    return fmt::format("t={} cap={} len={} encap={} if={}", r.ns, r.captured, r.original, r.encap, r.interface);
}

struct our_reading {
    std::vector<row> rows;
    std::optional<pktdyn::error> open_error;
    std::optional<pktdyn::error> stop_error;
};

our_reading read_ours(const fs::path& file, reader_options options = {}) {
    our_reading out;
    auto f = capture_file::open(file, options);
    if (!f) {
        out.open_error = f.error();
        return out;
    }
    while (auto p = f->next())
        out.rows.push_back({to_ns(p->time), p->captured_length(), p->original_length,
                            static_cast<std::int64_t>(p->link), static_cast<std::int64_t>(p->interface)});
    out.stop_error = f->error();
    return out;
}

// First difference between our packets and a reference, or empty when they agree.
template <class SameEncap>
std::string compare(const std::vector<row>& ours, const std::vector<row>& ref, SameEncap same_encap,
                    bool compare_interface, bool compare_time = true) {
    for (std::size_t i = 0; i < std::min(ours.size(), ref.size()); ++i) {
        const row& a = ours[i];
        const row& b = ref[i];
        if ((compare_time && a.ns != b.ns) || a.captured != b.captured || a.original != b.original || !same_encap(a.encap, b.encap) ||
            (compare_interface && b.interface >= 0 && a.interface != b.interface))
            return fmt::format("packet {}: ours {} / reference {}", i + 1, describe(a), describe(b));
    }
    if (ours.size() != ref.size()) return fmt::format("{} packets, reference {}", ours.size(), ref.size());
    return {};
}

std::vector<row> read_with_libpcap(const fs::path& file, std::string& error_text) {
    std::vector<row> rows;
    auto src = libpcap_source::open_file(file.string());
    if (!src) {
        error_text = src.error().message();
        return rows;
    }
    while (auto p = src->next())
        rows.push_back({to_ns(p->time), p->captured_length(), p->original_length, static_cast<std::int64_t>(p->link),
                        -1});
    if (auto e = src->error()) error_text = e->message();
    return rows;
}

// Kinds of explanation in capture_known_differences.tsv, each checked against evidence:
//   libpcap              libpcap reads the file exactly as pktdyn does (packets and whether it stops early)
//   libpcap-except-time  the same, except timestamps (out-of-range fractions every reader handles differently)
//   corrupt-prefix       pktdyn delivers a prefix of tshark's packets, then reports corruption
template <class SameEncap>
std::string verify_explanation(const std::string& kind, const fs::path& file, const our_reading& ours,
                               const std::vector<row>& theirs, SameEncap same_encap) {
    if (kind == "libpcap" || kind == "libpcap-except-time") {
        std::string libpcap_error;
        const auto lp = read_with_libpcap(file, libpcap_error);
        std::string d = compare(ours.rows, lp, [](auto, auto) { return true; }, false, kind == "libpcap");
        if (d.empty() && libpcap_error.empty() == ours.stop_error.has_value())
            d = fmt::format("libpcap {} but pktdyn {}", libpcap_error.empty() ? "read to the end" : libpcap_error,
                            ours.stop_error ? ours.stop_error->message() : "read to the end");
        return d.empty() ? d : "libpcap: " + d;
    }
    if (kind == "corrupt-prefix") {
        if (!ours.stop_error || ours.stop_error->code() != errc::corrupt) return "pktdyn did not report corruption";
        if (ours.rows.size() >= theirs.size()) return "pktdyn delivered as many packets as tshark";
        const std::vector<row> prefix(theirs.begin(), theirs.begin() + static_cast<std::ptrdiff_t>(ours.rows.size()));
        return compare(ours.rows, prefix, same_encap, true);
    }
    return "unknown kind of explanation '" + kind + "'";
}

}  // namespace

TEST_CASE("capture readers agree with tshark on every packet of the corpus", "[corpus][capture]") {
    const auto root = test::corpus_root();
    if (!root) {
        WARN("corpus not found (set PKTDYN_CORPUS): corpus comparison skipped");
        return;
    }
    const fs::path ref = test::reference_dir();
    const auto linktype_rows = test::read_tsv(ref / "linktypes.tsv");
    if (linktype_rows.empty())
        FAIL("no tshark reference in " << ref.string() << ": run scripts/tshark_reference.py --out " << ref.string());
    std::map<std::int64_t, std::int64_t> wtap_of;  // LINKTYPE_ -> tshark's encapsulation number
    for (const auto& r : linktype_rows) wtap_of[to_int(r[0])] = to_int(r[1]);
    const auto same_encap = [&](std::int64_t ours, std::int64_t tshark) {
        const auto it = wtap_of.find(ours);
        return (it == wtap_of.end() ? 0 : it->second) == tshark;
    };

    const auto known = test::known_differences(fs::path(PKTDYN_SOURCE_DIR) / "tests/corpus/capture_known_differences.tsv");
    std::size_t files = 0, agree = 0, agree_libpcap = 0, explained = 0, packets = 0;
    std::vector<std::string> unexplained, stale;
    std::ofstream report(ref / "capture-report.txt");

    for (const auto& rel : test::corpus_captures(*root)) {
        ++files;
        const fs::path file = *root / "pcap" / rel;
        const auto status = test::read_status(ref / "packets" / (rel.string() + ".status"));
        if (!status) FAIL("no tshark reference for " << rel.string());
        std::vector<row> theirs;
        for (const auto& r : test::read_tsv(ref / "packets" / (rel.string() + ".tsv"))) {
            if (r.size() < test::col::count) continue;
            theirs.push_back({parse_epoch(r[test::col::time]).value_or(INT64_MIN),
                              static_cast<std::uint32_t>(to_int(r[test::col::cap_len])),
                              static_cast<std::uint32_t>(to_int(r[test::col::len])), to_int(r[test::col::encap]),
                              to_int(r[test::col::interface_id])});
        }
        const our_reading ours = read_ours(file);
        packets += ours.rows.size();
        // The streamed reader (small chunks, so records straddle refills) must read exactly the same.
        const our_reading streamed = read_ours(file, {.access = access_mode::stream, .stream_chunk = 4096});
        if (compare(streamed.rows, ours.rows, [](auto x, auto y) { return x == y; }, true) != "" ||
            streamed.stop_error.has_value() != ours.stop_error.has_value())
            unexplained.push_back(rel.string() + ": the streamed reader differs from the mapped one");

        std::string diff;
        bool via_libpcap = false;
        const bool tshark_refused = status->exit_code != 0 && theirs.empty() &&
                                    status->message.find("network type") != std::string::npos;
        if (ours.open_error) {
            diff = "pktdyn cannot open: " + ours.open_error->message();
        } else if (tshark_refused) {
            // tshark does not know the link type; libpcap, which does not care, is the reference.
            std::string libpcap_error;
            const auto lp = read_with_libpcap(file, libpcap_error);
            diff = compare(ours.rows, lp, [](auto, auto) { return true; }, false);
            via_libpcap = diff.empty();
        } else {
            diff = compare(ours.rows, theirs, same_encap, true);
            const bool tshark_stopped = status->exit_code != 0;
            if (diff.empty() && tshark_stopped != ours.stop_error.has_value())
                diff = fmt::format("tshark {} but pktdyn {}", tshark_stopped ? "stopped: " + status->message : "read to the end",
                                   ours.stop_error ? "stopped: " + ours.stop_error->message() : "read to the end");
        }

        const auto k = known.find(rel.string());
        if (!diff.empty() && k != known.end()) {
            // Check the explanation itself, so a listed file cannot hide a new kind of difference.
            const std::string check = verify_explanation(k->second.kind, file, ours, theirs, same_encap);
            if (!check.empty()) diff += "; and the listed explanation does not hold: " + check;
        }
        if (diff.empty()) {
            (via_libpcap ? agree_libpcap : agree) += 1;
            if (k != known.end()) stale.push_back(rel.string());
            if (ours.stop_error) report << rel.string() << "\tagree, both stop early\t" << ours.stop_error->message() << "\n";
        } else if (k != known.end() && diff.find("explanation does not hold") == std::string::npos) {
            ++explained;
            report << rel.string() << "\texplained\t" << k->second.kind << ": " << k->second.why << "\t" << diff << "\n";
        } else {
            unexplained.push_back(rel.string() + ": " + diff);
            report << rel.string() << "\tUNEXPLAINED\t" << diff << "\n";
        }
    }

    const std::string summary = fmt::format(
        "{} captures, {} packets: {} agree with tshark, {} unreadable by tshark agree with libpcap, {} explained "
        "differences, {} unexplained",
        files, packets, agree, agree_libpcap, explained, unexplained.size());
    report << summary << "\n";
    INFO(summary);
    for (const auto& u : unexplained) UNSCOPED_INFO("unexplained: " << u);
    for (const auto& s : stale) UNSCOPED_INFO("listed as different but now agrees (remove it): " << s);
    CHECK(unexplained.empty());
    CHECK(stale.empty());
    CHECK(files > 2000);
}
