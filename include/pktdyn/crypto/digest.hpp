// pktdyn — message digests as lowercase hex, through OpenSSL's libcrypto (link pktdyn::crypto).
//
// Fingerprints name their hash: JA3, JA3S and HASSH are the MD5 of a text, JA4's parts are the
// first 12 hex digits of a SHA-256. Called once per flow when a record is written, never per packet.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <openssl/evp.h>

namespace pktdyn::crypto {

namespace detail {
/// An algorithm fetched once per process: OpenSSL 3 looks an implicitly named algorithm up (under a
/// lock) on every call, which costs more than hashing a fingerprint's few hundred bytes.
[[nodiscard]] inline const EVP_MD* md5() noexcept {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "MD5", nullptr);
    return md;
}
[[nodiscard]] inline const EVP_MD* sha256() noexcept {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

/// Appends the hex digest of `data` under `md` to `out`, cut to `hex_digits` (all when 0); nothing
/// if libcrypto fails.
inline void append_hex_digest(std::string& out, const EVP_MD* md, std::span<const std::byte> data, std::size_t hex_digits) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int n = 0;
    if (!md || EVP_Digest(data.data(), data.size(), digest.data(), &n, md, nullptr) != 1) return;
    constexpr char digits[] = "0123456789abcdef";
    const std::size_t length = hex_digits != 0 && hex_digits < 2 * n ? hex_digits : 2 * n;
    for (std::size_t i = 0; i < length; ++i) out.push_back(digits[i % 2 == 0 ? digest[i / 2] >> 4 : digest[i / 2] & 15]);
}
/// The hex digest of `data` under `md`, cut to `hex_digits` (all when 0); empty if libcrypto fails.
[[nodiscard]] inline std::string hex_digest(const EVP_MD* md, std::span<const std::byte> data, std::size_t hex_digits) {
    std::string hex;
    append_hex_digest(hex, md, data, hex_digits);
    return hex;
}
}  // namespace detail

/// MD5 of `text`, 32 lowercase hex digits (JA3, JA3S, HASSH).
[[nodiscard]] inline std::string md5_hex(std::string_view text) {
    return detail::hex_digest(detail::md5(), std::as_bytes(std::span{text.data(), text.size()}), 0);
}
/// Appends the MD5 of `text` to `out` (a reused string: no allocation once it has room).
inline void append_md5_hex(std::string& out, std::string_view text) {
    detail::append_hex_digest(out, detail::md5(), std::as_bytes(std::span{text.data(), text.size()}), 0);
}
/// SHA-256 of `text` as lowercase hex, the first `hex_digits` digits (JA4 uses 12).
[[nodiscard]] inline std::string sha256_hex(std::string_view text, std::size_t hex_digits = 64) {
    return detail::hex_digest(detail::sha256(), std::as_bytes(std::span{text.data(), text.size()}), hex_digits);
}

}  // namespace pktdyn::crypto
