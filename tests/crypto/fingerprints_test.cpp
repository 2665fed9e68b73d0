// JA3 / JA3S / JA4 / JA4S and HASSH hashes against independent values: FoxIO's JA4 / JA4S
// specification examples, salesforce/hassh's README, and scripts/tls_fingerprint_reference.py (whose
// JA3 / JA3S agree with tshark 4.0's tls.handshake.ja3 / ja3s).
#include "pktdyn/crypto/fingerprints.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "support/ssh_vectors.hpp"
#include "support/tls_hellos.hpp"

using namespace pktdyn::test::hellos;

TEST_CASE("JA4 reproduces the FoxIO specification's example hello: the hashes", "[crypto][fingerprints]") {
    // JA4.md publishes all four values for this cipher / extension / signature algorithm list.
    std::vector<std::byte> b;
    const auto h = client(chrome_like_hex, b);
    CHECK(tls::ja4(h) == "t13d1516h2_8daaf6152771_e5627efa2ab1");
    CHECK(tls::ja4_o(h) == "t13d1516h2_acb858a92679_18f69afefd3d");
    CHECK(tls::ja3(h) == "c000e2caf3a25423f9de6c8a4b12a975");  // tshark 4.0 prints the same tls.handshake.ja3
}

TEST_CASE("JA4 of a hello whose signature_algorithms list is empty ends without an underscore: the hashes", "[crypto][fingerprints]") {
    // JA4.md: the extension list alone hashes to 6d807ffa2a79.
    std::vector<std::byte> b;
    const auto h = client(spec_empty_sigalgs_hex, b);
    CHECK(tls::ja4(h) == "t13d1516h2_8daaf6152771_6d807ffa2a79");
    CHECK(tls::ja4_o(h) == "t13d1516h2_acb858a92679_95d823234c97");
}

TEST_CASE("JA3 and JA4 of a TLS 1.2 hello without SNI or ALPN: the hashes", "[crypto][fingerprints]") {
    std::vector<std::byte> b;
    const auto h = client(tls12_no_sni_hex, b);
    CHECK(tls::ja3(h) == "b551cd9e5d440fef4b5457609dff65ae");
    CHECK(tls::ja4(h) == "t12i050500_68e199c2e5f8_b1481355653e");
    CHECK(tls::ja4_o(h) == "t12i050500_71c7ad4cf203_b1481355653e");
}

TEST_CASE("JA4 over QUIC with a non-alphanumeric ALPN value uses its hex digits: the hashes", "[crypto][fingerprints]") {
    std::vector<std::byte> b;
    const auto h = client(quic_odd_alpn_hex, b);
    CHECK(tls::ja3(h) == "9efb253fa6f4bb95871c70164ed484ad");
    CHECK(tls::ja4(h, tls::transport::quic) == "q13d020501_88d8eb61a8ee_6e5aa5b2101a");
    CHECK(tls::ja4_o(h, tls::transport::quic) == "q13d020501_88d8eb61a8ee_d0b655f601a2");
    CHECK(tls::ja4(h).front() == 't');  // the transport is the caller's to say
}

TEST_CASE("JA4 of a hello without extensions hashes the empty list to zeros: the hashes", "[crypto][fingerprints]") {
    std::vector<std::byte> b;
    const auto h = client(tls10_no_extensions_hex, b);
    CHECK(tls::ja3(h) == "7bc4acc37e8095387bed8c0b30a6081a");
    CHECK(tls::ja4(h) == "t10i030000_5704bdfc91c6_000000000000");
    CHECK(tls::ja4_o(h) == "t10i030000_e2ede0d25094_000000000000");
}

TEST_CASE("JA3 and JA4 of a DTLS 1.2 hello with a cookie: the hashes", "[crypto][fingerprints]") {
    std::vector<std::byte> b;
    const auto h = client(dtls12_cookie_hex, b, true);
    CHECK(tls::ja3(h) == "e3cdb82bfc49cbfffe0c5e65dce3be6a");
    CHECK(tls::ja4(h, tls::transport::dtls) == "dd2i0205wc_7f0760813ee7_e7b9f644117a");
    CHECK(tls::ja4_o(h, tls::transport::dtls) == "dd2i0205wc_64da4a6c339d_0ab3f344631c");
}

