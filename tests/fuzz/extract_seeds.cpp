// Writes fuzz seeds from captures (e.g. the shared corpus, at fuzzing time; never committed):
//   extract_seeds OUTDIR EVERY FILE|DIR...
// Every EVERY-th packet of a link type the decoder target knows becomes OUTDIR/<n>: its link-type
// index byte, then the packet.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_support.hpp"
#include "pktdyn/capture/capture_set.hpp"

int main(int argc, char** argv) {
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
