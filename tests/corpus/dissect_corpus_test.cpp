// The decoder against tshark on every packet of the corpus: outermost and innermost IP version and
// addresses, the innermost transport protocol and ports, TCP flags, sequence, acknowledgment and
// window, and the UDP length must agree with tshark's dissection (IP reassembly off on both sides).
// Files where they differ must be listed, with the reason, in dissect_known_differences.tsv; the
// agreement must reach 99.9 % of packets. The per-file report lands in the reference directory.
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <charconv>
#include <fmt/format.h>
#include <fstream>
#include <map>

#include "corpus/corpus.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/proto/decoder.hpp"

using namespace pktdyn;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    if (s.empty()) return out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t at = s.find(sep, start);
        out.push_back(s.substr(start, at - start));
        if (at == std::string::npos) return out;
        start = at + 1;
    }
}

std::int64_t number(const std::string& s) {
    std::int64_t v = -1;
    if (s.rfind("0x", 0) == 0) {
        std::from_chars(s.data() + 2, s.data() + s.size(), v, 16);
    } else {
        std::from_chars(s.data(), s.data() + s.size(), v);
    }
    return v;
}

ip_address parse_address(const std::string& s, int version) {
    ip_address a;
    if (version == 4) {
        in_addr x{};
        if (inet_pton(AF_INET, s.c_str(), &x) == 1) {
            std::memcpy(a.bytes.data(), &x, 4);
            a.version = 4;
        }
    } else {
        in6_addr x{};
        if (inet_pton(AF_INET6, s.c_str(), &x) == 1) {
            std::memcpy(a.bytes.data(), &x, 16);
            a.version = 6;
        }
    }
    return a;
}

/// What tshark's fields say about one packet, reduced to what the decoder reports.
struct reference {
    bool has_ip = false;
    ip_address outer_src, outer_dst, inner_src, inner_dst;  // version 0 where tshark printed nothing
    std::uint8_t transport = 0;  // 6, 17 or 0
    std::int64_t sport = -1, dport = -1, flags = -1, seq = -1, ack = -1, window = -1, udp_length = -1;
    bool malformed = false;
};

/// `cut`: a protocol after which tshark's dissection is ignored (see the tshark-inside explanation).
reference read_reference(const std::vector<std::string>& r, const std::string& cut = {}) {
    reference ref;
    const auto protocols = split(r[test::col::protocols], ':');
    // Everything after an ICMP header is the quoted packet of an error, not a tunnel.
    std::size_t end = protocols.size();
    for (std::size_t i = 0; i < protocols.size(); ++i)
        if (protocols[i] == "icmp" || protocols[i] == "icmpv6" || protocols[i] == cut) {
            end = i;
            break;
        }
    const auto pick = [&](std::size_t col, std::size_t occurrence) {
        const auto values = split(r[col], ',');
        return occurrence < values.size() ? values[occurrence] : std::string{};
    };
    std::size_t ip4 = 0, ip6 = 0, tcp = 0, udp = 0;
    bool first_ip = true;
    for (std::size_t i = 0; i < end; ++i) {
        const std::string& p = protocols[i];
        if (p == "ip" || p == "ipv6") {
            const bool v4 = p == "ip";
            const std::size_t k = v4 ? ip4++ : ip6++;
            const ip_address src = parse_address(pick(v4 ? test::col::ip_src : test::col::ipv6_src, k), v4 ? 4 : 6);
            const ip_address dst = parse_address(pick(v4 ? test::col::ip_dst : test::col::ipv6_dst, k), v4 ? 4 : 6);
            ref.has_ip = true;
            if (first_ip) {
                ref.outer_src = src;
                ref.outer_dst = dst;
                first_ip = false;
            }
            ref.inner_src = src;
            ref.inner_dst = dst;
            ref.transport = 0;  // a transport before this IP header was a tunnel's
        } else if (p == "tcp") {
            const std::size_t k = tcp++;
            ref.transport = 6;
            ref.sport = number(pick(test::col::tcp_srcport, k));
            ref.dport = number(pick(test::col::tcp_dstport, k));
            ref.flags = number(pick(test::col::tcp_flags, k));
            ref.seq = number(pick(test::col::tcp_seq, k));
            ref.ack = number(pick(test::col::tcp_ack, k));
            ref.window = number(pick(test::col::tcp_window, k));
        } else if (p == "udp") {
            const std::size_t k = udp++;
            ref.transport = 17;
            ref.sport = number(pick(test::col::udp_srcport, k));
            ref.dport = number(pick(test::col::udp_dstport, k));
            ref.udp_length = number(pick(test::col::udp_length, k));
        }
    }
    ref.malformed = !r[test::col::malformed].empty();
    return ref;
}

