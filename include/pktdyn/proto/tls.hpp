// pktdyn — TLS and DTLS handshake messages (RFC 5246, RFC 8446, RFC 6347, RFC 9147), parsed from
// contiguous byte spans: a record, a handshake message, or a reassembled handshake stream (QUIC CRYPTO
// frames carry handshake messages without record headers). No flow state, no TCP, no decryption.
//
//   TLS record:   type(8) legacy_version(16) length(16) fragment
//   DTLS record:  type(8) version(16) epoch(16) sequence(48) length(16) fragment
//   handshake:    msg_type(8) length(24) body                         (TLS, QUIC)
//   DTLS hs:      msg_type(8) length(24) message_seq(16) fragment_offset(24) fragment_length(24) body
//   ClientHello:  legacy_version(16) random(32 bytes) session_id<0..32> [DTLS: cookie<0..255>]
//                 cipher_suites<2..2^16-2> compression_methods<1..255> [extensions<0..2^16-1>]
//   ServerHello:  legacy_version(16) random(32 bytes) session_id<0..32> cipher_suite(16) compression(8)
//                 [extensions<0..2^16-1>]
//   Certificate:  (TLS <= 1.2, DTLS) certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>
//                 (TLS 1.3) context<0..255> certificate_list of {cert_data<1..2^24-1> extensions<0..2^16-1>}
//
// Every parser returns a value of views into the caller's bytes and a status: complete, truncated
// (the bytes end before the declared lengths are met: what was fully present is still returned) or
// malformed (lengths that contradict each other). Lists are views that decode while iterating, so
// nothing is copied or allocated.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <ranges>
#include <span>
#include <string_view>
#include <type_traits>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn::tls {

/// How a hello travelled: decides the DTLS cookie field and JA4's first character.
enum class transport : std::uint8_t { tcp, quic, dtls };

/// complete < truncated < malformed: combining two statuses keeps the worse.
enum class parse_status : std::uint8_t { complete, truncated, malformed };

[[nodiscard]] constexpr std::string_view to_string(parse_status s) noexcept {
    switch (s) {
        case parse_status::complete: return "complete";
        case parse_status::truncated: return "truncated";
        case parse_status::malformed: return "malformed";
    }
    return "?";
}

enum class content_type : std::uint8_t {
    change_cipher_spec = 20,
    alert = 21,
    handshake = 22,
    application_data = 23,
    heartbeat = 24,
    tls12_cid = 25,  ///< DTLS 1.2 connection id (RFC 9146)
};

namespace handshake_type {
inline constexpr std::uint8_t hello_request = 0;
inline constexpr std::uint8_t client_hello = 1;
inline constexpr std::uint8_t server_hello = 2;
inline constexpr std::uint8_t hello_verify_request = 3;  ///< DTLS
inline constexpr std::uint8_t new_session_ticket = 4;
inline constexpr std::uint8_t end_of_early_data = 5;
inline constexpr std::uint8_t encrypted_extensions = 8;
inline constexpr std::uint8_t certificate = 11;
inline constexpr std::uint8_t server_key_exchange = 12;
inline constexpr std::uint8_t certificate_request = 13;
inline constexpr std::uint8_t server_hello_done = 14;
inline constexpr std::uint8_t certificate_verify = 15;
inline constexpr std::uint8_t client_key_exchange = 16;
inline constexpr std::uint8_t finished = 20;
inline constexpr std::uint8_t certificate_status = 22;
inline constexpr std::uint8_t key_update = 24;
inline constexpr std::uint8_t compressed_certificate = 25;
}  // namespace handshake_type

namespace version {
inline constexpr std::uint16_t ssl3 = 0x0300;
inline constexpr std::uint16_t tls10 = 0x0301;
inline constexpr std::uint16_t tls11 = 0x0302;
inline constexpr std::uint16_t tls12 = 0x0303;
inline constexpr std::uint16_t tls13 = 0x0304;
inline constexpr std::uint16_t dtls10 = 0xfeff;
inline constexpr std::uint16_t dtls12 = 0xfefd;
inline constexpr std::uint16_t dtls13 = 0xfefc;
}  // namespace version

namespace extension_type {
inline constexpr std::uint16_t server_name = 0;
inline constexpr std::uint16_t status_request = 5;
inline constexpr std::uint16_t supported_groups = 10;
inline constexpr std::uint16_t ec_point_formats = 11;
inline constexpr std::uint16_t signature_algorithms = 13;
inline constexpr std::uint16_t alpn = 16;
inline constexpr std::uint16_t signed_certificate_timestamp = 18;
inline constexpr std::uint16_t padding = 21;
inline constexpr std::uint16_t encrypt_then_mac = 22;
inline constexpr std::uint16_t extended_master_secret = 23;
inline constexpr std::uint16_t compress_certificate = 27;
inline constexpr std::uint16_t session_ticket = 35;
inline constexpr std::uint16_t pre_shared_key = 41;
inline constexpr std::uint16_t early_data = 42;
inline constexpr std::uint16_t supported_versions = 43;
inline constexpr std::uint16_t cookie = 44;
inline constexpr std::uint16_t psk_key_exchange_modes = 45;
inline constexpr std::uint16_t key_share = 51;
inline constexpr std::uint16_t quic_transport_parameters = 57;
inline constexpr std::uint16_t encrypted_client_hello = 0xfe0d;
inline constexpr std::uint16_t renegotiation_info = 0xff01;
}  // namespace extension_type

namespace detail {
/// Bytes passed as a temporary: parsing them would return views into freed memory, so the
/// overloads taking such buffers are deleted.
template <class B>
concept temporary_bytes =
    std::ranges::contiguous_range<B> && !std::is_lvalue_reference_v<B> && !std::ranges::borrowed_range<B>;
}  // namespace detail

