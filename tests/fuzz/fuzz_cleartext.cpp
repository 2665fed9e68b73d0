// libFuzzer target: what a flow says in the clear (features/cleartext.hpp). The input is a flow's
// payloads: each segment is a direction byte (low bit), a length byte, then that many bytes, each
// copied to an exact-size buffer so any overrun is caught; then the columns are written.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "pktdyn/features/cleartext.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    pktdyn::cleartext_evidence e;
    std::size_t at = 0;
    while (at + 2 <= size) {
        const int direction = data[at] & 1;
        const std::size_t length = std::min<std::size_t>(data[at + 1], size - at - 2);
        const std::vector<std::byte> segment(reinterpret_cast<const std::byte*>(data + at + 2),
                                             reinterpret_cast<const std::byte*>(data + at + 2 + length));
        pktdyn::flow_packet p;
        p.direction = direction;
        p.payload = segment;
        p.payload_length = static_cast<std::uint32_t>(segment.size());
        p.tcp = true;
        e.update(p);
        at += 2 + length;
    }
    std::vector<std::string> text(pktdyn::cleartext_evidence::text_features.size());
    std::vector<double> numbers(pktdyn::cleartext_evidence::features.size());
    e.write_text(text);
    e.write(numbers);
    if (text[0].size() > pktdyn::cleartext_evidence::kept_bytes) __builtin_trap();
    return 0;
}