/// First disagreement between the decoder and the reference, or empty.
std::string disagreement(const decoded_packet& d, const reference& ref) {
    const auto addr = [](const ip_address& a) { return a.version ? a.to_string() : std::string("-"); };
    // An address tshark did not print (it stops at what it cannot read) is not compared.
    const auto same = [](const ip_address& ours, const ip_address& theirs) { return !theirs.version || ours == theirs; };
    if (d.has_ip() != ref.has_ip || !same(d.outer_ip.source, ref.outer_src) ||
        !same(d.outer_ip.destination, ref.outer_dst))
        return fmt::format("outer IP ours {} > {}, tshark {} > {}", addr(d.outer_ip.source),
                           addr(d.outer_ip.destination), addr(ref.outer_src), addr(ref.outer_dst));
    if (!same(d.inner_ip().source, ref.inner_src) || !same(d.inner_ip().destination, ref.inner_dst))
        return fmt::format("inner IP ours {} > {}, tshark {} > {}", addr(d.inner_ip().source),
                           addr(d.inner_ip().destination), addr(ref.inner_src), addr(ref.inner_dst));
    const bool ours_l4 = d.has_transport && (d.transport == 6 || d.transport == 17);
    const std::uint8_t ours_transport = ours_l4 ? d.transport : 0;
    if (ours_transport != ref.transport)
        return fmt::format("transport ours {} ({}), tshark {}", ours_transport, to_string(d.issue), ref.transport);
    if (ref.transport == 0) return {};
    // Only the fields tshark printed (it leaves out what it could not read).
    const auto differs = [](std::int64_t ours, std::int64_t theirs) { return theirs >= 0 && ours != theirs; };
    if (differs(d.source_port, ref.sport) || differs(d.destination_port, ref.dport))
        return fmt::format("ports ours {}>{}, tshark {}>{}", d.source_port, d.destination_port, ref.sport, ref.dport);
    if (ref.transport == 6 && (differs(d.tcp.flags, ref.flags) || differs(d.tcp.seq, ref.seq) ||
                               differs(d.tcp.ack, ref.ack) || differs(d.tcp.window, ref.window)))
        return fmt::format("tcp ours flags {:#x} seq {} ack {} win {}, tshark flags {:#x} seq {} ack {} win {}",
                           d.tcp.flags, d.tcp.seq, d.tcp.ack, d.tcp.window, ref.flags, ref.seq, ref.ack, ref.window);
    if (ref.transport == 17 && differs(d.udp.length, ref.udp_length))
        return fmt::format("udp length ours {}, tshark {}", d.udp.length, ref.udp_length);
    return {};
}

/// A packet the decoder and tshark disagree on.
struct difference {
    decoded_packet decoded;
    link_type link;
    const std::vector<std::string>* row;
};

// Kinds of explanation in dissect_known_differences.tsv, each checked on every differing packet:
//   truncated / malformed   pktdyn reports that status (tshark still shows what it could read)
//   link:N                  pktdyn does not decode link type N (tshark does)
//   ethertype:HHHH          pktdyn stops at that EtherType as not IP (tshark decodes what follows)
//   tshark-inside:P         tshark dissects the payload of protocol P (a sample, a copy, a message);
//                           with tshark's stack cut at P the two agree
//   tshark-stops:P          tshark's stack ends at P while pktdyn decodes further; the outermost IP agrees
//   A|B                     either explanation, packet by packet
bool explanation_holds(const std::string& kind, const difference& x) {
    if (const auto bar = kind.find('|'); bar != std::string::npos)
        return explanation_holds(kind.substr(0, bar), x) || explanation_holds(kind.substr(bar + 1), x);
    const auto colon = kind.find(':');
    const std::string what = kind.substr(0, colon);
    const std::string arg = colon == std::string::npos ? std::string{} : kind.substr(colon + 1);
    const decoded_packet& d = x.decoded;
    bool holds = false;
    if (what == "truncated") holds = d.status == decode_status::truncated;
    else if (what == "malformed") holds = d.status == decode_status::malformed;
    else if (what == "link")
        holds = d.issue == decode_issue::link_type && static_cast<std::uint32_t>(x.link) == std::stoul(arg);
    else if (what == "ethertype")
        holds = d.issue == decode_issue::not_ip && d.ether_type == std::stoul(arg, nullptr, 16);
    else if (what == "tshark-inside")
        holds = disagreement(d, read_reference(*x.row, arg)).empty();
    else if (what == "tshark-stops") {
        const auto protocols = split((*x.row)[test::col::protocols], ':');
        const reference ref = read_reference(*x.row);
        holds = !protocols.empty() && protocols.back() == arg && d.has_ip() &&
                d.outer_ip.source == ref.outer_src && d.outer_ip.destination == ref.outer_dst;
    } else {
        throw std::invalid_argument("unknown kind of explanation '" + kind + "'");
    }
    return holds;
}