/// RFC 8701 GREASE values: 0x0a0a, 0x1a1a, ... 0xfafa (both bytes equal, low nibble 0xa).
[[nodiscard]] constexpr bool is_grease(std::uint16_t v) noexcept {
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/// A version as nDPI names it ("TLSv1.2", "DTLSv1.0", "TLS (0100)" for unknown values); `buf` holds
/// the text of unknown values, so the view lives as long as the buffer.
[[nodiscard]] inline std::string_view version_name(std::uint16_t v, std::array<char, 12>& buf) noexcept {
    switch (v) {
        case version::ssl3: return "SSLv3";
        case version::tls10: return "TLSv1";
        case version::tls11: return "TLSv1.1";
        case version::tls12: return "TLSv1.2";
        case version::tls13: return "TLSv1.3";
        case 0xfb1a: return "TLSv1.3 (Fizz)";
        case version::dtls10: return "DTLSv1.0";
        case version::dtls12: return "DTLSv1.2";
        case version::dtls13: return "DTLSv1.3";
        default: break;
    }
    if (is_grease(v)) return "GREASE";
    if (v >= 0x7f00 && v <= 0x7f1c) return "TLSv1.3 (draft)";
    constexpr char hex[] = "0123456789ABCDEF";
    const char text[] = {'T', 'L', 'S', ' ', '(', hex[v >> 12], hex[(v >> 8) & 15], hex[(v >> 4) & 15], hex[v & 15], ')'};
    std::memcpy(buf.data(), text, sizeof text);
    return {buf.data(), sizeof text};
}

// --- list views -------------------------------------------------------------------------------

/// Big-endian 16-bit values (cipher suites, groups, signature schemes, versions) over a byte span.
/// An odd trailing byte is not part of the list.
class u16_list {
public:
    constexpr u16_list() noexcept = default;
    constexpr explicit u16_list(std::span<const std::byte> b) noexcept : bytes_(b.first(b.size() & ~std::size_t{1})) {}

    [[nodiscard]] constexpr std::size_t size() const noexcept { return bytes_.size() / 2; }
    [[nodiscard]] constexpr bool empty() const noexcept { return bytes_.empty(); }
    [[nodiscard]] std::uint16_t operator[](std::size_t i) const noexcept { return pktdyn::detail::load_be<std::uint16_t>(bytes_.data() + 2 * i); }
    [[nodiscard]] constexpr std::span<const std::byte> bytes() const noexcept { return bytes_; }
    [[nodiscard]] bool contains(std::uint16_t v) const noexcept {
        for (std::size_t i = 0; i < size(); ++i)
            if ((*this)[i] == v) return true;
        return false;
    }

    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::uint16_t;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        iterator(const std::byte* p) noexcept : p_(p) {}
        std::uint16_t operator*() const noexcept { return pktdyn::detail::load_be<std::uint16_t>(p_); }
        iterator& operator++() noexcept { p_ += 2; return *this; }
        iterator operator++(int) noexcept { auto t = *this; p_ += 2; return t; }
        bool operator==(const iterator&) const = default;
    private:
        const std::byte* p_ = nullptr;
    };
    [[nodiscard]] iterator begin() const noexcept { return {bytes_.data()}; }
    [[nodiscard]] iterator end() const noexcept { return {bytes_.data() + bytes_.size()}; }

private:
    std::span<const std::byte> bytes_{};
};

/// One extension: its type and its data (complete: an extension cut short is not yielded).
struct extension {
    std::uint16_t type = 0;
    std::span<const std::byte> data{};
};

namespace detail {
/// Entries of tag(16) length(16) data in wire order, decoded while iterating (extensions, key
/// shares). Iteration stops before the first entry that does not fit in the bytes.
template <class Entry, std::uint16_t Entry::*Tag, std::span<const std::byte> Entry::*Data>
class tagged_list {
public:
    constexpr tagged_list() noexcept = default;
    constexpr explicit tagged_list(std::span<const std::byte> b) noexcept : bytes_(b) {}

    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = Entry;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        explicit iterator(std::span<const std::byte> rest) noexcept : rest_(rest) { load(); }
        const Entry& operator*() const noexcept { return cur_; }
        const Entry* operator->() const noexcept { return &cur_; }
        iterator& operator++() noexcept {
            rest_ = rest_.subspan(4 + (cur_.*Data).size());
            load();
            return *this;
        }
        iterator operator++(int) noexcept { auto t = *this; ++*this; return t; }
        bool operator==(const iterator& o) const noexcept { return rest_.data() == o.rest_.data() || (rest_.empty() && o.rest_.empty()); }
    private:
        void load() noexcept {
            cursor c{rest_};
            cur_.*Tag = c.u16be();
            cur_.*Data = c.take(c.u16be());
            if (!c.ok()) rest_ = {};  // does not fit: the end
        }
        std::span<const std::byte> rest_{};
        Entry cur_{};
    };
    [[nodiscard]] iterator begin() const noexcept { return iterator{bytes_}; }
    [[nodiscard]] iterator end() const noexcept { return iterator{}; }
    /// The raw block (as present in the bytes).
    [[nodiscard]] constexpr std::span<const std::byte> bytes() const noexcept { return bytes_; }
    [[nodiscard]] std::size_t size() const noexcept {
        std::size_t n = 0;
        for (auto it = begin(); it != end(); ++it) ++n;
        return n;
    }
    [[nodiscard]] bool empty() const noexcept { return begin() == end(); }

private:
    std::span<const std::byte> bytes_{};
};
}  // namespace detail

