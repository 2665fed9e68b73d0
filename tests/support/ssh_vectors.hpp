// SSH KEXINIT name-lists for the HASSH tests (proto/ssh_test.cpp, crypto/fingerprints_test.cpp).
#pragma once

#include <string_view>

namespace pktdyn::test::hassh_readme {

// The algorithm lists of salesforce/hassh's README: Example 1 (the Cyberduck 6.7.1 client) and
// Example 2 (an OpenSSH 5.3 server).
inline constexpr std::string_view cyberduck_kex =
    "curve25519-sha256@libssh.org,diffie-hellman-group-exchange-sha256,ecdh-sha2-nistp521,ecdh-sha2-nistp384,"
    "ecdh-sha2-nistp256,diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,"
    "diffie-hellman-group14-sha256,diffie-hellman-group15-sha512,diffie-hellman-group16-sha512,"
    "diffie-hellman-group17-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256@ssh.com,"
    "diffie-hellman-group15-sha256,diffie-hellman-group15-sha256@ssh.com,diffie-hellman-group15-sha384@ssh.com,"
    "diffie-hellman-group16-sha256,diffie-hellman-group16-sha384@ssh.com,diffie-hellman-group16-sha512@ssh.com,"
    "diffie-hellman-group18-sha512@ssh.com";
inline constexpr std::string_view cyberduck_enc =
    "aes128-cbc,aes128-ctr,aes192-cbc,aes192-ctr,aes256-cbc,aes256-ctr,blowfish-cbc,blowfish-ctr,cast128-cbc,"
    "cast128-ctr,idea-cbc,idea-ctr,serpent128-cbc,serpent128-ctr,serpent192-cbc,serpent192-ctr,serpent256-cbc,"
    "serpent256-ctr,3des-cbc,3des-ctr,twofish128-cbc,twofish128-ctr,twofish192-cbc,twofish192-ctr,twofish256-cbc,"
    "twofish256-ctr,twofish-cbc,arcfour,arcfour128,arcfour256";
inline constexpr std::string_view cyberduck_mac = "hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-sha2-256,hmac-sha2-512";
inline constexpr std::string_view cyberduck_cmp = "zlib@openssh.com,zlib,none";

inline constexpr std::string_view openssh53_kex =
    "diffie-hellman-group-exchange-sha256,diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1,"
    "diffie-hellman-group1-sha1";
inline constexpr std::string_view openssh53_enc =
    "aes128-ctr,aes192-ctr,aes256-ctr,arcfour256,arcfour128,aes128-cbc,3des-cbc,blowfish-cbc,cast128-cbc,aes192-cbc,"
    "aes256-cbc,arcfour,rijndael-cbc@lysator.liu.se";
inline constexpr std::string_view openssh53_mac =
    "hmac-md5,hmac-sha1,umac-64@openssh.com,hmac-ripemd160,hmac-ripemd160@openssh.com,hmac-sha1-96,hmac-md5-96";
inline constexpr std::string_view openssh53_cmp = "none,zlib@openssh.com";

}  // namespace pktdyn::test::hassh_readme