std::string verify_explanation(const std::string& kind, const std::vector<difference>& diffs) {
    for (const difference& x : diffs) {
        const decoded_packet& d = x.decoded;
        if (!explanation_holds(kind, x))
            return fmt::format("does not hold for a packet pktdyn decodes as {} ({}), tshark as {}", to_string(d.status),
                               to_string(d.issue), (*x.row)[test::col::protocols]);
    }
    return {};
}

}  // namespace

TEST_CASE("the decoder agrees with tshark on every packet of the corpus", "[corpus][dissect]") {
    const auto root = test::corpus_root();
    if (!root) {
        WARN("corpus not found (set PKTDYN_CORPUS): dissection comparison skipped");
        return;
    }
    const fs::path ref_dir = test::reference_dir();
    const auto known = test::known_differences(fs::path(PKTDYN_SOURCE_DIR) / "tests/corpus/dissect_known_differences.tsv");
    std::ofstream report(ref_dir / "dissect-report.txt");
    std::size_t files = 0, packets = 0, agree = 0, compared_files = 0;
    std::size_t explained_packets = 0;
    std::vector<std::string> unexplained, stale;
    decoder dec;

    for (const auto& rel : test::corpus_captures(*root)) {
        ++files;
        const auto status = test::read_status(ref_dir / "packets" / (rel.string() + ".status"));
        if (!status) FAIL("no tshark reference for " << rel.string() << " in " << ref_dir.string());
        const auto rows = test::read_tsv(ref_dir / "packets" / (rel.string() + ".tsv"));
        auto f = capture_file::open(*root / "pcap" / rel);
        if (!f || rows.empty()) continue;  // unreadable by one side: the capture test covers it
        ++compared_files;
        std::size_t file_packets = 0, file_agree = 0;
        std::string first;
        std::vector<difference> diffs;
        for (const auto& row : rows) {
            auto p = f->next();
            if (!p) break;
            if (row.size() < test::col::count) continue;
            ++file_packets;
            const decoded_packet d = dec.decode(*p);
            const std::string why = disagreement(d, read_reference(row));
            if (why.empty()) {
                ++file_agree;
                continue;
            }
            if (first.empty())
                first = fmt::format("packet {}: {} [pktdyn: {}, {}; tshark: {}]", file_packets, why, to_string(d.status),
                                    to_string(d.issue), row[test::col::protocols]);
            diffs.push_back({d, p->link, &row});
        }
        packets += file_packets;
        agree += file_agree;
        const auto k = known.find(rel.string());
        if (diffs.empty()) {
            if (k != known.end()) stale.push_back(rel.string());
            continue;
        }
        std::string line = fmt::format("{}\t{}/{} agree\t{}", rel.string(), file_agree, file_packets, first);
        const std::string check = k == known.end() ? "not listed" : verify_explanation(k->second.kind, diffs);
        if (check.empty()) {
            explained_packets += diffs.size();
            report << line << "\texplained: " << k->second.kind << ": " << k->second.why << "\n";
        } else {
            line += "\t" + check;
            unexplained.push_back(line);
            report << line << "\tUNEXPLAINED\n";
        }
    }
    const double share = packets ? double(agree) / double(packets) : 1.0;
    const std::string summary = fmt::format(
        "{} captures ({} compared), {} packets: {} agree with tshark ({:.4f} %), {} differ in explained files, {} "
        "files unexplained",
        files, compared_files, packets, agree, 100 * share, explained_packets, unexplained.size());
    report << summary << "\n";
    INFO(summary);
    for (std::size_t i = 0; i < std::min<std::size_t>(unexplained.size(), 40); ++i) UNSCOPED_INFO(unexplained[i]);
    CHECK(unexplained.empty());
    for (const auto& s : stale) UNSCOPED_INFO("listed as different but now agrees (remove it): " << s);
    CHECK(stale.empty());
    CHECK(share >= 0.999);
    CHECK(compared_files > 1900);
}
