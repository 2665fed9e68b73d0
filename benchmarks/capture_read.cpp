// Reading big.pcap: pktdyn's zero-copy reader against a libpcap pcap_next_ex loop and `cat`, in the
// same run. Before timing, pktdyn's packet and byte counts are checked against libpcap's.
#include <benchmark/benchmark.h>
#include <pcap/pcap.h>

#include <cstdint>
#include <string>

#include "bench_support.hpp"
#include "pktdyn/capture/capture_file.hpp"

namespace {

struct totals {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;  // sum of captured lengths
    std::uint64_t first_bytes = 0;  // sum of each packet's first byte: the data is really there
};

template <pktdyn::access_mode Mode>
totals read_pktdyn(const std::string& path) {
    auto f = pktdyn::capture_file::open(path, {.access = Mode});
    pktdyn::bench::verify(f.has_value(), "pktdyn opens " + path);
    totals t;
    while (auto p = f->next()) {
        ++t.packets;
        t.bytes += p->data.size();
        if (!p->data.empty()) t.first_bytes += std::to_integer<std::uint64_t>(p->data[0]);
    }
    pktdyn::bench::verify(!f->error(), "pktdyn reads " + path + " to the end");
    return t;
}

totals read_libpcap(const std::string& path) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    pktdyn::bench::verify(p != nullptr, std::string("libpcap opens ") + path + ": " + err);
    totals t;
    pcap_pkthdr* h;
    const u_char* data;
    while (pcap_next_ex(p, &h, &data) == 1) {
        ++t.packets;
        t.bytes += h->caplen;
        if (h->caplen) t.first_bytes += data[0];
    }
    pcap_close(p);
    return t;
}

const std::string& big() {
    static const std::string path = [] {
        const std::string p = pktdyn::bench::capture("big.pcap").string();
        const totals a = read_pktdyn<pktdyn::access_mode::map>(p), b = read_libpcap(p);
        const totals c = read_pktdyn<pktdyn::access_mode::stream>(p);
        pktdyn::bench::verify(a.packets == b.packets && a.bytes == b.bytes && a.first_bytes == b.first_bytes,
                              "pktdyn (mapped) and libpcap deliver the same packets and bytes");
        pktdyn::bench::verify(c.packets == b.packets && c.bytes == b.bytes && c.first_bytes == b.first_bytes,
                              "pktdyn (streamed) and libpcap deliver the same packets and bytes");
        return p;
    }();
    return path;
}

template <totals (*Read)(const std::string&)>
void read_capture(benchmark::State& state) {
    const std::string& path = big();
    pktdyn::bench::time_passes(state, path, Read, [&](const totals&, benchmark::State& s) {
        s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * std::filesystem::file_size(path)));
    });
}

void cat_to_dev_null(benchmark::State& state) {
    const std::string& path = big();
    const std::string cmd = "cat '" + path + "' > /dev/null";
    for (auto _ : state) pktdyn::bench::verify(std::system(cmd.c_str()) == 0, cmd);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * std::filesystem::file_size(path)));
}

}  // namespace

BENCHMARK(cat_to_dev_null)->Name("read big.pcap/cat")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);
BENCHMARK(read_capture<read_libpcap>)->Name("read big.pcap/libpcap pcap_next_ex")->Unit(benchmark::kMillisecond)
    ->UseRealTime()->MinTime(2);
BENCHMARK(read_capture<read_pktdyn<pktdyn::access_mode::map>>)->Name("read big.pcap/pktdyn capture_file, mapped")
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);
BENCHMARK(read_capture<read_pktdyn<pktdyn::access_mode::stream>>)
    ->Name("read big.pcap/pktdyn capture_file, streamed")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

BENCHMARK_MAIN();
