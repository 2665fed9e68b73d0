// IP fragments against tshark's reassembly on every corpus capture that holds fragments: every
// fragment pktdyn attributes must carry the ports tshark finds in the reassembled datagram, a
// fragment may stay unattributed only when it arrived before its datagram's first fragment, and
// each datagram pktdyn reassembles must complete on the frame tshark's does, with its UDP length.
#include <catch2/catch.hpp>
#include <charconv>
#include <fmt/format.h>
#include <map>

#include "corpus/corpus.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/proto/decoder.hpp"
#include "pktdyn/proto/fragments.hpp"

using namespace pktdyn;
namespace fs = std::filesystem;

namespace {

enum fcol : std::size_t { number, ip_fragment, ipv6_fragment, udp_src, udp_dst, tcp_src, tcp_dst, udp_length,
                          ip_reassembled_length, ipv6_reassembled_length, protocols };

std::vector<std::int64_t> numbers(const std::string& s) {
    std::vector<std::int64_t> out;
    std::size_t start = 0;
    while (start < s.size()) {
        const std::size_t comma = std::min(s.find(',', start), s.size());
        std::int64_t v = 0;
        if (std::from_chars(s.data() + start, s.data() + comma, v).ec == std::errc{}) out.push_back(v);
        start = comma + 1;
    }
    return out;
}
std::int64_t last_number(const std::string& s) {
    const auto v = numbers(s);
    return v.empty() ? -1 : v.back();
}

struct datagram {
    std::int64_t completes_at = 0;  // frame number
    std::int64_t first_frame = -1;  // the fragment with offset 0 (it has ports with reassembly off)
    std::int64_t source_port = -1, destination_port = -1, udp_length = -1;
};

}  // namespace

TEST_CASE("fragments are attributed and reassembled as tshark reassembles them", "[corpus][fragments]") {
    const auto root = test::corpus_root();
    if (!root) {
        WARN("corpus not found (set PKTDYN_CORPUS): fragment comparison skipped");
        return;
    }
    const fs::path ref = test::reference_dir() / "fragments";
    std::size_t files = 0, fragments = 0, transport_fragments = 0, attributed = 0, early = 0, reassembled = 0, datagrams = 0;
    std::vector<std::string> failures;
    for (const auto& rel : test::corpus_captures(*root)) {
        const auto rows = test::read_tsv(ref / (rel.string() + ".tsv"));
        if (rows.empty()) continue;
        const auto packet_rows = test::read_tsv(test::reference_dir() / "packets" / (rel.string() + ".tsv"));
        ++files;
        // tshark's datagrams, by the frames of their fragments.
        std::map<std::int64_t, datagram> of_frame;
        for (const auto& r : rows) {
            if (r.size() <= protocols) continue;
            const auto parts = numbers(r[ip_fragment].empty() ? r[ipv6_fragment] : r[ip_fragment]);
            if (parts.empty()) continue;
            datagram g;
            g.completes_at = last_number(r[number]);
            // The innermost transport of the reassembled datagram (tunnels put several in a row).
            const std::string& stack = r[protocols];
            const std::size_t u = stack.rfind(":udp"), t = stack.rfind(":tcp");
            const bool udp = u != std::string::npos && (t == std::string::npos || u > t);
            g.source_port = last_number(udp ? r[udp_src] : r[tcp_src]);
            g.destination_port = last_number(udp ? r[udp_dst] : r[tcp_dst]);
            g.udp_length = udp ? last_number(r[udp_length]) : -1;
            for (auto f : parts) {
                const auto& pr = packet_rows.at(static_cast<std::size_t>(f - 1));
                if (!pr[test::col::udp_srcport].empty() || !pr[test::col::tcp_srcport].empty())
                    g.first_frame = f;
            }
            for (auto f : parts) of_frame[f] = g;
            ++datagrams;
        }
        auto file = capture_file::open(*root / "pcap" / rel);
        REQUIRE(file);
        decoder dec;
        fragment_tracker tracker{fragment_options{.reassemble = true}};
        std::int64_t n = 0;
        while (auto p = file->next()) {
            ++n;
            const auto r = tracker.track(p->time, dec.decode(*p), p->data);
            const auto it = of_frame.find(n);
            if (!r.fragment || it == of_frame.end()) continue;  // a fragment tshark did not reassemble
            ++fragments;
            const datagram& g = it->second;
            const auto fail = [&](const std::string& why) {
                failures.push_back(fmt::format("{} frame {}: {}", rel.string(), n, why));
            };
            if (g.source_port < 0) continue;  // not TCP or UDP: no ports to attribute
            ++transport_fragments;
            if (r.attributed) {
                ++attributed;
                if (r.source_port != g.source_port || r.destination_port != g.destination_port)
                    fail(fmt::format("ports {}>{}, tshark {}>{}", r.source_port, r.destination_port, g.source_port,
                                     g.destination_port));
            } else if (g.first_frame > n) {
                ++early;  // before its first fragment: nothing to know yet
            } else {
                fail(fmt::format("not attributed, though its first fragment (frame {}) came before", g.first_frame));
            }
            if (!r.datagram.empty() && g.udp_length >= 0) {
                ++reassembled;
                if (g.completes_at != n) fail(fmt::format("reassembled here, tshark at frame {}", g.completes_at));
                if (g.udp_length >= 0 && static_cast<std::int64_t>(r.datagram.size()) != g.udp_length)
                    fail(fmt::format("datagram of {} bytes, tshark's UDP length {}", r.datagram.size(), g.udp_length));
            }
        }
    }
    INFO(files << " captures, " << datagrams << " datagrams tshark reassembles: " << fragments << " fragments, "
               << transport_fragments << " of TCP/UDP datagrams, " << attributed << " attributed, " << early << " before their first fragment, " << reassembled
               << " UDP datagrams reassembled");
    for (std::size_t i = 0; i < std::min<std::size_t>(failures.size(), 20); ++i) UNSCOPED_INFO(failures[i]);
    CHECK(failures.empty());
    CHECK(fragments > 300);
}