/// The extensions of a hello in wire order, decoded while iterating: type(16) length(16) data.
/// Iteration stops before the first extension that does not fit in the bytes.
class extension_list : public detail::tagged_list<extension, &extension::type, &extension::data> {
public:
    using tagged_list::tagged_list;
    /// The first extension of `type`, if present.
    [[nodiscard]] std::optional<extension> find(std::uint16_t type) const noexcept {
        for (const auto& e : *this)
            if (e.type == type) return e;
        return std::nullopt;
    }
    [[nodiscard]] bool contains(std::uint16_t type) const noexcept { return find(type).has_value(); }
};

/// A list of 8-bit-length-prefixed strings (ALPN protocol names), as string_views into the bytes.
class name_list {
public:
    constexpr name_list() noexcept = default;
    constexpr explicit name_list(std::span<const std::byte> b) noexcept : bytes_(b) {}

    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        explicit iterator(std::span<const std::byte> rest) noexcept : rest_(rest) { load(); }
        std::string_view operator*() const noexcept { return cur_; }
        iterator& operator++() noexcept {
            rest_ = rest_.subspan(1 + cur_.size());
            load();
            return *this;
        }
        iterator operator++(int) noexcept { auto t = *this; ++*this; return t; }
        bool operator==(const iterator& o) const noexcept { return rest_.data() == o.rest_.data() || (rest_.empty() && o.rest_.empty()); }
    private:
        void load() noexcept {
            cursor c{rest_};
            const auto s = c.take(c.u8());
            if (!c.ok()) rest_ = {};
            cur_ = {reinterpret_cast<const char*>(s.data()), s.size()};
        }
        std::span<const std::byte> rest_{};
        std::string_view cur_{};
    };
    [[nodiscard]] iterator begin() const noexcept { return iterator{bytes_}; }
    [[nodiscard]] iterator end() const noexcept { return iterator{}; }
    [[nodiscard]] bool empty() const noexcept { return begin() == end(); }
    [[nodiscard]] std::size_t size() const noexcept {
        std::size_t n = 0;
        for (auto it = begin(); it != end(); ++it) ++n;
        return n;
    }
    /// The first name (empty view when there is none).
    [[nodiscard]] std::string_view front() const noexcept { return empty() ? std::string_view{} : *begin(); }

private:
    std::span<const std::byte> bytes_{};
};

/// One key_share entry of a ClientHello: the group and its public key bytes.
struct key_share_entry {
    std::uint16_t group = 0;
    std::span<const std::byte> key{};
};

/// ClientHello key_share entries: group(16) key<1..2^16-1>, decoded while iterating.
using key_share_list = detail::tagged_list<key_share_entry, &key_share_entry::group, &key_share_entry::key>;

// --- records ----------------------------------------------------------------------------------

/// A TLS or DTLS record: header fields and the fragment bytes present.
struct record {
    static constexpr std::size_t tls_header_size = 5;
    static constexpr std::size_t dtls_header_size = 13;
    static constexpr std::size_t max_length = (1u << 14) + 2048;  ///< TLSCiphertext limit (RFC 5246 §6.2.3)

    content_type type{};
    std::uint16_t version = 0;    ///< legacy_version on the record
    std::uint16_t length = 0;     ///< declared fragment length
    std::uint16_t epoch = 0;      ///< DTLS only
    std::uint64_t sequence = 0;   ///< DTLS only: 48-bit record sequence number
    std::size_t header_size = 0;  ///< 5 (TLS) or 13 (DTLS); 0 when the header itself did not fit
    std::span<const std::byte> fragment{};  ///< the fragment bytes present (fewer than `length` when truncated)
    parse_status status = parse_status::complete;

    /// The whole record's size on the wire: header + declared length.
    [[nodiscard]] constexpr std::size_t wire_size() const noexcept { return header_size + length; }
};

namespace detail {
[[nodiscard]] constexpr bool known_content_type(std::uint8_t t) noexcept { return t >= 20 && t <= 25; }
}  // namespace detail

/// Parses the record at the start of `bytes`. Truncated when the header or fragment is cut;
/// malformed when the declared length exceeds the protocol limit.
[[nodiscard]] inline record parse_record(std::span<const std::byte> bytes) noexcept {
    record r;
    cursor c{bytes};
    const auto type = c.u8();
    r.version = c.u16be();
    r.length = c.u16be();
    if (!c.ok()) {
        r.status = parse_status::truncated;
        return r;
    }
    r.type = static_cast<content_type>(type);
    r.header_size = record::tls_header_size;
    r.fragment = bytes.subspan(record::tls_header_size, std::min<std::size_t>(r.length, c.remaining()));
    if (r.length > record::max_length) r.status = parse_status::malformed;
    else if (r.fragment.size() < r.length) r.status = parse_status::truncated;
    return r;
}
template <detail::temporary_bytes B>
record parse_record(B&&) = delete;

/// Parses the DTLS record (13-byte header with epoch and sequence) at the start of `bytes`.
[[nodiscard]] inline record parse_dtls_record(std::span<const std::byte> bytes) noexcept {
    record r;
    cursor c{bytes};
    const auto type = c.u8();
    r.version = c.u16be();
    r.epoch = c.u16be();
    r.sequence = std::uint64_t{c.u16be()} << 32;
    r.sequence |= c.u32be();
    r.length = c.u16be();
    if (!c.ok()) {
        r.status = parse_status::truncated;
        return r;
    }
    r.type = static_cast<content_type>(type);
    r.header_size = record::dtls_header_size;
    r.fragment = bytes.subspan(record::dtls_header_size, std::min<std::size_t>(r.length, c.remaining()));
    if (r.length > record::max_length) r.status = parse_status::malformed;
    else if (r.fragment.size() < r.length) r.status = parse_status::truncated;
    return r;
}
template <detail::temporary_bytes B>
record parse_dtls_record(B&&) = delete;

