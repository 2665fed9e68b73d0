// Flow keys against tshark on every packet of the corpus: the Community ID of the flow pktdyn puts
// a packet in (its key, with a later IP fragment's ports taken from its first fragment) must equal
// the Community ID tshark computes for the packet. Files where they differ are listed, with the
// reason, in flows_known_differences.tsv, and the test checks each reason on every differing packet.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <algorithm>
#include <fstream>

#include "corpus/corpus.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/flow/flow_key.hpp"
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
