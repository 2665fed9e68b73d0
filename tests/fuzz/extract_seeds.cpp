// Writes fuzz seeds from captures (e.g. the shared corpus, at fuzzing time; never committed):
//   extract_seeds OUTDIR EVERY FILE|DIR...
// Every EVERY-th packet of a link type the decoder target knows becomes OUTDIR/<n>: its link-type
// index byte, then the packet.
//   extract_seeds --payloads tls|quic|ssh|dns OUTDIR FILE|DIR...
// Every transport payload that looks like that protocol's (a TLS or DTLS record, a QUIC long header,
// "SSH-" or an SSH packet after it, a UDP or TCP payload on port 53) becomes OUTDIR/<n>, behind the
// option byte its fuzz target reads (fuzz_tls: bit 0 DTLS; fuzz_quic: 0; fuzz_dns: bit 0 TCP).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_support.hpp"
#include "pktdyn/capture/capture_set.hpp"
#include "pktdyn/proto/decoder.hpp"
#include "pktdyn/proto/quic.hpp"
#include "pktdyn/proto/tls.hpp"

namespace {

int payloads(const std::string& protocol, const std::filesystem::path& out, int argc, char** argv) {
    std::filesystem::create_directories(out);
    pktdyn::decoder dec;
    pktdyn::decoded_packet d;
    long written = 0;
    for (int i = 0; i < argc; ++i) {
        auto set = std::filesystem::is_directory(argv[i]) ? pktdyn::capture_set::open_directory(argv[i], {}, true)
                                                          : pktdyn::capture_set::open({argv[i]});
        if (!set) continue;
        while (auto p = set->next()) {
            dec.decode(*p, d);
            const auto b = d.payload();
            if (!d.has_transport || b.size() < 5) continue;
            const bool tcp = d.transport == pktdyn::ip_protocol::tcp;
            const bool port53 = d.source_port == 53 || d.destination_port == 53;
            int option = -1;
            if (protocol == "tls" && tcp && pktdyn::tls::looks_like_record(b)) option = 0;
            else if (protocol == "tls" && !tcp && pktdyn::tls::looks_like_dtls_record(b)) option = 1;
            else if (protocol == "quic" && !tcp && pktdyn::quic::looks_like_quic(b).quic) option = 0;
            else if (protocol == "ssh" && tcp && std::string_view(reinterpret_cast<const char*>(b.data()), 4) == "SSH-") option = -2;
            else if (protocol == "dns" && port53) option = tcp ? 1 : 0;
            if (option == -1) continue;
            std::ofstream f(out / std::to_string(written++), std::ios::binary);
            if (option >= 0) {
                const char tag = static_cast<char>(option);
                f.write(&tag, 1);
            }
            f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
        }
    }
    std::printf("%ld %s payloads written to %s\n", written, protocol.c_str(), out.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 4 && std::string(argv[1]) == "--payloads") return payloads(argv[2], argv[3], argc - 4, argv + 4);
    if (argc < 4) {
        std::fprintf(stderr, "usage: extract_seeds OUTDIR EVERY FILE|DIR...\n");
        return 2;
    }
    const std::filesystem::path out = argv[1];
    const long every = std::stol(argv[2]);
    std::filesystem::create_directories(out);
    long n = 0, written = 0;
    for (int i = 3; i < argc; ++i) {
        auto set = std::filesystem::is_directory(argv[i]) ? pktdyn::capture_set::open_directory(argv[i], {}, true)
                                                          : pktdyn::capture_set::open({argv[i]});
        if (!set) continue;
        while (auto p = set->next()) {
            const int index = pktdyn::fuzz::link_index(p->link);
            if (index < 0 || n++ % every != 0) continue;
            std::ofstream f(out / std::to_string(written++), std::ios::binary);
            const char tag = static_cast<char>(index);
            f.write(&tag, 1);
            f.write(reinterpret_cast<const char*>(p->data.data()), static_cast<std::streamsize>(p->data.size()));
        }
    }
    std::printf("%ld seeds written to %s\n", written, out.c_str());
}
