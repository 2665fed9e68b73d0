// JA3 / JA3S / JA4 / JA4S against independent values.
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

namespace {

namespace tls = pktdyn::tls;

std::vector<std::byte> from_hex(std::string_view h) {
    std::vector<std::byte> out;
    auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<std::byte>(nib(h[i]) * 16 + nib(h[i + 1])));
    return out;
}



// chrome_like: expected values from scripts/tls_fingerprint_reference.py
const std::string_view chrome_like_hex =
    "010001480303000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20000000000000000000"
    "000000000000000000000000000000000000000000000000204a4a130113021303c02bc02fc02cc030cca9cca8c013c0"
    "14009c009d002f0035010000df2a2a0000001b000302000200000014001200000f7777772e6578616d706c652e636f6d"
    "0033002b00293a3a000100001d0020000000000000000000000000000000000000000000000000000000000000000000"
    "10000e000c02683208687474702f312e3144690005000302683200170000002d00020101000d00120010040308040401"
    "050308050501080606010005000501000000000023000000120000002b0007067a7a03040303ff01000100000b000201"
    "00000a000a00083a3a001d001700180015001400000000000000000000000000000000000000001a1a000100";

// spec_empty_sigalgs: expected values from scripts/tls_fingerprint_reference.py
const std::string_view spec_empty_sigalgs_hex =
    "010001380303000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20000000000000000000"
    "000000000000000000000000000000000000000000000000204a4a130113021303c02bc02fc02cc030cca9cca8c013c0"
    "14009c009d002f0035010000cf2a2a0000001b000302000200000014001200000f7777772e6578616d706c652e636f6d"
    "0033002b00293a3a000100001d0020000000000000000000000000000000000000000000000000000000000000000000"
    "10000e000c02683208687474702f312e3144690005000302683200170000002d00020101000d00020000000500050100"
    "0000000023000000120000002b0007067a7a03040303ff01000100000b00020100000a000a00083a3a001d0017001800"
    "15001400000000000000000000000000000000000000001a1a000100";

// tls12_no_sni: expected values from scripts/tls_fingerprint_reference.py
const std::string_view tls12_no_sni_hex =
    "010000580303000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00000ac02fc030009e00"
    "3300ff01000025000a0006000400170018000b000403000102000d000600040401020100170000ff01000100";

// quic_odd_alpn: expected values from scripts/tls_fingerprint_reference.py
const std::string_view quic_odd_alpn_hex =
    "010000640303000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00000413011303010000"
    "370000000e000c000009712e6578616d706c650010000a00080430abcd31026833002b0003020304000a00040002001d"
    "0039000401020000";

// tls10_no_extensions: expected values from scripts/tls_fingerprint_reference.py
const std::string_view tls10_no_extensions_hex =
    "0100002d0301000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f000006002f0035000a01"
    "00";

// dtls12_cookie: expected values from scripts/tls_fingerprint_reference.py
const std::string_view dtls12_cookie_hex =
    "0100006a000000000000006afefd000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0010"
    "000102030405060708090a0b0c0d0e0f0004c02bc00a0100002c000a000400020017000b000201000010000900070677"
    "6562727463000d000400020403000e00050002000100";

// many_ciphers: expected values from scripts/tls_fingerprint_reference.py
const std::string_view many_ciphers_hex =
    "010001330302000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0000f001000101010201"
    "03010401050106010701080109010a010b010c010d010e010f0110011101120113011401150116011701180119011a01"
    "1b011c011d011e011f0120012101220123012401250126012701280129012a012b012c012d012e012f01300131013201"
    "33013401350136013701380139013a013b013c013d013e013f0140014101420143014401450146014701480149014a01"
    "4b014c014d014e014f0150015101520153015401550156015701580159015a015b015c015d015e015f01600161016201"
    "63016401650166016701680169016a016b016c016d016e016f017001710172017301740175017601770100001a001000"
    "04000201780000000e000c0000096d2e6578616d706c65";

// server_tls12_spec: expected values from scripts/tls_fingerprint_reference.py
const std::string_view server_tls12_spec_hex =
    "0200003903036465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f8081828300c03000001100050000"
    "00170000ff0100010000000000";

