// pktdyn — TLS records and handshake messages out of one direction's byte stream, fed in pieces.
//
// TCP cuts a TLS stream anywhere: a record header may straddle two segments, a ClientHello may span
// several records, one record may hold several handshake messages. A tls::stream_reader is fed the
// direction's bytes in order (from tcp_stream) and calls its handler:
//   on_record(const stream_record&)                a record header is complete
//   on_handshake(std::span<const std::byte> message) a whole handshake message (4-byte header included)
// A handshake message inside one piece is handed over where it lies (no copy); one that spans pieces
// is gathered in a buffer allocated for it (up to max_message bytes: a longer one is handed over cut
// at that length, its header still saying the full length). After a ChangeCipherSpec `encrypted()`
// is true: in TLS <= 1.2 the handshake records that follow are encrypted (their "messages" are
// noise), while TLS 1.3's middlebox-compatible CCS may precede plaintext hellos (the ServerHello
// after a HelloRetryRequest), so messages keep coming and the handler decides. Bytes that are not
// TLS records end the reader (`not_tls()`).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>

namespace pktdyn::tls {

/// A TLS record header (RFC 8446 §5.1).
struct stream_record {
    std::uint8_t content_type = 0;  ///< 20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data, 24 heartbeat
    std::uint16_t version = 0;      ///< legacy_record_version
    std::uint16_t length = 0;       ///< bytes of the record's body
    std::span<const std::byte> first_bytes{};  ///< the body's bytes in the piece where the header ended (may be fewer than length)
};


namespace detail {
inline constexpr std::uint8_t change_cipher_spec_record = 20, handshake_record = 22;

/// Whether these bytes can start a TLS record: a known content type, major version 3 and a
/// length within the 2^14 + 2048 bytes TLS allows.
[[nodiscard]] inline bool plausible_record_header(std::span<const std::byte> b) noexcept {
    if (b.size() < 5) return false;
    const auto type = std::to_integer<std::uint8_t>(b[0]);
    const auto major = std::to_integer<std::uint8_t>(b[1]);
    const auto minor = std::to_integer<std::uint8_t>(b[2]);
    const unsigned length = std::to_integer<unsigned>(b[3]) << 8 | std::to_integer<unsigned>(b[4]);
    return type >= 20 && type <= 24 && major == 3 && minor <= 4 && length != 0 && length <= 18432;
}
}  // namespace detail

class stream_reader {
public:
    static constexpr std::size_t max_message = 65536;

    /// Feeds the next piece of the stream. Returns false once the reader wants no more bytes.
    template <class Handler>
    bool feed(std::span<const std::byte> piece, Handler& handler) noexcept {
        while (!piece.empty() && !not_tls_) {
            if (body_left_ == 0) {  // in a record header
                const std::size_t n = std::min<std::size_t>(5 - header_have_, piece.size());
                std::memcpy(header_.data() + header_have_, piece.data(), n);
                header_have_ = static_cast<std::uint8_t>(header_have_ + n);
                piece = piece.subspan(n);
                if (header_have_ < 5) break;
                header_have_ = 0;
                if (!detail::plausible_record_header(header_)) {
                    not_tls_ = true;
                    break;
                }
                stream_record r;
                r.content_type = std::to_integer<std::uint8_t>(header_[0]);
                r.version = static_cast<std::uint16_t>(std::to_integer<unsigned>(header_[1]) << 8 | std::to_integer<unsigned>(header_[2]));
                r.length = static_cast<std::uint16_t>(std::to_integer<unsigned>(header_[3]) << 8 | std::to_integer<unsigned>(header_[4]));
                r.first_bytes = piece.first(std::min<std::size_t>(r.length, piece.size()));
                type_ = r.content_type;
                body_left_ = r.length;
                ++records_;
                if (!handler.on_record(r)) return false;
                if (type_ == detail::change_cipher_spec_record) encrypted_ = true;
                continue;
            }
            const std::size_t n = std::min<std::size_t>(body_left_, piece.size());
            if (type_ == detail::handshake_record) handshake_bytes(piece.first(n), handler);
            body_left_ -= static_cast<std::uint32_t>(n);
            piece = piece.subspan(n);
        }
        return !not_tls_;
    }

    /// The bytes were not TLS records (from the first header that was not one).
    [[nodiscard]] bool not_tls() const noexcept { return not_tls_; }
    /// A ChangeCipherSpec came: in TLS <= 1.2 what follows in this direction is encrypted.
    [[nodiscard]] bool encrypted() const noexcept { return encrypted_; }
    [[nodiscard]] std::uint32_t records() const noexcept { return records_; }
    /// Frees the message buffer (the handler needs no more messages).
    void release() noexcept {
        message_.reset();
        message_have_ = 0;
    }

private:
    // Handshake bytes of a record: whole messages in place, the rest gathered across pieces.
    template <class Handler>
    void handshake_bytes(std::span<const std::byte> bytes, Handler& handler) noexcept {
        while (!bytes.empty()) {
            if (message_have_ == 0 && bytes.size() >= 4) {
                const std::size_t need = 4 + message_length(bytes.data());
                if (bytes.size() >= need) {  // the whole message is here: no copy
                    handler.on_handshake(bytes.first(need));
                    bytes = bytes.subspan(need);
                    continue;
                }
            }
            // Gather: first the 4-byte header (to learn the length), then the body up to max_message.
            if (!message_) {
                message_.reset(new (std::nothrow) std::byte[max_message]);
                if (!message_) return;  // no memory: this message is not parsed
            }
            if (message_have_ < 4) {
                const std::size_t n = std::min<std::size_t>(4 - message_have_, bytes.size());
                std::memcpy(message_.get() + message_have_, bytes.data(), n);
                message_have_ += static_cast<std::uint32_t>(n);
                bytes = bytes.subspan(n);
                if (message_have_ < 4) return;
                message_need_ = static_cast<std::uint32_t>(4 + message_length(message_.get()));
            }
            const std::size_t n = std::min<std::size_t>(message_need_ - message_have_, bytes.size());
            const std::size_t kept = std::min<std::size_t>(n, max_message - std::min<std::size_t>(message_have_, max_message));
            if (kept != 0) std::memcpy(message_.get() + message_have_, bytes.data(), kept);
            message_have_ += static_cast<std::uint32_t>(n);
            bytes = bytes.subspan(n);
            if (message_have_ == message_need_) {
                handler.on_handshake(std::span<const std::byte>(message_.get(), std::min<std::size_t>(message_have_, max_message)));
                message_have_ = 0;
            }
        }
    }
    static std::size_t message_length(const std::byte* h) noexcept {
        return std::to_integer<std::size_t>(h[1]) << 16 | std::to_integer<std::size_t>(h[2]) << 8 | std::to_integer<std::size_t>(h[3]);
    }

    std::unique_ptr<std::byte[]> message_;
    std::uint32_t message_have_ = 0;
    std::uint32_t message_need_ = 0;
    std::uint32_t body_left_ = 0;
    std::uint32_t records_ = 0;
    std::array<std::byte, 5> header_{};
    std::uint8_t header_have_ = 0;
    std::uint8_t type_ = 0;
    bool encrypted_ = false;
    bool not_tls_ = false;
};

}  // namespace pktdyn::tls
