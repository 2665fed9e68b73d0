// pktdyn — QUIC Initial packet protection removal (RFC 9001 §5, RFC 9369 §3.3), through
// OpenSSL's libcrypto EVP interfaces (link pktdyn::crypto).
//
// Initial packets are encrypted with keys every observer can derive: HKDF-Extract over the
// client's first Destination Connection ID with a salt the version publishes, then
// HKDF-Expand-Label for each direction's key, IV and header protection key. The protection
// only stops middleboxes from ossifying on the cleartext (RFC 9001 §5.2); what it hides, the
// TLS ClientHello and ServerHello, is what a TLS-over-TCP observer sees in the clear.
//
// initial_decryptor derives the keys once per connection, keeps one AES-128-GCM and one
// AES-128-ECB context per direction keyed once, and per packet only sets the nonce: no
// allocation per packet, the plaintext goes into the caller's buffer.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "pktdyn/proto/quic.hpp"

namespace pktdyn::crypto {

using salt = std::array<std::uint8_t, 20>;

/// The Initial salt of a version, or nullptr when pktdyn knows none.
///   v1 and drafts 33-34 (RFC 9001 §5.2), v2 and its draft code point (RFC 9369 §3.3.1),
///   drafts 29-32 and 23-28 and 22 (draft-ietf-quic-tls-29 / -23 / -22 §5.2), mvfst by the draft
///   it follows, Google's Q050 / T050 / T051 (Chromium quiche, crypto_utils.cc), and reserved
///   0x?a?a?a?a versions as draft 29 (what their senders use; Wireshark and nDPI assume it too).
[[nodiscard]] inline const salt* initial_salt(std::uint32_t version) noexcept {
    static constexpr salt v1{0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                             0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
    static constexpr salt v2{0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                             0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
    static constexpr salt draft29{0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
                                  0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};
    static constexpr salt draft23{0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
                                  0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02};
    static constexpr salt draft22{0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
                                  0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a};
    static constexpr salt q050{0x50, 0x45, 0x74, 0xef, 0xd0, 0x66, 0xfe, 0x2f, 0x9d, 0x94,
                               0x5c, 0xfc, 0xdb, 0xd3, 0xa7, 0xf0, 0xd3, 0xb5, 0x6b, 0x45};
    static constexpr salt t050{0x7f, 0xf5, 0x79, 0xe5, 0xac, 0xd0, 0x72, 0x91, 0x55, 0x80,
                               0x30, 0x4c, 0x43, 0xa2, 0x36, 0x7c, 0x60, 0x48, 0x83, 0x10};
    static constexpr salt t051{0x7a, 0x4e, 0xde, 0xf4, 0xe7, 0xcc, 0xee, 0x5f, 0xa4, 0x50,
                               0x6c, 0x19, 0x12, 0x4f, 0xc8, 0xcc, 0xda, 0x6e, 0x03, 0x3d};
    const auto info = quic::classify(version);
    if (!info.initial_keys) return nullptr;
    switch (info.family) {
        case quic::version_family::v1: return &v1;
        case quic::version_family::v2: return &v2;
        case quic::version_family::google_q: return info.number == 50 ? &q050 : nullptr;
        case quic::version_family::google_t: return info.number == 50 ? &t050 : &t051;
        case quic::version_family::ietf_draft:
        case quic::version_family::mvfst:
        case quic::version_family::forced_negotiation:
            return info.number >= 33 ? &v1 : info.number >= 29 ? &draft29 : info.number >= 23 ? &draft23 : &draft22;
        default: return nullptr;
    }
}

/// One direction's Initial packet protection keys (AEAD_AES_128_GCM, RFC 9001 §5.3).
struct initial_keys {
    std::array<std::uint8_t, 16> key{};
    std::array<std::uint8_t, 12> iv{};
    std::array<std::uint8_t, 16> hp{};
};

struct initial_secrets {
    std::array<std::uint8_t, 32> initial{}, client{}, server{};
    initial_keys client_keys, server_keys;
};

namespace detail {

// Algorithms fetched once per process: OpenSSL 3 looks up implicitly named ones (under a lock) on
// every use, which costs more than a QUIC connection's whole key schedule.
[[nodiscard]] inline const EVP_CIPHER* aes_128_gcm() noexcept {
    static EVP_CIPHER* const c = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
    return c;
}
[[nodiscard]] inline const EVP_CIPHER* aes_128_ecb() noexcept {
    static EVP_CIPHER* const c = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
    return c;
}
[[nodiscard]] inline EVP_KDF* hkdf_kdf() noexcept {
    static EVP_KDF* const k = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    return k;
}

/// HKDF (RFC 5869) with SHA-256 through EVP_KDF: extract when `salt_or_empty` is given, else
/// expand `key` with `info`. True on success.
[[nodiscard]] inline bool hkdf(EVP_KDF* kdf, int mode, std::span<const std::uint8_t> key,
                               std::span<const std::uint8_t> salt_bytes, std::span<const std::uint8_t> info,
                               std::span<std::uint8_t> out) noexcept {
    // One context per thread with its digest set once: naming the digest on every derivation would
    // look SHA-256 up again each time (OpenSSL 3 fetches by name, under a lock).
    struct context {
        EVP_KDF_CTX* ctx = nullptr;
        explicit context(EVP_KDF* k) : ctx(EVP_KDF_CTX_new(k)) {
            char digest[] = "SHA256";
            const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                                         OSSL_PARAM_construct_end()};
            if (ctx && EVP_KDF_CTX_set_params(ctx, params) != 1) {
                EVP_KDF_CTX_free(ctx);
                ctx = nullptr;
            }
        }
        ~context() { EVP_KDF_CTX_free(ctx); }
        context(const context&) = delete;
        context& operator=(const context&) = delete;
    };
    thread_local context c{kdf};
    if (!c.ctx) return false;
    // A zero-length key is legal for HKDF but OpenSSL's parameter needs a non-null pointer.
    static const std::uint8_t empty = 0;
    OSSL_PARAM params[4];
    std::size_t n = 0;
    params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(key.empty() ? &empty : key.data()), key.size());
    if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY)
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                                        const_cast<std::uint8_t*>(salt_bytes.data()), salt_bytes.size());
    else
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<std::uint8_t*>(info.data()),
                                                        info.size());
    params[n] = OSSL_PARAM_construct_end();
    return EVP_KDF_derive(c.ctx, out.data(), out.size(), params) == 1;
}

