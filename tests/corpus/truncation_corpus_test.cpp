// Truncated files, made from every corpus capture by cutting it at several offsets: the reader must
// deliver exactly the packets that lie wholly before the cut and then report a truncation at the
// offset of the record the cut went through. For classic pcap the expected packets and offset are
// computed from tshark's captured lengths (record i starts at 24 + sum of (16 + caplen) before it),
// so the expectation does not come from pktdyn. For pcapng the delivered packets must be a prefix
// of the whole file's, and a cut inside a block must be reported as truncation.
#include <catch2/catch.hpp>
#include <charconv>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <random>

#include "corpus/corpus.hpp"
#include "pktdyn/capture/capture_file.hpp"

using namespace pktdyn;
namespace fs = std::filesystem;

namespace {

std::vector<std::byte> slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::vector<char> c{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::vector<std::byte> b(c.size());
    std::memcpy(b.data(), c.data(), c.size());
    return b;
}

struct reading {
    std::vector<std::pair<std::int64_t, std::uint32_t>> packets;  // time, captured length
    std::optional<pktdyn::error> error;
};

reading read_bytes(std::span<const std::byte> bytes) {
    reading r;
    auto f = capture_file::from_bytes(bytes);
    if (!f) {
        r.error = f.error();
        return r;
    }
    while (auto p = f->next()) r.packets.emplace_back(to_ns(p->time), p->captured_length());
    r.error = f->error();
    return r;
}

}  // namespace

TEST_CASE("captures cut at any offset deliver every complete packet and say where they broke", "[corpus][capture]") {
    const auto root = test::corpus_root();
    if (!root) {
        WARN("corpus not found (set PKTDYN_CORPUS): truncation test skipped");
        return;
    }
    const fs::path ref = test::reference_dir();
    std::mt19937_64 rng(20261125);
    std::size_t cuts = 0, pcap_cuts = 0, files = 0;
    std::vector<std::string> failures;

    for (const auto& rel : test::corpus_captures(*root)) {
        const auto bytes = slurp(*root / "pcap" / rel);
        const reading whole = read_bytes(bytes);
        if (whole.error || whole.packets.empty() || bytes.size() < 64) continue;  // only files read cleanly
        ++files;
        const bool classic = !(bytes[0] == std::byte{0x0A} && bytes[1] == std::byte{0x0D});
        // Record start offsets from tshark's captured lengths (classic pcap: 16-byte record headers).
        std::vector<std::size_t> starts;
        if (classic) {
            const auto status = test::read_status(ref / "packets" / (rel.string() + ".status"));
            if (!status || status->exit_code != 0) continue;
            std::size_t at = 24;
            for (const auto& row : test::read_tsv(ref / "packets" / (rel.string() + ".tsv"))) {
                starts.push_back(at);
                std::size_t caplen = 0;
                const std::string& cap = row[test::col::cap_len];
                std::from_chars(cap.data(), cap.data() + cap.size(), caplen);
                at += 16 + caplen;
            }
            if (at != bytes.size() || starts.size() != whole.packets.size()) continue;  // trailing bytes, other layouts
        }
        for (int k = 0; k < 4; ++k) {
            const std::size_t cut = std::uniform_int_distribution<std::size_t>(24, bytes.size() - 1)(rng);
            const reading part = read_bytes(std::span{bytes}.first(cut));
            ++cuts;
            std::string why;
            if (part.packets.size() > whole.packets.size() ||
                !std::equal(part.packets.begin(), part.packets.end(), whole.packets.begin()))
                why = "delivered packets are not a prefix of the whole file's";
            if (classic) {
                ++pcap_cuts;
                // Packets wholly before the cut, and the record the cut goes through.
                std::size_t complete = 0;
                while (complete < starts.size() &&
                       (complete + 1 < starts.size() ? starts[complete + 1] : bytes.size()) <= cut)
                    ++complete;
                const bool boundary = complete < starts.size() && starts[complete] == cut;
                if (part.packets.size() != complete)
                    why = fmt::format("{} packets delivered, {} lie wholly before the cut", part.packets.size(), complete);
                else if (boundary && part.error)
                    why = "a cut between records must end cleanly: " + part.error->message();
                else if (!boundary && (!part.error || part.error->code() != errc::truncated ||
                                       part.error->message().find(fmt::format("byte offset {}:", starts[complete])) ==
                                           std::string::npos))
                    why = fmt::format("expected truncation at byte offset {}, got: {}", starts[complete],
                                      part.error ? part.error->message() : "a clean end");
            } else if (part.error && part.error->code() != errc::truncated) {
                why = "a cut pcapng reported " + part.error->message();
            }
            if (!why.empty()) failures.push_back(fmt::format("{} cut at {}: {}", rel.string(), cut, why));
        }
    }
    INFO(files << " files, " << cuts << " cuts (" << pcap_cuts << " in classic pcap with exact expectations)");
    for (std::size_t i = 0; i < std::min<std::size_t>(failures.size(), 20); ++i) UNSCOPED_INFO(failures[i]);
    CHECK(failures.empty());
    CHECK(pcap_cuts > 4000);
}