// server_tls13: expected values from scripts/tls_fingerprint_reference.py
const std::string_view server_tls13_hex =
    "0200005f03036465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283001301000037002b0002"
    "030400330024001d00200000000000000000000000000000000000000000000000000000000000000000001000050003"
    "026832";

tls::client_hello client(std::string_view hex, std::vector<std::byte>& storage, bool dtls = false) {
    storage = from_hex(hex);
    const auto h = tls::client_hello::parse_message(storage, dtls);
    REQUIRE(h.status == tls::parse_status::complete);
    return h;
}

tls::server_hello server(std::string_view hex, std::vector<std::byte>& storage) {
    storage = from_hex(hex);
    const auto h = tls::server_hello::parse_message(storage);
    REQUIRE(h.status == tls::parse_status::complete);
    return h;
}

}  // namespace

TEST_CASE("JA4 reproduces the FoxIO specification's example hello", "[proto][tls_fingerprint]") {
    // JA4.md publishes all four values for this cipher / extension / signature algorithm list.
    std::vector<std::byte> b;
    const auto h = client(chrome_like_hex, b);
    CHECK(tls::ja4(h) == "t13d1516h2_8daaf6152771_e5627efa2ab1");
    CHECK(tls::ja4_r(h) == "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601");
    CHECK(tls::ja4_o(h) == "t13d1516h2_acb858a92679_18f69afefd3d");
    CHECK(tls::ja4_ro(h) == "t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_0403,0804,0401,0503,0805,0501,0806,0601");
    CHECK(tls::ja3_string(h) == "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0");
    CHECK(tls::ja3(h) == "c000e2caf3a25423f9de6c8a4b12a975");  // tshark 4.0 prints the same tls.handshake.ja3
    CHECK(h.server_name == "www.example.com");
}

TEST_CASE("JA4 of a hello whose signature_algorithms list is empty ends without an underscore", "[proto][tls_fingerprint]") {
    // JA4.md: the extension list alone hashes to 6d807ffa2a79.
    std::vector<std::byte> b;
    const auto h = client(spec_empty_sigalgs_hex, b);
    CHECK(tls::ja4(h) == "t13d1516h2_8daaf6152771_6d807ffa2a79");
    CHECK(tls::ja4_r(h) == "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01");
    CHECK(tls::ja4_o(h) == "t13d1516h2_acb858a92679_95d823234c97");
}

TEST_CASE("JA3 and JA4 of a TLS 1.2 hello without SNI or ALPN", "[proto][tls_fingerprint]") {
    std::vector<std::byte> b;
    const auto h = client(tls12_no_sni_hex, b);
    CHECK(tls::ja3_string(h) == "771,49199-49200-158-51-255,10-11-13-23-65281,23-24,0-1-2");
    CHECK(tls::ja3(h) == "b551cd9e5d440fef4b5457609dff65ae");
    CHECK(tls::ja4(h) == "t12i050500_68e199c2e5f8_b1481355653e");
    CHECK(tls::ja4_o(h) == "t12i050500_71c7ad4cf203_b1481355653e");
    CHECK(tls::ja4_r(h) == "t12i050500_0033,009e,00ff,c02f,c030_000a,000b,000d,0017,ff01_0401,0201");
    CHECK(tls::ja4_ro(h) == "t12i050500_c02f,c030,009e,0033,00ff_000a,000b,000d,0017,ff01_0401,0201");
}

TEST_CASE("JA4 over QUIC with a non-alphanumeric ALPN value uses its hex digits", "[proto][tls_fingerprint]") {
    std::vector<std::byte> b;
    const auto h = client(quic_odd_alpn_hex, b);
    CHECK(tls::ja3_string(h) == "771,4865-4867,0-16-43-10-57,29,");
    CHECK(tls::ja3(h) == "9efb253fa6f4bb95871c70164ed484ad");
    CHECK(tls::ja4(h, tls::transport::quic) == "q13d020501_88d8eb61a8ee_6e5aa5b2101a");
    CHECK(tls::ja4_o(h, tls::transport::quic) == "q13d020501_88d8eb61a8ee_d0b655f601a2");
    CHECK(tls::ja4_r(h, tls::transport::quic) == "q13d020501_1301,1303_000a,002b,0039");
    CHECK(tls::ja4_ro(h, tls::transport::quic) == "q13d020501_1301,1303_0000,0010,002b,000a,0039");
    CHECK(tls::ja4(h).front() == 't');  // the transport is the caller's to say
}