/// Whether `bytes` look like the start of a TLS record (SSL 3.0 to TLS 1.3 record versions): for
/// deciding that a flow's first payload is TLS. Needs the 5-byte header.
[[nodiscard]] inline bool looks_like_record(std::span<const std::byte> bytes) noexcept {
    cursor c{bytes};
    const auto type = c.u8();
    const auto major = c.u8();
    const auto minor = c.u8();
    const auto length = c.u16be();
    return c.ok() && type >= 20 && type <= 24 && major == 3 && minor <= 4 && length > 0 && length <= record::max_length;
}

/// Whether `bytes` look like the start of a DTLS 1.0/1.2 record header (DTLS 1.3 sends hellos with
/// the DTLS 1.2 record version, so this covers its first flight too).
[[nodiscard]] inline bool looks_like_dtls_record(std::span<const std::byte> bytes) noexcept {
    cursor c{bytes};
    const auto type = c.u8();
    const auto ver = c.u16be();
    c.skip(8);
    const auto length = c.u16be();
    // 0x0100 is DTLS before RFC 4347 (OpenSSL's DTLS1_BAD_VER), still spoken by Cisco AnyConnect.
    return c.ok() && detail::known_content_type(type) && (ver == version::dtls10 || ver == version::dtls12 || ver == 0x0100) &&
           length > 0 && length <= record::max_length;
}

namespace detail {
/// Walks consecutive items of a contiguous span: records (TLS or DTLS) or handshake messages (TLS
/// or DTLS headers). Yields every item whose header is present (the last may be cut) and stops after
/// a cut or malformed one.
template <class Item, Item (*Parse)(std::span<const std::byte>) noexcept, Item (*ParseDtls)(std::span<const std::byte>) noexcept>
class walker {
public:
    explicit walker(std::span<const std::byte> bytes, bool dtls = false) noexcept : rest_(bytes), dtls_(dtls) {}
    template <temporary_bytes B>
    walker(B&&, bool = false) = delete;  // items would point into a dead buffer

    /// The next item, or nullopt at the end of the bytes (or after a cut / malformed item).
    [[nodiscard]] std::optional<Item> next() noexcept {
        if (rest_.empty() || status_ != parse_status::complete) return std::nullopt;
        const Item item = dtls_ ? ParseDtls(rest_) : Parse(rest_);
        status_ = item.status;
        if (item.header_size == 0) return std::nullopt;
        if (item.status == parse_status::complete) {
            consumed_ += item.wire_size();
            rest_ = rest_.subspan(item.wire_size());
        }
        return item;
    }
    /// Bytes of whole items walked so far.
    [[nodiscard]] std::size_t consumed() const noexcept { return consumed_; }
    /// complete while every item was whole; truncated when the bytes ended inside one.
    [[nodiscard]] parse_status status() const noexcept { return status_; }

private:
    std::span<const std::byte> rest_;
    std::size_t consumed_ = 0;
    parse_status status_ = parse_status::complete;
    bool dtls_;
};
}  // namespace detail

/// Walks consecutive records of a contiguous stream (a TCP payload or reassembled stream, a UDP
/// datagram of DTLS records). Yields every record whose header is present (the last may be cut);
/// stops after a cut or malformed record.
using record_walker = detail::walker<record, parse_record, parse_dtls_record>;

// --- handshake messages -----------------------------------------------------------------------

/// A handshake message header and the body bytes present.
struct handshake_message {
    static constexpr std::size_t tls_header_size = 4;
    static constexpr std::size_t dtls_header_size = 12;

    std::uint8_t type = 0;             ///< handshake_type
    std::uint32_t length = 0;          ///< declared body length (24 bits)
    std::uint16_t message_seq = 0;     ///< DTLS only
    std::uint32_t fragment_offset = 0; ///< DTLS only
    std::uint32_t fragment_length = 0; ///< DTLS only; equals `length` for TLS
    std::size_t header_size = 0;       ///< 4 (TLS/QUIC) or 12 (DTLS); 0 when the header did not fit
    std::span<const std::byte> body{}; ///< the body bytes present (of this fragment, for DTLS)
    parse_status status = parse_status::complete;
    bool dtls = false;

    /// Whether this DTLS fragment is the whole message (always true for TLS).
    [[nodiscard]] constexpr bool whole() const noexcept { return fragment_offset == 0 && fragment_length == length; }
    /// Bytes this message (fragment) takes on the wire: header + fragment length.
    [[nodiscard]] constexpr std::size_t wire_size() const noexcept { return header_size + fragment_length; }
};

/// Parses the handshake message at the start of `bytes` (TLS / QUIC framing).
[[nodiscard]] inline handshake_message parse_handshake(std::span<const std::byte> bytes) noexcept {
    handshake_message m;
    cursor c{bytes};
    m.type = c.u8();
    m.length = std::uint32_t{c.u8()} << 16;
    m.length |= c.u16be();
    if (!c.ok()) {
        m.status = parse_status::truncated;
        return m;
    }
    m.header_size = handshake_message::tls_header_size;
    m.fragment_length = m.length;
    m.body = c.take(std::min<std::size_t>(m.length, c.remaining()));
    if (m.body.size() < m.length) m.status = parse_status::truncated;
    return m;
}
template <detail::temporary_bytes B>
handshake_message parse_handshake(B&&) = delete;

