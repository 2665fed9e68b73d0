// Digests against the published test vectors: RFC 1321 §A.5 (MD5) and FIPS 180-2 Appendix B (SHA-256).
#include "pktdyn/crypto/digest.hpp"

#include <catch2/catch.hpp>

TEST_CASE("md5_hex reproduces RFC 1321's test suite", "[crypto][digest]") {
    CHECK(pktdyn::crypto::md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(pktdyn::crypto::md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(pktdyn::crypto::md5_hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
    CHECK(pktdyn::crypto::md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890") ==
          "57edf4a22be3c955ac49da2e2107b67a");
}

TEST_CASE("sha256_hex reproduces FIPS 180-2's examples and cuts to the digits asked for", "[crypto][digest]") {
    CHECK(pktdyn::crypto::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(pktdyn::crypto::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(pktdyn::crypto::sha256_hex("abc", 12) == "ba7816bf8f01");
}