/// HKDF-Expand-Label(secret, label, "", out.size()) of TLS 1.3 (RFC 8446 §7.1).
[[nodiscard]] inline bool expand_label(EVP_KDF* kdf, std::span<const std::uint8_t> secret, std::string_view label,
                                       std::span<std::uint8_t> out) noexcept {
    std::array<std::uint8_t, 2 + 1 + 6 + 32 + 1> info{};
    constexpr std::string_view prefix = "tls13 ";
    if (label.size() > 32) return false;
    std::size_t n = 0;
    info[n++] = static_cast<std::uint8_t>(out.size() >> 8);
    info[n++] = static_cast<std::uint8_t>(out.size());
    info[n++] = static_cast<std::uint8_t>(prefix.size() + label.size());
    for (char ch : prefix) info[n++] = static_cast<std::uint8_t>(ch);
    for (char ch : label) info[n++] = static_cast<std::uint8_t>(ch);
    info[n++] = 0;  // empty context
    return hkdf(kdf, EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, {}, {info.data(), n}, out);
}

/// RFC 9000 Appendix A.3: the full packet number nearest to the one expected next.
[[nodiscard]] constexpr std::uint64_t decode_packet_number(std::int64_t largest, std::uint64_t truncated,
                                                           unsigned bits) noexcept {
    const std::uint64_t expected = static_cast<std::uint64_t>(largest + 1);
    const std::uint64_t win = std::uint64_t{1} << bits, half = win / 2, mask = win - 1;
    const std::uint64_t candidate = (expected & ~mask) | truncated;
    if (candidate + half <= expected && candidate < (std::uint64_t{1} << 62) - win) return candidate + win;
    if (candidate > expected + half && candidate >= win) return candidate - win;
    return candidate;
}

}  // namespace detail

