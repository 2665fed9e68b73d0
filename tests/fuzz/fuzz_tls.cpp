// libFuzzer target: the TLS / DTLS parsers, fingerprints and X.509 summary on fuzz bytes. Byte 0's
// low bit says DTLS; the rest is walked three ways: as records (handshake records' messages parsed
// by type), as a bare handshake stream (QUIC CRYPTO data), and as one DER certificate. The bytes are
// copied to an exact-size buffer so any read past them is caught.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "pktdyn/crypto/x509.hpp"
#include "pktdyn/proto/tls.hpp"
#include "pktdyn/crypto/fingerprints.hpp"

namespace {

namespace tls = pktdyn::tls;

void check_view(std::span<const std::byte> inner, std::span<const std::byte> outer) {
    if (!inner.empty() && (inner.data() < outer.data() || inner.data() + inner.size() > outer.data() + outer.size()))
        __builtin_trap();
}

void handshake_messages(std::span<const std::byte> stream, bool dtls, std::span<const std::byte> all) {
    tls::handshake_walker walk{stream, dtls};
    for (int n = 0; n < 64; ++n) {
        const auto m = walk.next();
        if (!m) break;
        check_view(m->body, all);
        const auto t = dtls ? tls::transport::dtls : tls::transport::tcp;
        if (m->type == tls::handshake_type::client_hello) {
            const auto h = tls::client_hello::parse(*m);
            check_view(h.extensions.bytes(), all);
            for (const auto& e : h.extensions) check_view(e.data, all);
            for (auto a : h.alpn) check_view(std::as_bytes(std::span{a.data(), a.size()}), all);
            for (const auto& k : h.key_shares) check_view(k.key, all);
            (void)h.max_version();
            (void)tls::ja3(h);
            (void)tls::ja4(h, t);
            (void)tls::ja4_r(h, t);
            (void)tls::ja4_o(h, t);
            (void)tls::ja4_ro(h, t);
        } else if (m->type == tls::handshake_type::server_hello) {
            const auto h = tls::server_hello::parse(*m);
            for (const auto& e : h.extensions) check_view(e.data, all);
            (void)tls::ja3s(h);
            (void)tls::ja4s(h, t);
            (void)tls::ja4s_r(h, t);
        } else if (m->type == tls::handshake_type::certificate) {
            for (bool tls13 : {false, true}) {
                const auto l = tls::certificate_list::parse(*m, tls13);
                int k = 0;
                for (auto der : l) {
                    check_view(der, all);
                    if (k++ < 4) (void)pktdyn::crypto::summarize_certificate(der);
                }
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bool dtls = data[0] & 1;
    const std::vector<std::byte> bytes(reinterpret_cast<const std::byte*>(data + 1),
                                       reinterpret_cast<const std::byte*>(data + size));
    const std::span<const std::byte> all{bytes};

    (void)tls::looks_like_record(all);
    (void)tls::looks_like_dtls_record(all);
    tls::record_walker records{all, dtls};
    for (int n = 0; n < 256; ++n) {
        const auto r = records.next();
        if (!r) break;
        check_view(r->fragment, all);
        if (r->type == tls::content_type::handshake) handshake_messages(r->fragment, dtls, all);
        if (r->type == tls::content_type::alert) (void)tls::alert::parse(r->fragment);
        if (r->type == tls::content_type::change_cipher_spec) (void)tls::is_change_cipher_spec(r->fragment);
    }
    handshake_messages(all, dtls, all);
    const auto h = tls::client_hello::parse(all, dtls, all.size() + (data[0] & 2 ? 7 : 0));
    for (const auto& e : h.extensions) check_view(e.data, all);
    (void)pktdyn::crypto::summarize_certificate(all);
    return 0;
}
