// Flow keys against tshark on every packet of the corpus: the Community ID of the flow pktdyn puts
// a packet in (its key, with a later IP fragment's ports taken from its first fragment) must equal
// the Community ID tshark computes for the packet. Files where they differ are listed, with the
// reason, in flows_known_differences.tsv, and the test checks each reason on every differing packet.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <algorithm>
#include <fstream>

#include "corpus/corpus.hpp"
#include "support/capture_builder.hpp"
#include "support/packet_builder.hpp"
#include "support/temp_dir.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/flow/flow_key.hpp"
#include "pktdyn/flow/community_id.hpp"
#include "pktdyn/flow/flow_path.hpp"
#include "pktdyn/flow/tcp_tracker.hpp"
#include "pktdyn/proto/decoder.hpp"
#include "pktdyn/proto/fragments.hpp"

using namespace pktdyn;
namespace fs = std::filesystem;

namespace {

struct difference {
    decoded_packet decoded;
    link_type link;
    bool attributed_fragment;
    const std::vector<std::string>* row;
};

// Kinds of explanation, checked on every differing packet:
//   tshark-none       tshark computes no Community ID for it (IPv6 without TCP/UDP/SCTP/ICMPv6,
//                     IPv6 later fragments)
//   fragment          a later IP fragment: pktdyn keys it by its datagram's ports (0 if its first
//                     fragment never came), tshark hashes no ports
//   tshark-outer      tshark hashed the outermost IP header and UDP ports
//   tshark-mixed      tshark hashed the innermost IP addresses with the outer UDP ports
//   tshark-stops:P    tshark's dissection ends with protocol P, before the header pktdyn keys by
//   link:N, ethertype:HHHH, truncated, malformed
//                     as in dissect_known_differences.tsv: pktdyn decodes no (or another) IP header
//   tshark-inside:P   tshark takes the tuple from inside protocol P (a quoted or sampled packet)
//   A|B               either, packet by packet
bool holds(const std::string& kind, const difference& x) {
    if (const auto bar = kind.find('|'); bar != std::string::npos)
        return holds(kind.substr(0, bar), x) || holds(kind.substr(bar + 1), x);
    const auto colon = kind.find(':');
    const std::string what = kind.substr(0, colon), arg = colon == std::string::npos ? "" : kind.substr(colon + 1);
    const decoded_packet& d = x.decoded;
    const std::string& protocols = (*x.row)[test::col::protocols];
    if (what == "tshark-none") return (*x.row)[test::col::community_id].empty();
    if (what == "fragment") return x.decoded.issue == decode_issue::later_fragment;
    if (what == "truncated") return d.status == decode_status::truncated;
    if (what == "malformed") return d.status == decode_status::malformed;
    if (what == "link") return d.issue == decode_issue::link_type && static_cast<std::uint32_t>(x.link) == std::stoul(arg);
    if (what == "ethertype") return d.issue == decode_issue::not_ip && d.ether_type == std::stoul(arg, nullptr, 16);
    if (what == "tshark-inside") return protocols.find(":" + arg + ":") != std::string::npos;
    if (what == "tshark-stops") return protocols.size() >= arg.size() && protocols.ends_with(arg);
    if (what == "tshark-mixed") {
        // tshark took the innermost IP addresses with the outer UDP header's ports (a tunnel whose
        // inner packet has no transport): the ID of that mixed tuple must be tshark's.
        const ip_header& i = d.inner_ip();
        return d.has_ip() && d.has_tunnelled_ip &&
               community_id_v1(i.source, i.destination, ip_protocol::udp, d.udp.source_port, d.udp.destination_port) ==
                   (*x.row)[test::col::community_id];
    }
    if (what == "tshark-outer") {
        // tshark took the outermost IP header and its transport (a tunnel whose inner packet has no
        // transport of its own): the ID of that tuple must be tshark's.
        const ip_header& o = d.outer_ip;
        const bool udp = o.protocol == ip_protocol::udp;
        return d.has_ip() && community_id_v1(o.source, o.destination, o.protocol, udp ? d.udp.source_port : 0,
                                             udp ? d.udp.destination_port : 0) == (*x.row)[test::col::community_id];
    }
    throw std::invalid_argument("unknown kind of explanation '" + kind + "'");
}

}  // namespace