/// The Initial secrets and keys of both directions for `version`, from the client's original
/// Destination Connection ID. False for a version without known Initial keys or if libcrypto fails.
[[nodiscard]] inline bool derive_initial_secrets(std::uint32_t version, std::span<const std::byte> client_dcid,
                                                 initial_secrets& out) noexcept {
    const salt* s = initial_salt(version);
    if (!s) return false;
    EVP_KDF* kdf = detail::hkdf_kdf();
    if (!kdf) return false;
    const bool v2 = quic::classify(version).v2_types;
    const std::string_view key_label = v2 ? "quicv2 key" : "quic key";
    const std::string_view iv_label = v2 ? "quicv2 iv" : "quic iv";
    const std::string_view hp_label = v2 ? "quicv2 hp" : "quic hp";
    const std::span<const std::uint8_t> dcid{reinterpret_cast<const std::uint8_t*>(client_dcid.data()),
                                             client_dcid.size()};
    bool ok = detail::hkdf(kdf, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, dcid, *s, {}, out.initial) &&
              detail::expand_label(kdf, out.initial, "client in", out.client) &&
              detail::expand_label(kdf, out.initial, "server in", out.server);
    for (auto [secret, keys] : {std::pair{&out.client, &out.client_keys}, std::pair{&out.server, &out.server_keys}})
        ok = ok && detail::expand_label(kdf, *secret, key_label, keys->key) &&
             detail::expand_label(kdf, *secret, iv_label, keys->iv) && detail::expand_label(kdf, *secret, hp_label, keys->hp);
    return ok;
}

enum class initial_error : std::uint8_t {
    none,
    not_long_header,        ///< not a QUIC long header packet (or its header is malformed)
    not_initial,            ///< a long header packet of another type
    unsupported_version,    ///< no Initial keys known for this version
    truncated,              ///< the packet's Length runs past the captured bytes
    too_short_for_sample,   ///< fewer than 4 + 16 bytes after the packet number offset
    no_keys,                ///< set_connection() was not called (or failed)
    output_too_small,       ///< the caller's buffer is shorter than the ciphertext
    authentication_failed,  ///< the AEAD tag did not verify: wrong DCID, version, or damaged bytes
    crypto_failure,         ///< libcrypto refused an operation (out of memory, no provider)
};

[[nodiscard]] constexpr std::string_view to_string(initial_error e) noexcept {
    constexpr std::string_view names[] = {"none",
                                          "not a QUIC long header",
                                          "not an Initial packet",
                                          "unsupported QUIC version",
                                          "truncated packet",
                                          "too short for the header protection sample",
                                          "no Initial keys set",
                                          "output buffer too small",
                                          "authentication failed",
                                          "libcrypto failure"};
    return names[static_cast<std::size_t>(e)];
}

enum class sender : std::uint8_t { client, server };

/// A decrypted Initial packet.
struct opened_initial {
    std::uint8_t first_byte = 0;      ///< with header protection removed
    std::uint8_t pn_length = 0;       ///< 1..4 bytes on the wire
    std::uint64_t packet_number = 0;  ///< the full packet number (RFC 9000 §A.3)
    std::span<const std::byte> payload;  ///< the plaintext frames, in the caller's buffer
};

