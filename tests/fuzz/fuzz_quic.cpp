// libFuzzer target for QUIC: header parse, the coalesced-packet walk, Initial decryption with
// keys from the fuzzed DCID, the frame walk, CRYPTO reassembly, the short header and spin bit.
// Input: byte 0 holds options (bit 0: open as the server's; bits 1-5: short header DCID length),
// the rest is one UDP payload. Seeds: scripts/make_quic_seeds.py.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "pktdyn/crypto/quic_initial.hpp"
#include "pktdyn/proto/quic.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > 65536) return 0;
    const std::uint8_t options = data[0];
    const std::vector<std::byte> payload(reinterpret_cast<const std::byte*>(data) + 1,
                                         reinterpret_cast<const std::byte*>(data) + size);
    const auto from = options & 1 ? pktdyn::crypto::sender::server : pktdyn::crypto::sender::client;
    (void)pktdyn::quic::looks_like_quic(payload);

    static std::vector<std::byte> out(65536);
    pktdyn::quic::crypto_stream<4096> stream;
    pktdyn::crypto::initial_decryptor dec;
    pktdyn::quic::datagram_walker w{payload};
    pktdyn::quic::long_header h;
    while (w.next(h)) {
        if (h.size > payload.size() || h.pn_offset > h.size) __builtin_trap();
        for (std::size_t i = 0; i < h.version_count(); ++i) (void)h.supported_version(i);
        (void)pktdyn::quic::name_of(h.version);
        if (h.type != pktdyn::quic::packet_type::initial) continue;
        if (!dec.ready() && dec.set_connection(h.version, h.dcid) != pktdyn::crypto::initial_error::none) continue;
        pktdyn::crypto::opened_initial o;
        if (dec.open(h, from, out, o) == pktdyn::crypto::initial_error::none) {
            if (o.payload.size() > h.size) __builtin_trap();
            (void)pktdyn::quic::collect_crypto(o.payload, stream, h.version);
        }
    }
    // The frame walker and the stream on the raw bytes too: most mutations break the AEAD tag.
    (void)pktdyn::quic::collect_crypto(payload, stream);
    if (stream.contiguous().size() > stream.capacity) __builtin_trap();
    (void)stream.first_message_complete();

    const auto sh = pktdyn::quic::short_header::parse(w.rest(), (options >> 1) & 31);
    pktdyn::quic::spin_rtt spin;
    std::int64_t t = 0;
    for (const auto b : payload) spin.observe((std::to_integer<unsigned>(b) & 1) != 0, sh.ok && sh.spin, t += 1000);
    (void)spin.result();
    return 0;
}
