// libFuzzer target: the classic pcap reader over arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "pktdyn/capture/pcap_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto bytes = std::as_bytes(std::span{data, size});
    auto reader = pktdyn::pcap_reader::from_bytes(bytes);
    if (!reader) return 0;
    unsigned sum = 0;
    while (auto p = reader->next()) {
        for (std::byte b : p->data) sum += std::to_integer<unsigned>(b);  // every delivered byte is readable
        if (p->data.data() < bytes.data() || p->data.data() + p->data.size() > bytes.data() + bytes.size())
            __builtin_trap();  // a view outside the input
    }
    (void)reader->error();
    return static_cast<int>(sum & 0);
}