/// Parses the DTLS handshake message (fragment) at the start of `bytes`.
[[nodiscard]] inline handshake_message parse_dtls_handshake(std::span<const std::byte> bytes) noexcept {
    handshake_message m;
    m.dtls = true;
    cursor c{bytes};
    m.type = c.u8();
    m.length = std::uint32_t{c.u8()} << 16;
    m.length |= c.u16be();
    m.message_seq = c.u16be();
    m.fragment_offset = std::uint32_t{c.u8()} << 16;
    m.fragment_offset |= c.u16be();
    m.fragment_length = std::uint32_t{c.u8()} << 16;
    m.fragment_length |= c.u16be();
    if (!c.ok()) {
        m.status = parse_status::truncated;
        return m;
    }
    m.header_size = handshake_message::dtls_header_size;
    m.body = c.take(std::min<std::size_t>(m.fragment_length, c.remaining()));
    if (std::uint64_t{m.fragment_offset} + m.fragment_length > m.length) m.status = parse_status::malformed;
    else if (m.body.size() < m.fragment_length) m.status = parse_status::truncated;
    return m;
}
template <detail::temporary_bytes B>
handshake_message parse_dtls_handshake(B&&) = delete;

/// Walks consecutive handshake messages of a contiguous handshake stream (the fragments of
/// handshake records put together, or QUIC's CRYPTO stream).
using handshake_walker = detail::walker<handshake_message, parse_handshake, parse_dtls_handshake>;

namespace detail {

/// A cursor that knows whether its bytes were cut short of their declared end: a read that does
/// not fit is then truncation, otherwise a contradiction (malformed). The first problem is kept.
class hello_reader {
public:
    hello_reader(std::span<const std::byte> bytes, bool cut) noexcept : c_(bytes), cut_(cut) {}

    [[nodiscard]] std::uint8_t u8() noexcept { return check(c_.u8()); }
    [[nodiscard]] std::uint16_t u16() noexcept { return check(c_.u16be()); }
    [[nodiscard]] std::uint32_t u24() noexcept {
        std::uint32_t v = std::uint32_t{c_.u8()} << 16;
        v |= c_.u16be();
        return check(v);
    }
    /// The next n bytes, or (when they do not fit) what is present, and the status noted.
    [[nodiscard]] std::span<const std::byte> take_some(std::size_t n) noexcept {
        if (!c_.ok()) return {};
        if (c_.remaining() >= n) return c_.take(n);
        note(cut_ ? parse_status::truncated : parse_status::malformed);
        return c_.take(c_.remaining());
    }
    /// A reader over the next n bytes (cut when fewer are present and this reader is cut).
    [[nodiscard]] hello_reader sub(std::size_t n) noexcept {
        const bool short_ = c_.ok() && c_.remaining() < n;
        hello_reader r{take_some(n), short_ && cut_};
        if (!c_.ok()) r.c_.fail();
        return r;
    }
    [[nodiscard]] bool ok() const noexcept { return c_.ok() && status_ == parse_status::complete; }
    [[nodiscard]] bool empty() const noexcept { return c_.remaining() == 0; }
    [[nodiscard]] std::size_t remaining() const noexcept { return c_.remaining(); }
    [[nodiscard]] parse_status status() const noexcept { return status_; }
    [[nodiscard]] bool cut() const noexcept { return cut_; }
    void note(parse_status s) noexcept {
        if (status_ == parse_status::complete) status_ = s;
    }
    /// Marks the rest as unread, for when the reader's bytes ended early.
    void stop() noexcept { c_.fail(); }

private:
    template <class T>
    T check(T v) noexcept {
        if (!c_.ok()) note(cut_ ? parse_status::truncated : parse_status::malformed);
        return v;
    }
    cursor c_;
    bool cut_;
    parse_status status_ = parse_status::complete;
};

[[nodiscard]] constexpr parse_status worse(parse_status a, parse_status b) noexcept { return a > b ? a : b; }

/// Reads an extension's data as a length-prefixed list (u8 or u16 prefix) that must fill it exactly.
[[nodiscard]] inline std::optional<std::span<const std::byte>> prefixed(std::span<const std::byte> data, bool u16_prefix) noexcept {
    cursor c{data};
    const std::size_t n = u16_prefix ? c.u16be() : c.u8();
    const auto body = c.take(n);
    if (!c.ok() || !c.empty()) return std::nullopt;
    return body;
}

}  // namespace detail

// --- ClientHello ------------------------------------------------------------------------------

/// A ClientHello: the fixed fields, the extensions in wire order, and the extensions fingerprints
/// and flow records need, decoded. Fields whose bytes were not (fully) present stay empty.
struct client_hello {
    parse_status status = parse_status::complete;
    bool dtls = false;
    std::uint16_t legacy_version = 0;
    std::span<const std::byte> random{};       ///< 32 bytes when present
    std::span<const std::byte> session_id{};
    std::span<const std::byte> cookie{};       ///< DTLS HelloVerifyRequest cookie echoed back
    u16_list cipher_suites{};                  ///< in wire order, GREASE included
    std::span<const std::byte> compression_methods{};
    bool has_extensions = false;               ///< the extensions block length was present
    extension_list extensions{};               ///< in wire order; only extensions fully present

    // Decoded extensions (each only when its extension was fully present and well formed).
    std::string_view server_name{};            ///< the first host_name of server_name; not validated
    bool has_server_name = false;              ///< the server_name extension is present (even if empty)
    name_list alpn{};                          ///< offered protocols in order
    bool has_alpn = false;
    u16_list supported_versions{};
    bool has_supported_versions = false;
    u16_list supported_groups{};
    bool has_supported_groups = false;
    std::span<const std::byte> ec_point_formats{};
    bool has_ec_point_formats = false;
    u16_list signature_algorithms{};
    bool has_signature_algorithms = false;
    key_share_list key_shares{};
    bool has_key_share = false;
    bool has_pre_shared_key = false;           ///< resumption (TLS 1.3 PSK)
    bool has_session_ticket = false;           ///< session_ticket extension present (TLS <= 1.2)
    bool session_ticket_nonempty = false;      ///< ... carrying a ticket: resumption attempt
    bool has_early_data = false;               ///< 0-RTT offered
    bool has_encrypted_client_hello = false;   ///< ECH (0xfe0d): server_name is the outer, public name