TEST_CASE("JA4 caps the cipher count at 99 and treats a one-letter ALPN as both characters: the hashes", "[crypto][fingerprints]") {
    std::vector<std::byte> b;
    const auto h = client(many_ciphers_hex, b);
    CHECK(tls::ja3(h) == "232aed2c18424afdbbeb067eb9381f4f");
    CHECK(tls::ja4(h) == "t11d9902xx_78cd3e4e4f62_000000000000");
    CHECK(tls::ja4_o(h) == "t11d9902xx_78cd3e4e4f62_3a8af68509fa");
}

TEST_CASE("JA4S and JA3S reproduce the FoxIO JA4S specification example: the hashes", "[crypto][fingerprints]") {
    std::vector<std::byte> b;
    const auto h = server(server_tls12_spec_hex, b);
    CHECK(tls::ja3s(h) == "7d8fd34fdb13a7fff30d5a52846b6c4c");  // tshark 4.0's tls.handshake.ja3s agrees
    CHECK(tls::ja4s(h) == "t120400_c030_4e8089b08790");
}

TEST_CASE("JA4S of a TLS 1.3 ServerHello uses the selected version and ALPN: the hashes", "[crypto][fingerprints]") {
    std::vector<std::byte> b;
    const auto h = server(server_tls13_hex, b);
    CHECK(tls::ja3s(h) == "b5d161dc269619705eba4f0e4a32116c");  // tshark 4.0's tls.handshake.ja3s agrees
    CHECK(tls::ja4s(h) == "t1303h2_1301_19fd10492780");
}

namespace {
using namespace pktdyn::test::hassh_readme;

/// A KEXINIT with these ten name-lists, as ssh_kexinit::parse leaves it.
pktdyn::ssh_kexinit kexinit(std::array<std::string_view, 10> lists) {
    pktdyn::ssh_kexinit k;
    k.lists = lists;
    k.lists_read = 10;
    return k;
}
}  // namespace

TEST_CASE("HASSH of the client in the hassh README example", "[crypto][fingerprints]") {
    const auto k = kexinit({cyberduck_kex, "ssh-rsa,ssh-dss", cyberduck_enc, cyberduck_enc, cyberduck_mac,
                            cyberduck_mac, cyberduck_cmp, cyberduck_cmp, "", ""});
    // salesforce/hassh README, Example 1: "8a8ae540028bf433cd68356c1b9e8d5b  CyberDuck Version 6.7.1 (28683)".
    CHECK(pktdyn::hassh_md5(k, false) == "8a8ae540028bf433cd68356c1b9e8d5b");
}

TEST_CASE("HASSHServer hashes the server-to-client lists", "[crypto][fingerprints]") {
    const auto k = kexinit({openssh53_kex, "ssh-rsa,ssh-dss", "aes128-ctr", openssh53_enc, "hmac-sha1", openssh53_mac,
                            "none", openssh53_cmp, "", ""});
    // hassh README Example 2 gives the hasshServerAlgorithms string but no hash for it:
    // `printf '%s' '<that string>' | md5sum` gives b1c6c0d56317555b85c7005a3de29325 (nDPI reports
    // the same HASSH-S for an OpenSSH_5.6 server in its ssh.pcap test).
    CHECK(pktdyn::hassh_md5(k, true) == "b1c6c0d56317555b85c7005a3de29325");
}

TEST_CASE("HASSH is empty until the four lists it covers are read", "[crypto][fingerprints]") {
    auto k = kexinit({cyberduck_kex, "", cyberduck_enc, cyberduck_enc, cyberduck_mac, cyberduck_mac, "", "", "", ""});
    k.lists_read = 6;
    CHECK(pktdyn::hassh_md5(k, false).empty());
}