TEST_CASE("every packet's flow has the Community ID tshark computes for it", "[corpus][flows]") {
    const auto root = test::corpus_root();
    if (!root) {
        WARN("corpus not found (set PKTDYN_CORPUS): Community ID comparison skipped");
        return;
    }
    const fs::path ref = test::reference_dir();
    const auto known = test::known_differences(fs::path(PKTDYN_SOURCE_DIR) / "tests/corpus/flows_known_differences.tsv");
    std::ofstream report(ref / "flows-report.txt");
    std::size_t files = 0, packets = 0, agree = 0, explained = 0;
    std::vector<std::string> unexplained, stale;
    for (const auto& rel : test::corpus_captures(*root)) {
        const auto rows = test::read_tsv(ref / "packets" / (rel.string() + ".tsv"));
        auto f = capture_file::open(*root / "pcap" / rel);
        if (!f || rows.empty()) continue;
        ++files;
        decoder dec;
        fragment_tracker fragments;
        decoded_packet d;
        std::vector<difference> diffs;
        std::string first;
        std::size_t n = 0;
        for (const auto& row : rows) {
            auto p = f->next();
            if (!p) break;
            ++n;
            dec.decode(*p, d);
            const auto frag = fragments.track(p->time, d, p->data);
            const bool later_fragment = frag.fragment && frag.attributed && !d.has_transport;
            const known_ports ports{frag.source_port, frag.destination_port};
            keyed_packet k;
            const std::string ours = make_flow_key(d, k, {}, later_fragment ? &ports : nullptr) ? community_id(k.key) : "";
            ++packets;
            if (ours == row[test::col::community_id]) {
                ++agree;
                continue;
            }
            if (first.empty())
                first = fmt::format("packet {}: pktdyn {}, tshark {} [{}]", n, ours.empty() ? "-" : ours,
                                    row[test::col::community_id].empty() ? "-" : row[test::col::community_id],
                                    row[test::col::protocols]);
            diffs.push_back({d, p->link, later_fragment, &row});
        }
        const auto k = known.find(rel.string());
        if (diffs.empty()) {
            if (k != known.end()) stale.push_back(rel.string());
            continue;
        }
        std::string line = fmt::format("{}\t{} of {} differ\t{}", rel.string(), diffs.size(), n, first);
        bool ok = k != known.end();
        for (const auto& x : diffs)
            if (ok && !holds(k->second.kind, x)) {
                ok = false;
                line += fmt::format("\texplanation '{}' fails for [{}]", k->second.kind, (*x.row)[test::col::protocols]);
            }
        if (ok) {
            explained += diffs.size();
            report << line << "\texplained: " << k->second.kind << ": " << k->second.why << "\n";
        } else {
            // Help whoever lists the file: the first kinds of explanation that would hold.
            std::vector<std::string> candidates{"tshark-none", "fragment", "fragment|tshark-none", "tshark-outer",
                                                "tshark-outer|tshark-none", "tshark-mixed", "tshark-mixed|tshark-none", "truncated",
                                                "malformed", "truncated|malformed", "tshark-none|malformed",
                                                "tshark-stops:udp", "tshark-stops:mipv6",
                                                fmt::format("link:{}", static_cast<std::uint32_t>(diffs[0].link)),
                                                fmt::format("ethertype:{:04x}", diffs[0].decoded.ether_type)};
            for (const auto& token : test::split_tabs([&] {
                     std::string t = (*diffs[0].row)[test::col::protocols];
                     std::replace(t.begin(), t.end(), ':', '\t');
                     return t;
                 }()))
                if (token != "eth" && token != "ethertype" && token != "ip" && token != "ipv6" && token != "vlan" &&
                    token != "udp" && token != "tcp")
                    candidates.push_back("tshark-inside:" + token);
            for (const auto& c : candidates)
                if (std::all_of(diffs.begin(), diffs.end(), [&](const difference& x) { return holds(c, x); })) {
                    line += "\tsuggest: " + c;
                    break;
                }
            unexplained.push_back(line);
            report << line << "\tUNEXPLAINED\n";
        }
    }
    const std::string summary = fmt::format("{} captures, {} packets: {} agree with tshark's Community ID ({:.3f} %), {} "
                                            "differ in explained files, {} files unexplained",
                                            files, packets, agree, 100.0 * double(agree) / double(packets), explained,
                                            unexplained.size());
    report << summary << "\n";
    INFO(summary);
    for (std::size_t i = 0; i < std::min<std::size_t>(unexplained.size(), 30); ++i) UNSCOPED_INFO(unexplained[i]);
    CHECK(unexplained.empty());
    for (const auto& s : stale) UNSCOPED_INFO("listed as different but now agrees (remove it): " << s);
    CHECK(stale.empty());
    CHECK(packets > 200000);
}