/// Removes Initial packet protection for one connection, both directions. Keys are derived once
/// (set_connection) from the client's original DCID; the server's Initials use keys from that
/// same DCID. Movable, not copyable; frees its EVP contexts when destroyed.
class initial_decryptor {
public:
    initial_decryptor() noexcept = default;
    ~initial_decryptor() { release(); }
    initial_decryptor(const initial_decryptor&) = delete;
    initial_decryptor& operator=(const initial_decryptor&) = delete;
    initial_decryptor(initial_decryptor&& o) noexcept { *this = std::move(o); }
    initial_decryptor& operator=(initial_decryptor&& o) noexcept {
        if (this != &o) {
            release();
            dirs_ = std::exchange(o.dirs_, {});
            secrets_ = o.secrets_;
            dcid_ = o.dcid_;
            dcid_size_ = o.dcid_size_;
            version_ = o.version_;
            ready_ = std::exchange(o.ready_, false);
        }
        return *this;
    }

    /// Derives the connection's keys from the client's first Initial: its version and DCID.
    [[nodiscard]] initial_error set_connection(std::uint32_t version, std::span<const std::byte> client_dcid) noexcept {
        ready_ = false;
        if (client_dcid.size() > dcid_.size()) return initial_error::not_long_header;
        std::copy(client_dcid.begin(), client_dcid.end(), dcid_.begin());
        dcid_size_ = static_cast<std::uint8_t>(client_dcid.size());
        return rekey(version);
    }
    /// Keys are set: open() can decrypt.
    [[nodiscard]] bool ready() const noexcept { return ready_; }
    [[nodiscard]] std::uint32_t version() const noexcept { return version_; }
    /// The secrets and keys in use (RFC 9001 Appendix A.1 lists them for its example DCID).
    [[nodiscard]] const initial_secrets& secrets() const noexcept { return secrets_; }

    /// Removes header protection and decrypts one Initial packet `h` (a long_header parsed from
    /// the datagram) sent by `from`, writing the plaintext into `out` (at least h.size bytes
    /// is always enough). A packet of another version than the keys' (compatible version
    /// negotiation, RFC 9369 §4) re-derives the keys from the same DCID.
    [[nodiscard]] initial_error open(const quic::long_header& h, sender from, std::span<std::byte> out,
                                     opened_initial& result) noexcept {
        if (h.status == quic::parse_status::truncated) return initial_error::truncated;
        if (h.status == quic::parse_status::unsupported) return initial_error::unsupported_version;
        if (!h.ok()) return initial_error::not_long_header;
        if (h.type != quic::packet_type::initial) return initial_error::not_initial;
        if (!initial_salt(h.version)) return initial_error::unsupported_version;
        if (!ready_) return initial_error::no_keys;
        if (h.version != version_)
            if (const auto e = rekey(h.version); e != initial_error::none) return e;
        const auto* p = reinterpret_cast<const std::uint8_t*>(h.packet.data());
        // The sample starts 4 bytes after the packet number offset (RFC 9001 §5.4.2).
        if (h.size < h.pn_offset + 4 + 16) return initial_error::too_short_for_sample;
        direction& d = dirs_[from == sender::client ? 0 : 1];

        std::array<std::uint8_t, 32> mask{};
        int n = 0;
        if (EVP_EncryptUpdate(d.hp, mask.data(), &n, p + h.pn_offset + 4, 16) != 1 || n != 16)
            return initial_error::crypto_failure;
        const auto first = static_cast<std::uint8_t>(p[0] ^ (mask[0] & 0x0f));
        const std::size_t pn_length = (first & 3u) + 1;
        std::array<std::uint8_t, 4> pn_bytes{};
        std::uint64_t truncated = 0;
        for (std::size_t i = 0; i < pn_length; ++i) {
            pn_bytes[i] = static_cast<std::uint8_t>(p[h.pn_offset + i] ^ mask[1 + i]);
            truncated = truncated << 8 | pn_bytes[i];
        }
        const std::uint64_t pn = detail::decode_packet_number(d.largest_pn, truncated, static_cast<unsigned>(8 * pn_length));

        const std::size_t header_size = h.pn_offset + pn_length;
        const std::size_t cipher_size = h.size - header_size - 16;
        if (out.size() < cipher_size) return initial_error::output_too_small;
        std::array<std::uint8_t, 12> nonce = d.iv;
        for (std::size_t i = 0; i < 8; ++i) nonce[4 + i] ^= static_cast<std::uint8_t>(pn >> (56 - 8 * i));
        std::array<std::uint8_t, 16> tag{};
        std::copy_n(p + h.size - 16, 16, tag.begin());

        // AAD: the header with protection removed, given in pieces so it is never copied.
        auto* plain = reinterpret_cast<unsigned char*>(out.data());
        int m = 0;
        if (EVP_DecryptInit_ex(d.aead, nullptr, nullptr, nullptr, nonce.data()) != 1 ||
            EVP_DecryptUpdate(d.aead, nullptr, &n, &first, 1) != 1 ||
            EVP_DecryptUpdate(d.aead, nullptr, &n, p + 1, static_cast<int>(h.pn_offset - 1)) != 1 ||
            EVP_DecryptUpdate(d.aead, nullptr, &n, pn_bytes.data(), static_cast<int>(pn_length)) != 1 ||
            (cipher_size && EVP_DecryptUpdate(d.aead, plain, &m, p + header_size, static_cast<int>(cipher_size)) != 1) ||
            EVP_CIPHER_CTX_ctrl(d.aead, EVP_CTRL_GCM_SET_TAG, 16, tag.data()) != 1)
            return initial_error::crypto_failure;
        int tail = 0;
        if (EVP_DecryptFinal_ex(d.aead, plain + m, &tail) != 1) return initial_error::authentication_failed;

        d.largest_pn = std::max(d.largest_pn, static_cast<std::int64_t>(pn));
        result.first_byte = first;
        result.pn_length = static_cast<std::uint8_t>(pn_length);
        result.packet_number = pn;
        result.payload = out.first(cipher_size);
        return initial_error::none;
    }

private:
    struct direction {
        EVP_CIPHER_CTX* aead = nullptr;
        EVP_CIPHER_CTX* hp = nullptr;
        std::array<std::uint8_t, 12> iv{};
        std::int64_t largest_pn = -1;
    };

