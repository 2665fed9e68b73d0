// Every prefix of a sample of real packets is dissected from an exact-size copy, so that under
// ASan any read past the cut is caught. What the decoder finds in a prefix must be a prefix of
// what it finds in the whole packet: the same headers at the same offsets, none past the cut.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "corpus/corpus.hpp"
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/proto/decoder.hpp"

using namespace pktdyn;

TEST_CASE("every prefix of sampled corpus packets dissects within bounds and consistently", "[corpus][dissect]") {
    const auto root = test::corpus_root();
    if (!root) {
        WARN("corpus not found (set PKTDYN_CORPUS): prefix dissection skipped");
        return;
    }
    decoder dec;
    std::size_t sampled = 0, prefixes = 0;
    std::vector<std::string> failures;
    for (const auto& rel : test::corpus_captures(*root)) {
        auto f = capture_file::open(*root / "pcap" / rel);
        if (!f) continue;
        std::size_t n = 0;
        while (auto p = f->next()) {
            if (n++ % 25 != 0) continue;  // every 25th packet of every capture
            ++sampled;
            const decoded_packet whole = dec.decode(*p);
            const std::size_t size = std::min<std::size_t>(p->data.size(), 512);
            for (std::size_t cut = 0; cut <= size; ++cut) {
                std::vector<std::byte> copy(p->data.begin(), p->data.begin() + static_cast<std::ptrdiff_t>(cut));
                packet_view v = *p;
                v.data = copy;
                const decoded_packet part = dec.decode(v);
                ++prefixes;
                for (std::uint8_t i = 0; i < part.layer_count; ++i) {
                    const layer& l = part.layers[i];
                    const bool inside = l.offset + std::uint64_t{l.length} <= cut;
                    // Headers must match the whole packet's; undecoded bytes (a tunnel cut before its
                    // header is complete stays payload) and ESP shrink with the cut; a TCP header may
                    // lose options to it.
                    const bool sized = l.kind == layer_kind::payload || l.kind == layer_kind::esp;
                    const bool same = sized || (i < whole.layer_count && whole.layers[i].kind == l.kind &&
                                                whole.layers[i].offset == l.offset &&
                                                (whole.layers[i].length == l.length || l.kind == layer_kind::tcp));
                    if (!inside || !same) {
                        failures.push_back(fmt::format("{} packet {} cut at {}: layer {} ({} at {}+{}) {}", rel.string(),
                                                       n, cut, i, to_string(l.kind), l.offset, l.length,
                                                       inside ? "differs from the whole packet's" : "runs past the cut"));
                        break;
                    }
                }
            }
        }
    }
    INFO(sampled << " packets sampled, " << prefixes << " prefixes dissected");
    for (std::size_t i = 0; i < std::min<std::size_t>(failures.size(), 20); ++i) UNSCOPED_INFO(failures[i]);
    CHECK(failures.empty());
    CHECK(sampled > 5000);
}