namespace {
// A flow as the merged-capture test compares it: everything the record and the TCP tracker say.
std::string describe(const flow_record& r, const tcp_tracker& t) {
    return fmt::format("{} {}:{} first {} last {} packets {}/{} bytes {}/{} {} {} {} retx {}/{} rtt {}/{} ooo {}/{}",
                       community_id(r.key), r.originator().to_string(), r.originator_port(), to_ns(r.first), to_ns(r.last),
                       r.dir[0].packets, r.dir[1].packets, r.dir[0].ip_bytes, r.dir[1].ip_bytes, r.conn_state(),
                       r.history_string(), to_string(r.ended), t.metrics[0].retransmissions, t.metrics[1].retransmissions,
                       t.metrics[0].rtt.count, t.metrics[1].rtt.count, t.metrics[0].out_of_order, t.metrics[1].out_of_order);
}

// Every flow of a capture, in the order the table ends them, and every packet's time.
struct capture_flows {
    std::vector<std::string> flows;
    std::vector<std::int64_t> times;
};
capture_flows flows_of(const fs::path& file) {
    capture_flows out;
    auto f = capture_file::open(file);
    if (!f) return out;
    flow_path<tcp_tracker> path{flow_options{.seed = 1}};
    const auto on_end = [&](flow_table<tcp_tracker>::entry& e) { out.flows.push_back(describe(e.record, e.state)); };
    while (auto p = f->next()) {
        out.times.push_back(to_ns(p->time));
        (void)path.push(*p, on_end);
    }
    path.flush(on_end);
    return out;
}
}  // namespace

TEST_CASE("a capture merged behind a later one (mergecap -a) splits its flows exactly as alone", "[corpus][flows]") {
    const auto root = test::corpus_root();
    if (!root) {
        WARN("no corpus: set PKTDYN_CORPUS");
        return;
    }
    test::temp_dir dir;
    // One packet from 2100, later than every corpus capture, in front of each of them: the clock
    // steps back from it to the capture's own time at the capture's first packet.
    test::pcap_builder prefix;
    prefix.packet(4'102'444'800, 0, test::pkt::ethernet(0x0800, test::pkt::ipv4(17, {192, 0, 2, 1}, {192, 0, 2, 2},
                                                                               test::pkt::udp(9, 9, test::bytes(4)))));
    const fs::path prefix_file = dir.write("prefix-2100.pcap", prefix.data());
    const std::string prefix_flow = community_id_v1(ip_address::v4(192, 0, 2, 1), ip_address::v4(192, 0, 2, 2),
                                                    ip_protocol::udp, 9, 9);
    std::size_t files = 0, flows = 0, rewritten = 0, reordered = 0;
    std::vector<std::string> differ;
    for (const auto& rel : test::corpus_captures(*root)) {
        const fs::path capture = *root / "pcap" / rel;
        const auto alone = flows_of(capture);
        if (alone.flows.empty()) continue;
        const fs::path merged = dir.path() / "merged.pcapng";
        const std::string command = fmt::format("mergecap -a -w '{}' '{}' '{}' 2>/dev/null", merged.string(),
                                                prefix_file.string(), capture.string());
        if (std::system(command.c_str()) != 0) continue;  // mergecap refuses some damaged files
        auto behind = flows_of(merged);
        // mergecap rewrites timestamps that are out of range in the original (a microsecond field
        // of a million or more, negative seconds): the merged capture then holds other times.
        if (behind.times.empty() || std::vector(behind.times.begin() + 1, behind.times.end()) != alone.times) {
            ++rewritten;
            continue;
        }
        std::erase_if(behind.flows, [&](const std::string& f) { return f.starts_with(prefix_flow + " "); });
        ++files;
        flows += alone.flows.size();
        // The same flows, each with the same packets, times and TCP analysis; the order they end in
        // may differ only where the capture's own time jumps back and forth (a fuzzed file needing
        // more time-ordered lists than there are).
        reordered += behind.flows != alone.flows;
        auto a = alone.flows, b = behind.flows;
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        if (a != b) differ.push_back(rel.string());
    }
    INFO(fmt::format("{} captures, {} flows compared; {} differ, {} end in another order; {} skipped: mergecap "
                     "rewrote their timestamps", files, flows, differ.size(), reordered, rewritten));
    for (std::size_t i = 0; i < std::min<std::size_t>(differ.size(), 30); ++i) UNSCOPED_INFO(differ[i]);
    CHECK(differ.empty());
    CHECK(reordered <= 2);
    CHECK(files > 1600);
}
