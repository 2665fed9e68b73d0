#include "pktdyn/detect/cipher_suites.hpp"

#include <catch2/catch.hpp>

using namespace pktdyn;

// Spot checks by IANA name (the whole table is compared with tshark's names by
// tests/detect/check_cipher_table.py).
TEST_CASE("suites are weak by their names: NULL, EXPORT, anon, RC4, DES, CBC with SHA-1", "[detect][cipher_suites]") {
    CHECK(cipher_suites::of(0x0000).null);          // TLS_NULL_WITH_NULL_NULL
    CHECK(cipher_suites::of(0x003B).null);          // TLS_RSA_WITH_NULL_SHA256
    CHECK(cipher_suites::of(0x0003).export_grade);  // TLS_RSA_EXPORT_WITH_RC4_40_MD5
    CHECK(cipher_suites::of(0x0003).rc4);
    CHECK(cipher_suites::of(0x0034).anon);          // TLS_DH_anon_WITH_AES_128_CBC_SHA
    CHECK(cipher_suites::of(0xC011).rc4);           // TLS_ECDHE_RSA_WITH_RC4_128_SHA
    CHECK(cipher_suites::of(0x000A).des);           // TLS_RSA_WITH_3DES_EDE_CBC_SHA
    CHECK(cipher_suites::of(0x0009).des);           // TLS_RSA_WITH_DES_CBC_SHA
    CHECK(cipher_suites::of(0x002F).cbc_sha1);      // TLS_RSA_WITH_AES_128_CBC_SHA
    CHECK(cipher_suites::of(0xC013).cbc_sha1);      // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
    CHECK_FALSE(cipher_suites::of(0x003C).any());   // TLS_RSA_WITH_AES_128_CBC_SHA256
    CHECK_FALSE(cipher_suites::of(0xC02F).any());   // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    CHECK_FALSE(cipher_suites::of(0x1301).any());   // TLS_AES_128_GCM_SHA256
    CHECK_FALSE(cipher_suites::of(0xCCA8).any());   // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
}
