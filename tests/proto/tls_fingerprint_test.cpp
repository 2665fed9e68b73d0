// The JA3 / JA3S / JA4 / JA4S texts against independent values (their hashes: crypto/fingerprints_test.cpp).
//
// * FoxIO's published examples: JA4.md's example (ja4, ja4_r, ja4_o, ja4_ro of a hello with the 15
//   ciphers / 16 extensions / 8 signature algorithms the spec lists) and JA4S.md's example.
// * The other expected values come from scripts/tls_fingerprint_reference.py, which builds each hello
//   from an abstract description and computes the fingerprints from that description following the
//   spec texts (it never parses the bytes). Its JA3 / JA3S values were cross-checked with tshark 4.0
//   (`scripts/tls_fingerprint_reference.py --tshark`: tls.handshake.ja3_full / ja3 / ja3s_full / ja3s
//   agree for every TCP case). The hex below is that script's output.
#include "pktdyn/proto/tls_fingerprint.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "support/tls_hellos.hpp"

using namespace pktdyn::test::hellos;

TEST_CASE("JA4 reproduces the FoxIO specification's example hello", "[proto][tls_fingerprint]") {
    // JA4.md publishes all four values for this cipher / extension / signature algorithm list.
    std::vector<std::byte> b;
    const auto h = client(chrome_like_hex, b);
    CHECK(tls::ja4_r(h) == "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601");
    CHECK(tls::ja4_ro(h) == "t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_0403,0804,0401,0503,0805,0501,0806,0601");
    CHECK(tls::ja3_string(h) == "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0");
    CHECK(h.server_name == "www.example.com");
}

TEST_CASE("JA4 of a hello whose signature_algorithms list is empty ends without an underscore", "[proto][tls_fingerprint]") {
    // JA4.md: the extension list alone hashes to 6d807ffa2a79.
    std::vector<std::byte> b;
    const auto h = client(spec_empty_sigalgs_hex, b);
    CHECK(tls::ja4_r(h) == "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01");
}

TEST_CASE("JA3 and JA4 of a TLS 1.2 hello without SNI or ALPN", "[proto][tls_fingerprint]") {
    std::vector<std::byte> b;
    const auto h = client(tls12_no_sni_hex, b);
    CHECK(tls::ja3_string(h) == "771,49199-49200-158-51-255,10-11-13-23-65281,23-24,0-1-2");
    CHECK(tls::ja4_r(h) == "t12i050500_0033,009e,00ff,c02f,c030_000a,000b,000d,0017,ff01_0401,0201");
    CHECK(tls::ja4_ro(h) == "t12i050500_c02f,c030,009e,0033,00ff_000a,000b,000d,0017,ff01_0401,0201");
}

TEST_CASE("JA4 over QUIC with a non-alphanumeric ALPN value uses its hex digits", "[proto][tls_fingerprint]") {
    std::vector<std::byte> b;
    const auto h = client(quic_odd_alpn_hex, b);
    CHECK(tls::ja3_string(h) == "771,4865-4867,0-16-43-10-57,29,");
    CHECK(tls::ja4_r(h, tls::transport::quic) == "q13d020501_1301,1303_000a,002b,0039");
    CHECK(tls::ja4_ro(h, tls::transport::quic) == "q13d020501_1301,1303_0000,0010,002b,000a,0039");
}

TEST_CASE("JA4 of a hello without extensions hashes the empty list to zeros", "[proto][tls_fingerprint]") {
    std::vector<std::byte> b;
    const auto h = client(tls10_no_extensions_hex, b);
    CHECK(tls::ja3_string(h) == "769,47-53-10,,,");
    CHECK(tls::ja4_r(h) == "t10i030000_000a,002f,0035_");
    CHECK(tls::ja4_ro(h) == "t10i030000_002f,0035,000a_");
    CHECK_FALSE(h.has_extensions);
}

TEST_CASE("JA3 and JA4 of a DTLS 1.2 hello with a cookie", "[proto][tls_fingerprint]") {
    std::vector<std::byte> b;
    const auto h = client(dtls12_cookie_hex, b, true);
    CHECK(tls::ja3_string(h) == "65277,49195-49162,10-11-16-13-14,23,0");
    CHECK(tls::ja4_r(h, tls::transport::dtls) == "dd2i0205wc_c00a,c02b_000a,000b,000d,000e_0403");
    CHECK(tls::ja4_ro(h, tls::transport::dtls) == "dd2i0205wc_c02b,c00a_000a,000b,0010,000d,000e_0403");
}

TEST_CASE("JA4 caps the cipher count at 99 and treats a one-letter ALPN as both characters", "[proto][tls_fingerprint]") {
    std::vector<std::byte> b;
    const auto h = client(many_ciphers_hex, b);
    CHECK(tls::ja4_r(h).starts_with("t11d9902xx_"));  // the reference script's JA4's first part
}

TEST_CASE("JA4S and JA3S reproduce the FoxIO JA4S specification example", "[proto][tls_fingerprint]") {
    std::vector<std::byte> b;
    const auto h = server(server_tls12_spec_hex, b);
    CHECK(tls::ja3s_string(h) == "771,49200,5-23-65281-0");
    CHECK(tls::ja4s_r(h) == "t120400_c030_0005,0017,ff01,0000");
}

TEST_CASE("JA4S of a TLS 1.3 ServerHello uses the selected version and ALPN", "[proto][tls_fingerprint]") {
    std::vector<std::byte> b;
    const auto h = server(server_tls13_hex, b);
    CHECK(tls::ja3s_string(h) == "771,4865,43-51-16");
    CHECK(tls::ja4s_r(h) == "t1303h2_1301_002b,0033,0010");
}

TEST_CASE("JA4's ALPN characters follow the specification's examples", "[proto][tls_fingerprint]") {
    // JA4.md "ALPN Extension Value": 0xAB -> "ab", 0xAB 0xCD -> "ad", 0x30 0xAB -> "3b",
    // 0x30 0x31 0xAB 0xCD -> "3d", 0x30 0xAB 0xCD 0x31 -> "01"; http/1.1 -> "h1"; none -> "00".
    using tls::detail::ja4_alpn;
    CHECK(ja4_alpn("\xab") == "ab");
    CHECK(ja4_alpn("\xab\xcd") == "ad");
    CHECK(ja4_alpn("0\xab") == "3b");
    CHECK(ja4_alpn("01\xab\xcd") == "3d");
    CHECK(ja4_alpn("0\xab\xcd" "1") == "01");
    CHECK(ja4_alpn("http/1.1") == "h1");
    CHECK(ja4_alpn("h2") == "h2");
    CHECK(ja4_alpn("") == "00");
}