    /// The newest non-GREASE supported_versions entry, else legacy_version. DTLS versions count
    /// down (0xfeff = 1.0, 0xfefd = 1.2, 0xfefc = 1.3), so for them the newest is the lowest value.
    [[nodiscard]] std::uint16_t max_version() const noexcept {
        std::uint16_t best = 0;
        for (auto v : supported_versions)
            if (!is_grease(v) && (best == 0 || newer(v, best))) best = v;
        return best ? best : legacy_version;
    }
    /// Whether version `a` is newer than `b` (TLS counts up, DTLS counts down).
    [[nodiscard]] static constexpr bool newer(std::uint16_t a, std::uint16_t b) noexcept {
        const bool da = (a >> 8) == 0xfe, db = (b >> 8) == 0xfe;
        if (da && db) return a < b;
        return da == db ? a > b : da;
    }

    /// Parses a ClientHello body (after the handshake header). `declared_length` is the body's
    /// length from the handshake header when `body` may be a prefix of it (then running out of bytes
    /// is truncation); by default the body is taken as complete.
    [[nodiscard]] static client_hello parse(std::span<const std::byte> body, bool dtls = false,
                                            std::size_t declared_length = 0) noexcept {
        client_hello h;
        h.dtls = dtls;
        const bool cut = declared_length > body.size();
        detail::hello_reader r{body, cut};
        h.legacy_version = r.u16();
        h.random = r.take_some(32);
        if (h.random.size() < 32) h.random = {};
        h.session_id = r.take_some(r.u8());
        if (h.session_id.size() > 32) r.note(parse_status::malformed);
        if (dtls) h.cookie = r.take_some(r.u8());
        {
            const std::size_t n = r.u16();
            if (r.ok() && (n % 2 != 0)) r.note(parse_status::malformed);
            h.cipher_suites = u16_list{r.take_some(n)};
        }
        h.compression_methods = r.take_some(r.u8());
        if (r.ok() && r.empty()) {  // no extensions block (allowed before TLS 1.3), unless cut here
            h.status = cut ? parse_status::truncated : r.status();
            return h;
        }
        const std::size_t ext_len = r.u16();
        h.has_extensions = r.ok();
        if (!r.ok()) {
            h.status = r.status();
            return h;
        }
        auto block = r.sub(ext_len);
        if (r.ok() && !r.empty()) r.note(parse_status::malformed);  // bytes after the extensions
        h.status = detail::worse(r.status(), block.status());
        h.decode_extensions(block);
        if (cut) h.status = detail::worse(h.status, parse_status::truncated);
        return h;
    }

    /// Parses from a handshake message (TLS, QUIC or a DTLS fragment starting at offset 0).
    [[nodiscard]] static client_hello parse(const handshake_message& m) noexcept {
        if (m.header_size == 0 || m.type != handshake_type::client_hello || m.fragment_offset != 0) {
            client_hello h;
            h.dtls = m.dtls;
            h.status = m.header_size == 0 ? parse_status::truncated : parse_status::malformed;
            return h;
        }
        return parse(m.body, m.dtls, m.length);
    }

    /// Parses from the start of a whole handshake message (header included).
    [[nodiscard]] static client_hello parse_message(std::span<const std::byte> message, bool dtls = false) noexcept {
        return parse(dtls ? parse_dtls_handshake(message) : parse_handshake(message));
    }
    template <detail::temporary_bytes B>
    static client_hello parse_message(B&&, bool = false) = delete;
    template <detail::temporary_bytes B>
    static client_hello parse(B&&, bool = false, std::size_t = 0) = delete;

private:
    void decode_extensions(detail::hello_reader& block) noexcept {
        // Walk the block: every extension fully present is kept; a cut one ends the list.
        std::size_t whole = 0;
        const auto all = block.take_some(block.remaining());
        {
            cursor c{all};
            while (c.remaining() >= 4) {
                const std::size_t n = c.peek<std::uint16_t>(2, byte_order::big);
                if (c.remaining() - 4 < n) break;
                c.skip(4 + n);
                whole = c.position();
            }
            if (whole != all.size()) {
                // Something is left that is not a whole extension: cut message, or a contradiction.
                status = detail::worse(status, block.cut() ? parse_status::truncated : parse_status::malformed);
            }
        }
        extensions = extension_list{all.first(whole)};
        bool bad = false;
        for (const auto& e : extensions) {
            switch (e.type) {
                case extension_type::server_name:
                    if (!has_server_name) {
                        has_server_name = true;
                        if (!e.data.empty()) bad |= !decode_sni(e.data);
                    }
                    break;
                case extension_type::alpn:
                    if (auto l = detail::prefixed(e.data, true)) {
                        alpn = name_list{*l};
                        has_alpn = true;
                    } else bad = true;
                    break;
                case extension_type::supported_versions:
                    if (auto l = detail::prefixed(e.data, false); l && l->size() % 2 == 0) {
                        supported_versions = u16_list{*l};
                        has_supported_versions = true;
                    } else bad = true;
                    break;
                case extension_type::supported_groups:
                    if (auto l = detail::prefixed(e.data, true); l && l->size() % 2 == 0) {
                        supported_groups = u16_list{*l};
                        has_supported_groups = true;
                    } else bad = true;
                    break;
                case extension_type::ec_point_formats:
                    if (auto l = detail::prefixed(e.data, false)) {
                        ec_point_formats = *l;
                        has_ec_point_formats = true;
                    } else bad = true;
                    break;
                case extension_type::signature_algorithms:
                    if (auto l = detail::prefixed(e.data, true); l && l->size() % 2 == 0) {
                        signature_algorithms = u16_list{*l};
                        has_signature_algorithms = true;
                    } else bad = true;
                    break;
                case extension_type::key_share:
                    if (auto l = detail::prefixed(e.data, true)) {
                        key_shares = key_share_list{*l};
                        has_key_share = true;
                    } else bad = true;
                    break;
                case extension_type::pre_shared_key: has_pre_shared_key = true; break;
                case extension_type::session_ticket:
                    has_session_ticket = true;
                    session_ticket_nonempty = !e.data.empty();
                    break;
                case extension_type::early_data: has_early_data = true; break;
                case extension_type::encrypted_client_hello: has_encrypted_client_hello = true; break;
                default: break;
            }
        }
        if (bad) status = parse_status::malformed;
    }