    initial_error rekey(std::uint32_t version) noexcept {
        ready_ = false;
        version_ = version;
        if (!initial_salt(version)) return initial_error::unsupported_version;
        if (!derive_initial_secrets(version, {dcid_.data(), dcid_size_}, secrets_)) return initial_error::crypto_failure;
        for (int i = 0; i < 2; ++i) {
            direction& d = dirs_[i];
            const initial_keys& k = i == 0 ? secrets_.client_keys : secrets_.server_keys;
            if (!d.aead) d.aead = EVP_CIPHER_CTX_new();
            if (!d.hp) d.hp = EVP_CIPHER_CTX_new();
            if (!d.aead || !d.hp) return initial_error::crypto_failure;
            if (!detail::aes_128_gcm() || !detail::aes_128_ecb() ||
                EVP_DecryptInit_ex(d.aead, detail::aes_128_gcm(), nullptr, k.key.data(), nullptr) != 1 ||
                EVP_EncryptInit_ex(d.hp, detail::aes_128_ecb(), nullptr, k.hp.data(), nullptr) != 1 ||
                EVP_CIPHER_CTX_set_padding(d.hp, 0) != 1)
                return initial_error::crypto_failure;
            d.iv = k.iv;
            d.largest_pn = -1;
        }
        ready_ = true;
        return initial_error::none;
    }

    void release() noexcept {
        for (auto& d : dirs_) {
            EVP_CIPHER_CTX_free(d.aead);
            EVP_CIPHER_CTX_free(d.hp);
            d = {};
        }
        ready_ = false;
    }

    std::array<direction, 2> dirs_{};
    initial_secrets secrets_{};
    std::array<std::byte, 255> dcid_{};
    std::uint8_t dcid_size_ = 0;
    std::uint32_t version_ = 0;
    bool ready_ = false;
};

}  // namespace pktdyn::crypto