TEST_CASE("JA4 of a hello without extensions hashes the empty list to zeros", "[proto][tls_fingerprint]") {
    std::vector<std::byte> b;
    const auto h = client(tls10_no_extensions_hex, b);
    CHECK(tls::ja3_string(h) == "769,47-53-10,,,");
    CHECK(tls::ja3(h) == "7bc4acc37e8095387bed8c0b30a6081a");
    CHECK(tls::ja4(h) == "t10i030000_5704bdfc91c6_000000000000");
    CHECK(tls::ja4_o(h) == "t10i030000_e2ede0d25094_000000000000");
    CHECK(tls::ja4_r(h) == "t10i030000_000a,002f,0035_");
    CHECK(tls::ja4_ro(h) == "t10i030000_002f,0035,000a_");
    CHECK_FALSE(h.has_extensions);
}

TEST_CASE("JA3 and JA4 of a DTLS 1.2 hello with a cookie", "[proto][tls_fingerprint]") {
    std::vector<std::byte> b;
    const auto h = client(dtls12_cookie_hex, b, true);
    CHECK(tls::ja3_string(h) == "65277,49195-49162,10-11-16-13-14,23,0");
    CHECK(tls::ja3(h) == "e3cdb82bfc49cbfffe0c5e65dce3be6a");
    CHECK(tls::ja4(h, tls::transport::dtls) == "dd2i0205wc_7f0760813ee7_e7b9f644117a");
    CHECK(tls::ja4_o(h, tls::transport::dtls) == "dd2i0205wc_64da4a6c339d_0ab3f344631c");
    CHECK(tls::ja4_r(h, tls::transport::dtls) == "dd2i0205wc_c00a,c02b_000a,000b,000d,000e_0403");
    CHECK(tls::ja4_ro(h, tls::transport::dtls) == "dd2i0205wc_c02b,c00a_000a,000b,0010,000d,000e_0403");
}

TEST_CASE("JA4 caps the cipher count at 99 and treats a one-letter ALPN as both characters", "[proto][tls_fingerprint]") {
    std::vector<std::byte> b;
    const auto h = client(many_ciphers_hex, b);
    CHECK(tls::ja3(h) == "232aed2c18424afdbbeb067eb9381f4f");
    CHECK(tls::ja4(h) == "t11d9902xx_78cd3e4e4f62_000000000000");
    CHECK(tls::ja4_o(h) == "t11d9902xx_78cd3e4e4f62_3a8af68509fa");
}

TEST_CASE("JA4S and JA3S reproduce the FoxIO JA4S specification example", "[proto][tls_fingerprint]") {
    std::vector<std::byte> b;
    const auto h = server(server_tls12_spec_hex, b);
    CHECK(tls::ja3s_string(h) == "771,49200,5-23-65281-0");
    CHECK(tls::ja3s(h) == "7d8fd34fdb13a7fff30d5a52846b6c4c");  // tshark 4.0's tls.handshake.ja3s agrees
    CHECK(tls::ja4s(h) == "t120400_c030_4e8089b08790");
    CHECK(tls::ja4s_r(h) == "t120400_c030_0005,0017,ff01,0000");
}

TEST_CASE("JA4S of a TLS 1.3 ServerHello uses the selected version and ALPN", "[proto][tls_fingerprint]") {
    std::vector<std::byte> b;
    const auto h = server(server_tls13_hex, b);
    CHECK(tls::ja3s_string(h) == "771,4865,43-51-16");
    CHECK(tls::ja3s(h) == "b5d161dc269619705eba4f0e4a32116c");  // tshark 4.0's tls.handshake.ja3s agrees
    CHECK(tls::ja4s(h) == "t1303h2_1301_19fd10492780");
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
