// pktdyn — the hashed handshake fingerprints: JA3, JA3S (MD5), JA4, JA4_o, JA4S (truncated SHA-256)
// and HASSH / HASSHServer (MD5). Their texts come from the parsers (proto/tls_fingerprint.hpp,
// proto/ssh.hpp, no OpenSSL); this header hashes them and needs pktdyn::crypto.
#pragma once

#include <string>

#include "pktdyn/crypto/digest.hpp"
#include "pktdyn/proto/ssh.hpp"
#include "pktdyn/proto/tls_fingerprint.hpp"

namespace pktdyn::tls {

namespace detail {
/// JA4's list hash: the first 12 hex digits of the SHA-256 of the list; twelve zeros when empty.
[[nodiscard]] inline std::string ja4_hash(const std::string& list) {
    return list.empty() ? std::string(12, '0') : crypto::sha256_hex(list, 12);
}
}  // namespace detail

/// JA3: MD5 of ja3_string, 32 lowercase hex digits.
[[nodiscard]] inline std::string ja3(const client_hello& h) { return crypto::md5_hex(ja3_string(h)); }
/// JA3S: MD5 of ja3s_string.
[[nodiscard]] inline std::string ja3s(const server_hello& h) { return crypto::md5_hex(ja3s_string(h)); }

/// JA4 (e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1").
[[nodiscard]] inline std::string ja4(const client_hello& h, transport t = transport::tcp) {
    const auto l = detail::ja4_compute(h, t, false);
    return l.a + '_' + detail::ja4_hash(l.ciphers) + '_' + detail::ja4_hash(l.extensions);
}
/// JA4_o: JA4 over the lists in wire order, SNI and ALPN kept.
[[nodiscard]] inline std::string ja4_o(const client_hello& h, transport t = transport::tcp) {
    const auto l = detail::ja4_compute(h, t, true);
    return l.a + '_' + detail::ja4_hash(l.ciphers) + '_' + detail::ja4_hash(l.extensions);
}
/// JA4S (e.g. "t120400_c030_4e8089b08790").
[[nodiscard]] inline std::string ja4s(const server_hello& h, transport t = transport::tcp) {
    const auto [a, list] = detail::ja4s_parts(h, t);
    return a + '_' + detail::ja4_hash(list);
}

}  // namespace pktdyn::tls

namespace pktdyn {

/// HASSH (server = false, of the client's KEXINIT) or HASSHServer (server = true): 32 lowercase hex
/// digits, empty when hassh_algorithms() is.
[[nodiscard]] inline std::string hassh_md5(const ssh_kexinit& k, bool server) {
    const std::string s = hassh_algorithms(k, server);
    return s.empty() ? std::string{} : crypto::md5_hex(s);
}

}  // namespace pktdyn