    // server_name_list<1..2^16-1> of {name_type(8) name<1..2^16-1>}; host_name is type 0.
    bool decode_sni(std::span<const std::byte> data) noexcept {
        const auto list = detail::prefixed(data, true);
        if (!list) return false;
        cursor c{*list};
        while (c.ok() && !c.empty()) {
            const auto type = c.u8();
            const auto name = c.take(c.u16be());
            if (c.ok() && type == 0 && server_name.empty())
                server_name = {reinterpret_cast<const char*>(name.data()), name.size()};
        }
        return c.ok();
    }
};

// --- ServerHello ------------------------------------------------------------------------------

/// The random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
inline constexpr std::array<std::uint8_t, 32> hello_retry_request_random = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

struct server_hello {
    parse_status status = parse_status::complete;
    bool dtls = false;
    std::uint16_t legacy_version = 0;
    std::span<const std::byte> random{};
    std::span<const std::byte> session_id{};
    std::uint16_t cipher_suite = 0;
    bool has_cipher_suite = false;
    std::uint8_t compression_method = 0;
    bool has_extensions = false;
    extension_list extensions{};
    std::uint16_t selected_version = 0;  ///< from supported_versions; 0 when absent
    std::string_view alpn{};             ///< the protocol the server selected
    bool has_alpn = false;
    std::uint16_t key_share_group = 0;   ///< the group of the server's key_share (or the HRR's request)
    bool has_key_share = false;
    bool has_pre_shared_key = false;     ///< the server accepted a PSK: TLS 1.3 resumption
    bool hello_retry_request = false;    ///< the random is RFC 8446's HelloRetryRequest value

    /// The negotiated version: supported_versions' selection when present, else legacy_version.
    [[nodiscard]] constexpr std::uint16_t version() const noexcept {
        return selected_version ? selected_version : legacy_version;
    }

    [[nodiscard]] static server_hello parse(std::span<const std::byte> body, bool dtls = false,
                                            std::size_t declared_length = 0) noexcept {
        server_hello h;
        h.dtls = dtls;
        const bool cut = declared_length > body.size();
        detail::hello_reader r{body, cut};
        h.legacy_version = r.u16();
        h.random = r.take_some(32);
        if (h.random.size() == 32)
            h.hello_retry_request = std::memcmp(h.random.data(), hello_retry_request_random.data(), 32) == 0;
        else h.random = {};
        h.session_id = r.take_some(r.u8());
        if (h.session_id.size() > 32) r.note(parse_status::malformed);
        h.cipher_suite = r.u16();
        h.has_cipher_suite = r.ok();
        h.compression_method = r.u8();
        if (r.ok() && r.empty()) {
            h.status = cut ? parse_status::truncated : r.status();
            return h;
        }
        const std::size_t ext_len = r.u16();
        h.has_extensions = r.ok();
        if (!r.ok()) {
            h.status = r.status();
            return h;
        }
        auto block = r.sub(ext_len);
        if (r.ok() && !r.empty()) r.note(parse_status::malformed);
        h.status = detail::worse(r.status(), block.status());
        const auto all = block.take_some(block.remaining());
        std::size_t whole = 0;
        {
            cursor c{all};
            while (c.remaining() >= 4) {
                const std::size_t n = c.peek<std::uint16_t>(2, byte_order::big);
                if (c.remaining() - 4 < n) break;
                c.skip(4 + n);
                whole = c.position();
            }
        }
        if (whole != all.size()) h.status = detail::worse(h.status, block.cut() ? parse_status::truncated : parse_status::malformed);
        h.extensions = extension_list{all.first(whole)};
        bool bad = false;
        for (const auto& e : h.extensions) {
            cursor c{e.data};
            switch (e.type) {
                case extension_type::supported_versions:
                    h.selected_version = c.u16be();
                    bad |= !c.ok() || !c.empty();
                    break;
                case extension_type::alpn:
                    if (auto l = detail::prefixed(e.data, true)) {
                        cursor n{*l};
                        const auto name = n.take(n.u8());
                        if (n.ok() && n.empty()) {
                            h.alpn = {reinterpret_cast<const char*>(name.data()), name.size()};
                            h.has_alpn = true;
                        } else bad = true;
                    } else bad = true;
                    break;
                case extension_type::key_share:
                    h.key_share_group = c.u16be();  // ServerHello: group + key; HRR: group only
                    h.has_key_share = c.ok();
                    bad |= !c.ok();
                    break;
                case extension_type::pre_shared_key: h.has_pre_shared_key = true; break;
                default: break;
            }
        }
        if (bad) h.status = parse_status::malformed;
        if (cut) h.status = detail::worse(h.status, parse_status::truncated);
        return h;
    }

    [[nodiscard]] static server_hello parse(const handshake_message& m) noexcept {
        if (m.header_size == 0 || m.type != handshake_type::server_hello || m.fragment_offset != 0) {
            server_hello h;
            h.dtls = m.dtls;
            h.status = m.header_size == 0 ? parse_status::truncated : parse_status::malformed;
            return h;
        }
        return parse(m.body, m.dtls, m.length);
    }

    [[nodiscard]] static server_hello parse_message(std::span<const std::byte> message, bool dtls = false) noexcept {
        return parse(dtls ? parse_dtls_handshake(message) : parse_handshake(message));
    }
    template <detail::temporary_bytes B>
    static server_hello parse_message(B&&, bool = false) = delete;
    template <detail::temporary_bytes B>
    static server_hello parse(B&&, bool = false, std::size_t = 0) = delete;
};

// --- Certificate ------------------------------------------------------------------------------

/// The certificates of a Certificate message, in order (the first is the peer's own), as DER
/// spans. TLS <= 1.2 and DTLS send it in clear; TLS 1.3 encrypts it, but the same layout with a
/// request context and per-certificate extensions is readable where a caller holds the plaintext.
struct certificate_list {
    parse_status status = parse_status::complete;
    bool tls13 = false;
    std::span<const std::byte> request_context{};  ///< TLS 1.3 only
    std::span<const std::byte> entries{};          ///< the whole certificates present, raw

    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::span<const std::byte>;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        iterator(std::span<const std::byte> rest, bool tls13) noexcept : rest_(rest), tls13_(tls13) { load(); }
        std::span<const std::byte> operator*() const noexcept { return cur_; }
        iterator& operator++() noexcept {
            rest_ = rest_.subspan(step_);
            load();
            return *this;
        }
        iterator operator++(int) noexcept { auto t = *this; ++*this; return t; }
        bool operator==(const iterator& o) const noexcept { return rest_.data() == o.rest_.data() || (rest_.empty() && o.rest_.empty()); }
    private:
        void load() noexcept {
            cursor c{rest_};
            std::size_t n = std::size_t{c.u8()} << 16;
            n |= c.u16be();
            cur_ = c.take(n);
            if (tls13_) c.skip(c.u16be());
            step_ = c.position();
            if (!c.ok()) rest_ = {};
        }
        std::span<const std::byte> rest_{};
        std::span<const std::byte> cur_{};
        std::size_t step_ = 0;
        bool tls13_ = false;
    };
    [[nodiscard]] iterator begin() const noexcept { return {entries, tls13}; }
    [[nodiscard]] iterator end() const noexcept { return {}; }
    [[nodiscard]] std::size_t size() const noexcept {
        std::size_t n = 0;
        for (auto it = begin(); it != end(); ++it) ++n;
        return n;
    }
    [[nodiscard]] bool empty() const noexcept { return begin() == end(); }

    /// Parses a Certificate body. `tls13` selects RFC 8446's layout.
    [[nodiscard]] static certificate_list parse(std::span<const std::byte> body, bool tls13 = false,
                                                std::size_t declared_length = 0) noexcept {
        certificate_list l;
        l.tls13 = tls13;
        detail::hello_reader r{body, declared_length > body.size()};
        if (tls13) l.request_context = r.take_some(r.u8());
        const std::size_t n = r.u24();
        if (!r.ok()) {
            l.status = r.status();
            return l;
        }
        auto block = r.sub(n);
        if (r.ok() && !r.empty()) r.note(parse_status::malformed);
        l.status = detail::worse(r.status(), block.status());
        const auto all = block.take_some(block.remaining());
        cursor c{all};
        std::size_t whole = 0;
        bool zero = false;
        while (!c.empty()) {
            std::size_t len = std::size_t{c.u8()} << 16;
            len |= c.u16be();
            zero |= len == 0;
            c.skip(len);
            if (tls13) c.skip(c.u16be());
            if (!c.ok()) break;
            whole = c.position();
        }
        if (whole != all.size()) l.status = detail::worse(l.status, block.cut() ? parse_status::truncated : parse_status::malformed);
        if (zero) l.status = parse_status::malformed;
        if (declared_length > body.size()) l.status = detail::worse(l.status, parse_status::truncated);
        l.entries = all.first(whole);
        return l;
    }

    template <detail::temporary_bytes B>
    static certificate_list parse(B&&, bool = false, std::size_t = 0) = delete;

    [[nodiscard]] static certificate_list parse(const handshake_message& m, bool tls13 = false) noexcept {
        if (m.header_size == 0 || m.type != handshake_type::certificate || m.fragment_offset != 0) {
            certificate_list l;
            l.status = m.header_size == 0 ? parse_status::truncated : parse_status::malformed;
            return l;
        }
        return parse(m.body, tls13, m.length);
    }
};

// --- Alert, ChangeCipherSpec ------------------------------------------------------------------

struct alert {
    static constexpr std::uint8_t warning = 1;
    static constexpr std::uint8_t fatal = 2;
    std::uint8_t level = 0;
    std::uint8_t description = 0;  ///< RFC 8446 §6 AlertDescription (0 close_notify, 40 handshake_failure, ...)

    /// An alert record's fragment: exactly 2 bytes in clear. An encrypted alert (longer) gives nullopt.
    [[nodiscard]] static std::optional<alert> parse(std::span<const std::byte> fragment) noexcept {
        if (fragment.size() != 2) return std::nullopt;
        return alert{std::to_integer<std::uint8_t>(fragment[0]), std::to_integer<std::uint8_t>(fragment[1])};
    }
};

/// A ChangeCipherSpec fragment is the single byte 1.
[[nodiscard]] inline bool is_change_cipher_spec(std::span<const std::byte> fragment) noexcept {
    return fragment.size() == 1 && fragment[0] == std::byte{1};
}

}  // namespace pktdyn::tls
