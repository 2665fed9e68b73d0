// pktdyn — QUIC wire image (RFC 8999, RFC 9000, RFC 9369, IETF drafts, Google QUIC, mvfst).
//
// What an on-path observer can read without keys: variable-length integers (RFC 9000 §16), the
// long header (version, connection IDs, Initial token, Length, where the protected packet number
// starts), Version Negotiation and Retry packets, the walk over packets coalesced in one UDP
// datagram (§12.2), the short header's spin bit and DCID (its length comes from the flow), and a
// heuristic for QUIC on any port. With the Initial keys (crypto/quic_initial.hpp) an Initial's
// payload decrypts; here are the frame walk of that payload and the CRYPTO stream reassembly
// that hands TLS its handshake bytes from offset 0. Nothing here allocates or throws; every
// view points into the caller's bytes.
//
//   long header:  1 F(ixed) TT(type) xxxx | version(32) | DCID len(8) DCID | SCID len(8) SCID
//                 Initial: token length(varint) token | Length(varint) | PN(8..32, protected) payload
//   short header: 0 F S(pin) (protected: reserved, key phase, PN length) | DCID | PN | payload
#pragma once

#include <algorithm>
#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <ranges>
#include <span>
#include <type_traits>
#include <string_view>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn::quic {

namespace detail {
/// An owning temporary: views into it would dangle once the full expression ends.
template <class C>
concept temporary_bytes = !std::is_lvalue_reference_v<C> && !std::ranges::borrowed_range<C>;
}  // namespace detail

// --- variable-length integers (RFC 9000 §16) ------------------------------------------------------

inline constexpr std::uint64_t max_varint = (std::uint64_t{1} << 62) - 1;

/// Bytes a varint takes, from its first byte: 1, 2, 4 or 8.
[[nodiscard]] constexpr std::size_t varint_size(std::uint8_t first) noexcept { return std::size_t{1} << (first >> 6); }

/// Reads one varint; fails the cursor (and returns 0) when it does not fit.
[[nodiscard]] inline std::uint64_t read_varint(cursor& c) noexcept {
    const std::size_t n = varint_size(c.peek_u8());
    const auto b = c.take(n);
    if (b.size() != n) return 0;
    std::uint64_t v = std::to_integer<std::uint8_t>(b[0]) & 0x3f;
    for (std::size_t i = 1; i < n; ++i) v = (v << 8) | std::to_integer<std::uint8_t>(b[i]);
    return v;
}

// --- versions -------------------------------------------------------------------------------------

inline constexpr std::uint32_t negotiation_version = 0;  ///< the Version of a Version Negotiation packet
inline constexpr std::uint32_t version_1 = 0x00000001;        ///< RFC 9000
inline constexpr std::uint32_t version_2 = 0x6b3343cf;        ///< RFC 9369
inline constexpr std::uint32_t version_2_draft = 0x709a50c4;  ///< draft-ietf-quic-v2 code point (RFC 9369 §9)

enum class version_family : std::uint8_t {
    unknown,
    negotiation,     ///< 0: a Version Negotiation packet
    v1,
    v2,              ///< RFC 9369 and its draft code point
    ietf_draft,      ///< 0xff0000NN
    mvfst,           ///< Facebook's 0xfaceb00N
    google_q,        ///< gQUIC "Q0NN"
    google_t,        ///< gQUIC over TLS "T0NN"
    forced_negotiation,  ///< 0x?a?a?a?a: reserved to exercise version negotiation (RFC 9000 §15)
};

struct version_info {
    version_family family = version_family::unknown;
    std::uint8_t number = 0;   ///< draft number (ietf_draft; mvfst's matching draft), gQUIC's NN
    /// The long header follows the invariants (RFC 8999): 1-byte CID lengths, Initial has a token.
    bool ietf_long_header = false;
    /// Initial packets are protected with keys derived from the DCID (crypto/quic_initial.hpp).
    bool initial_keys = false;
    /// CRYPTO frames carry TLS 1.3 handshake messages (Q050's carry gQUIC's own CHLO).
    bool tls = false;
    /// Long header types use RFC 9369's numbering (Initial 1, 0-RTT 2, Handshake 3, Retry 0).
    bool v2_types = false;
};

[[nodiscard]] constexpr bool is_digit_byte(std::uint32_t b) noexcept { return b >= '0' && b <= '9'; }

[[nodiscard]] constexpr version_info classify(std::uint32_t v) noexcept {
    version_info i;
    const auto c1 = (v >> 16) & 0xff, c2 = (v >> 8) & 0xff, c3 = v & 0xff;
    const bool nnn = is_digit_byte(c1) && is_digit_byte(c2) && is_digit_byte(c3);
    if (v == negotiation_version) {
        i.family = version_family::negotiation;
    } else if (v == version_1) {
        i = {version_family::v1, 0, true, true, true, false};
    } else if (v == version_2 || v == version_2_draft) {
        i = {version_family::v2, 0, true, true, true, true};
    } else if ((v >> 8) == 0xff0000) {
        const auto n = static_cast<std::uint8_t>(v);
        // 1-byte CID lengths since draft 22 (before: two 4-bit lengths); pktdyn knows the
        // Initial salts from draft 22 on.
        i = {version_family::ietf_draft, n, n >= 22, n >= 22, true, false};
    } else if ((v & 0xfffff000) == 0xfaceb000) {
        // mvfst: 0xfaceb001 follows draft 22, 0xfaceb002 / 0xfaceb00e (experimental) draft 27.
        const std::uint8_t n = v == 0xfaceb001 ? 22 : 27;
        i = {version_family::mvfst, n, true, true, true, false};
    } else if ((v >> 24) == 'Q' && nnn) {
        const auto n = static_cast<std::uint8_t>((c1 - '0') * 100 + (c2 - '0') * 10 + (c3 - '0'));
        // Q046 has a long header with 4-bit CID lengths; Q050 follows the invariants and
        // protects its Initial like the drafts (but carries gQUIC's crypto handshake).
        i = {version_family::google_q, n, n >= 50, n >= 50, false, false};
    } else if ((v >> 24) == 'T' && nnn) {
        const auto n = static_cast<std::uint8_t>((c1 - '0') * 100 + (c2 - '0') * 10 + (c3 - '0'));
        i = {version_family::google_t, n, true, n == 50 || n == 51, true, false};
    } else if ((v & 0x0f0f0f0f) == 0x0a0a0a0a) {
        // No keys are defined for reserved versions; clients that send them (quic-interop
        // runners, Chrome) protect the Initial like draft 29, which is what Wireshark and nDPI
        // assume too.
        i = {version_family::forced_negotiation, 29, true, true, true, false};
    }
    return i;
}

/// A version's name, nDPI's spelling: "V-1", "V-2", "Draft-29", "MVFST-22", "MVFST-EXP", "Q046",
/// "T051", "Ver-Negotiation" (also for reserved 0x?a?a?a?a versions, as nDPI does); others as
/// "0x12345678". A value: no allocation.
struct version_name {
    std::array<char, 16> text{};
    std::uint8_t size = 0;
    [[nodiscard]] std::string_view view() const noexcept { return {text.data(), size}; }
    friend bool operator==(const version_name& a, std::string_view b) noexcept { return a.view() == b; }
};

[[nodiscard]] inline version_name name_of(std::uint32_t v) noexcept {
    version_name out;
    auto put = [&](std::string_view s) {
        for (char ch : s)
            if (out.size < out.text.size()) out.text[out.size++] = ch;
    };
    auto put_number = [&](unsigned n, int digits) {
        char d[3];
        for (int k = digits - 1; k >= 0; --k, n /= 10) d[k] = static_cast<char>('0' + n % 10);
        put({d, static_cast<std::size_t>(digits)});
    };
    const auto info = classify(v);
    switch (info.family) {
        case version_family::negotiation:
        case version_family::forced_negotiation: put("Ver-Negotiation"); break;  // nDPI's name for both
        case version_family::v1: put("V-1"); break;
        case version_family::v2: put("V-2"); break;
        case version_family::ietf_draft: put("Draft-"); put_number(info.number, info.number >= 100 ? 3 : 2); break;
        case version_family::mvfst:
            if (v == 0xfaceb00e) put("MVFST-EXP");
            else { put("MVFST-"); put_number(info.number, 2); }
            break;
        case version_family::google_q:
        case version_family::google_t:
            put(info.family == version_family::google_q ? "Q" : "T");
            put_number(info.number, 3);
            break;
        default: {
            constexpr char hex[] = "0123456789abcdef";
            put("0x");
            for (int s = 28; s >= 0; s -= 4) out.text[out.size++] = hex[(v >> s) & 0xf];
        }
    }
    return out;
}

// --- packets ----------------------------------------------------------------------------------------

inline constexpr std::size_t max_cid_length = 20;  ///< RFC 9000 §17.2 (v1; other versions may differ)

enum class packet_type : std::uint8_t { initial, zero_rtt, handshake, retry, version_negotiation, short_header, unknown };

[[nodiscard]] constexpr std::string_view to_string(packet_type t) noexcept {
    constexpr std::string_view names[] = {"initial", "0-rtt", "handshake", "retry", "version negotiation", "short header",
                                          "unknown"};
    return names[static_cast<std::size_t>(t)];
}

enum class parse_status : std::uint8_t {
    ok,
    truncated,    ///< the header or the Length it states runs past the bytes given
    malformed,    ///< not a QUIC packet of this kind (bad lengths, form bit, empty version list)
    unsupported,  ///< a version whose long header pktdyn does not read past the version (gQUIC < Q050)
};

[[nodiscard]] constexpr std::string_view to_string(parse_status s) noexcept {
    constexpr std::string_view names[] = {"ok", "truncated", "malformed", "unsupported version"};
    return names[static_cast<std::size_t>(s)];
}

/// The long header of one packet at the start of `bytes` (RFC 9000 §17.2). For Initial, 0-RTT
/// and Handshake packets `size` = pn_offset + Length: where the next coalesced packet starts.
struct long_header {
    parse_status status = parse_status::malformed;
    packet_type type = packet_type::unknown;
    std::uint8_t first_byte = 0;   ///< as on the wire: its low 4 bits are header-protected
    bool fixed_bit = false;        ///< 0x40; RFC 9287 lets peers grease it, so it is reported, not required
    std::uint32_t version = 0;
    std::span<const std::byte> dcid, scid;
    std::span<const std::byte> token;       ///< Initial: the token; Retry: the retry token
    std::span<const std::byte> retry_tag;   ///< Retry: the 16-byte integrity tag
    std::span<const std::byte> versions;    ///< Version Negotiation: the supported versions, 4 bytes each
    std::uint64_t length = 0;               ///< the Length field: packet number + protected payload
    std::size_t pn_offset = 0;              ///< where the (protected) packet number starts
    std::size_t size = 0;                   ///< bytes of this packet (0 when not known: truncated)
    std::span<const std::byte> packet;      ///< the whole packet: bytes[0, size)

    [[nodiscard]] bool ok() const noexcept { return status == parse_status::ok; }
    [[nodiscard]] std::size_t version_count() const noexcept { return versions.size() / 4; }
    [[nodiscard]] std::uint32_t supported_version(std::size_t i) const noexcept {
        return i < version_count() ? pktdyn::detail::load_be<std::uint32_t>(versions.data() + 4 * i) : 0;
    }

    [[nodiscard]] static long_header parse(std::span<const std::byte> bytes) noexcept {
        long_header h;
        cursor c{bytes};
        h.first_byte = c.u8();
        h.version = c.u32be();
        if (!c.ok()) return h.status = parse_status::truncated, h;
        if (!(h.first_byte & 0x80)) return h;  // a short header
        h.fixed_bit = (h.first_byte & 0x40) != 0;
        const auto info = classify(h.version);
        if (h.version == negotiation_version) {
            h.type = packet_type::version_negotiation;
        } else if (!info.ietf_long_header) {
            h.status = parse_status::unsupported;
            return h;
        } else {
            const unsigned bits = (h.first_byte >> 4) & 3;
            constexpr packet_type v1[] = {packet_type::initial, packet_type::zero_rtt, packet_type::handshake,
                                          packet_type::retry};
            constexpr packet_type v2[] = {packet_type::retry, packet_type::initial, packet_type::zero_rtt,
                                          packet_type::handshake};
            h.type = info.v2_types ? v2[bits] : v1[bits];
        }
        // Connection IDs: v1 caps them at 20 bytes; Version Negotiation may carry up to 255
        // (RFC 8999 §5.1), as may versions pktdyn does not know.
        const std::size_t cap = h.type == packet_type::version_negotiation ||
                                        info.family == version_family::forced_negotiation
                                    ? 255 : max_cid_length;
        const std::size_t dl = c.u8();
        h.dcid = c.take(dl);
        const std::size_t sl = c.u8();
        h.scid = c.take(sl);
        if (!c.ok()) return h.status = parse_status::truncated, h;
        if (dl > cap || sl > cap) return h;
        switch (h.type) {
            case packet_type::version_negotiation:
                h.versions = c.rest();
                if (h.versions.empty() || h.versions.size() % 4 != 0) return h;
                h.size = bytes.size();
                break;
            case packet_type::retry:
                // The rest of the datagram: token, then the 16-byte integrity tag (no Length field).
                if (c.remaining() < 16) return h.status = parse_status::truncated, h;
                h.token = c.take(c.remaining() - 16);
                h.retry_tag = c.take(16);
                h.size = bytes.size();
                break;
            case packet_type::initial: {
                const std::uint64_t tl = read_varint(c);
                if (c.ok() && tl > c.remaining()) return h.status = parse_status::truncated, h;
                h.token = c.take(static_cast<std::size_t>(tl));
                [[fallthrough]];
            }
            default: {
                h.length = read_varint(c);
                if (!c.ok()) return h.status = parse_status::truncated, h;
                h.pn_offset = c.position();
                if (h.length < 1) return h;  // room for at least the packet number
                if (h.length > c.remaining()) return h.status = parse_status::truncated, h;
                h.size = h.pn_offset + static_cast<std::size_t>(h.length);
            }
        }
        h.packet = bytes.first(h.size);
        h.status = parse_status::ok;
        return h;
    }
    template <detail::temporary_bytes Buffer>
    static long_header parse(Buffer&&) = delete;  // views into a temporary would dangle
};

/// The readable part of a short header (RFC 9000 §17.3): the rest of the first byte is protected.
struct short_header {
    bool ok = false;
    std::uint8_t first_byte = 0;
    bool fixed_bit = false;
    bool spin = false;                       ///< the latency spin bit (0x20)
    std::span<const std::byte> dcid;         ///< `dcid_length` bytes, a length only the flow knows
    std::span<const std::byte> packet;       ///< the rest of the datagram: a short header packet is last

    [[nodiscard]] static short_header parse(std::span<const std::byte> bytes, std::size_t dcid_length) noexcept {
        short_header h;
        cursor c{bytes};
        h.first_byte = c.u8();
        h.dcid = c.take(dcid_length);
        if (!c.ok() || (h.first_byte & 0x80) || dcid_length > max_cid_length) return h;
        h.fixed_bit = (h.first_byte & 0x40) != 0;
        h.spin = (h.first_byte & 0x20) != 0;
        h.packet = bytes;
        h.ok = true;
        return h;
    }
    template <detail::temporary_bytes Buffer>
    static short_header parse(Buffer&&, std::size_t) = delete;  // views into a temporary would dangle
};

/// Walks the packets coalesced in one UDP datagram (RFC 9000 §12.2): long header packets, each
/// sized by its Length, until the datagram ends, a short header packet begins (it is always
/// last; rest() gives it), or a packet does not parse (status() says why).
class datagram_walker {
public:
    explicit datagram_walker(std::span<const std::byte> datagram) noexcept : rest_(datagram) {}
    template <detail::temporary_bytes Buffer>
    explicit datagram_walker(Buffer&&) = delete;  // views into a temporary would dangle

    /// The next long header packet; false at the end of what can be walked.
    [[nodiscard]] bool next(long_header& out) noexcept {
        if (done_ || rest_.empty()) return false;
        if (!(std::to_integer<std::uint8_t>(rest_[0]) & 0x80)) return done_ = true, false;  // short header
        out = long_header::parse(rest_);
        status_ = out.status;
        if (!out.ok()) return done_ = true, false;
        ++count_;
        rest_ = rest_.subspan(out.size);
        return true;
    }
    /// What was not walked: a short header packet, trailing bytes, or a packet that failed.
    [[nodiscard]] std::span<const std::byte> rest() const noexcept { return rest_; }
    /// ok, or why the last packet did not parse.
    [[nodiscard]] parse_status status() const noexcept { return status_; }
    [[nodiscard]] std::size_t count() const noexcept { return count_; }

private:
    std::span<const std::byte> rest_;
    std::size_t count_ = 0;
    parse_status status_ = parse_status::ok;
    bool done_ = false;
};

// --- "is this QUIC?" for UDP flows on any port ---------------------------------------------------

struct detection {
    bool quic = false;
    bool long_header = false;   ///< else a gQUIC public header (Q043 and older)
    std::uint32_t version = 0;
    packet_type type = packet_type::unknown;
};

/// A guess from the first datagram of a flow, for flows on any port: an IETF-style long header
/// with the fixed bit, a version pktdyn knows (or Version Negotiation with a sane version list),
/// CID lengths within bounds and a packet that parses; a client Initial must also fill a
/// 1200-byte datagram (RFC 9000 §14.1). Or a gQUIC public header (flags with the version bit,
/// an 8-byte CID, "Q0NN"). Short header packets alone are not recognisable and are not guessed.
[[nodiscard]] inline detection looks_like_quic(std::span<const std::byte> payload) noexcept {
    detection d;
    if (payload.size() < 7) return d;
    const auto b0 = std::to_integer<std::uint8_t>(payload[0]);
    if (b0 & 0x80) {
        // Q046 has a long header with gQUIC's CID-length nibbles, which the IETF parse refuses.
        if (const auto v = pktdyn::detail::load_be<std::uint32_t>(payload.data() + 1);
            classify(v).family == version_family::google_q && !classify(v).ietf_long_header)
            return d = {true, true, v, packet_type::unknown}, d;
        const auto h = long_header::parse(payload);
        if (!h.ok() || (!h.fixed_bit && h.type != packet_type::version_negotiation)) return d;
        const auto info = classify(h.version);
        if (info.family == version_family::unknown) return d;
        if (h.type == packet_type::version_negotiation) {
            for (std::size_t i = 0; i < h.version_count(); ++i)
                if (classify(h.supported_version(i)).family == version_family::unknown) return d;
        } else if (h.type == packet_type::initial && payload.size() < 1200 &&
                   info.family != version_family::google_q && info.family != version_family::google_t) {
            // Servers' Initials can be short; a client's is padded. Without direction, accept
            // short Initials only when they carry a token-less header with an SCID (server-like).
            if (h.scid.empty()) return d;
        }
        d = {true, true, h.version, h.type};
        return d;
    }
    // gQUIC public header (Q043 and older): flags, 8-byte CID, version "Q0NN" when 0x01 is set.
    if ((b0 & 0x01) && (b0 & 0x08) && !(b0 & 0x80) && payload.size() >= 13) {
        const auto v = pktdyn::detail::load_be<std::uint32_t>(payload.data() + 9);
        if (classify(v).family == version_family::google_q) d = {true, false, v, packet_type::unknown};
    }
    return d;
}

// --- frames of a decrypted Initial payload ---------------------------------------------------------

enum class frame_type : std::uint8_t { padding, ping, ack, crypto, connection_close };

/// One frame of an Initial (or Handshake) packet's plaintext (RFC 9000 §19); only the frames
/// allowed there (§12.4: PADDING, PING, ACK, CRYPTO, CONNECTION_CLOSE 0x1c) parse.
struct initial_frame {
    frame_type type = frame_type::padding;
    std::size_t padding = 0;                  ///< PADDING: bytes in this run of PADDING frames
    std::uint64_t largest_acknowledged = 0;   ///< ACK
    std::uint64_t ack_delay = 0;              ///< ACK, in units of 2^ack_delay_exponent µs
    std::uint64_t ack_ranges = 0;             ///< ACK: Range Count (+1 for the first range)
    bool ecn = false;                         ///< ACK type 0x03: ECN counts follow
    std::array<std::uint64_t, 3> ecn_counts{};  ///< ECT(0), ECT(1), ECN-CE
    std::uint64_t offset = 0;                 ///< CRYPTO: offset in the crypto stream
    std::span<const std::byte> data;          ///< CRYPTO: data; CONNECTION_CLOSE: reason phrase
    std::uint64_t error_code = 0;             ///< CONNECTION_CLOSE
    std::uint64_t frame_type_closed = 0;      ///< CONNECTION_CLOSE: frame type that caused it
};

/// Walks the frames of a decrypted Initial payload. next() stops at the end (status ok) or at
/// the first frame that does not fit or is not allowed in an Initial (status malformed).
/// Google's Q050 / T050 / T051 use gQUIC frame types inside IETF-style Initials: for them
/// (pass the packet's version) PADDING 0x00, PING 0x07 and CRYPTO 0x08 (varint offset and
/// length, like IETF CRYPTO) are read; gQUIC's ACK and STREAM frames end the walk as malformed.
class frame_walker {
public:
    explicit frame_walker(std::span<const std::byte> plaintext, std::uint32_t version = version_1) noexcept
        : c_(plaintext), gquic_(classify(version).family == version_family::google_q ||
                                classify(version).family == version_family::google_t) {}
    template <detail::temporary_bytes Buffer>
    explicit frame_walker(Buffer&&, std::uint32_t = version_1) = delete;  // views into a temporary would dangle

    [[nodiscard]] bool next(initial_frame& f) noexcept {
        if (!ok_ || c_.empty()) return false;
        f = {};
        std::uint64_t type = read_varint(c_);
        if (gquic_) type = type == 0x07 ? 0x01 : type == 0x08 ? 0x06 : type == 0x00 ? 0x00 : 0xff;
        switch (type) {
            case 0x00: {
                f.type = frame_type::padding;
                f.padding = 1;
                while (!c_.empty() && c_.peek_u8() == 0) c_.skip(1), ++f.padding;
                break;
            }
            case 0x01: f.type = frame_type::ping; break;
            case 0x02:
            case 0x03: {
                f.type = frame_type::ack;
                f.largest_acknowledged = read_varint(c_);
                f.ack_delay = read_varint(c_);
                const std::uint64_t ranges = read_varint(c_);
                (void)read_varint(c_);  // first ACK range
                // Each further range is a gap and a length: at least 2 bytes, so a count the
                // bytes cannot hold fails the cursor instead of looping.
                if (ranges > c_.remaining() / 2) c_.fail();
                for (std::uint64_t i = 0; i < ranges && c_.ok(); ++i) (void)read_varint(c_), (void)read_varint(c_);
                f.ack_ranges = ranges + 1;
                if (type == 0x03) {
                    f.ecn = true;
                    for (auto& n : f.ecn_counts) n = read_varint(c_);
                }
                break;
            }
            case 0x06: {
                f.type = frame_type::crypto;
                f.offset = read_varint(c_);
                const std::uint64_t n = read_varint(c_);
                if (c_.ok() && (n > c_.remaining() || f.offset + n > max_varint)) c_.fail();
                f.data = c_.take(static_cast<std::size_t>(n));
                break;
            }
            case 0x1c: {
                f.type = frame_type::connection_close;
                f.error_code = read_varint(c_);
                f.frame_type_closed = read_varint(c_);
                const std::uint64_t n = read_varint(c_);
                if (c_.ok() && n > c_.remaining()) c_.fail();
                f.data = c_.take(static_cast<std::size_t>(n));
                break;
            }
            default: c_.fail();  // not allowed in an Initial packet (RFC 9000 §12.4, Table 3)
        }
        ok_ = c_.ok();
        return ok_;
    }
    /// False once a frame did not fit or was not allowed in an Initial.
    [[nodiscard]] bool ok() const noexcept { return ok_; }
    /// Where the walk is (or stopped), from the start of the plaintext.
    [[nodiscard]] std::size_t position() const noexcept { return c_.position(); }

private:
    cursor c_;
    bool gquic_ = false;
    bool ok_ = true;
};

// --- CRYPTO stream reassembly ---------------------------------------------------------------------

/// The crypto stream of one packet number space (RFC 9000 §19.6), reassembled from CRYPTO frames
/// that arrive out of order, overlapping and spread over several Initial packets, into a fixed
/// buffer of `Capacity` bytes. Bytes past the capacity are dropped and counted; where frames
/// overlap, the bytes first received are kept and a disagreement is counted.
template <std::size_t Capacity = 8192>
class crypto_stream {
    static_assert(Capacity > 0);

public:
    static constexpr std::size_t capacity = Capacity;

    /// Adds one CRYPTO frame's data at `offset`.
    void add(std::uint64_t offset, std::span<const std::byte> data) noexcept {
        ++frames_;
        if (offset >= Capacity) {
            dropped_ += data.size();
            return;
        }
        const auto at = static_cast<std::size_t>(offset);
        const std::size_t fits = std::min(data.size(), Capacity - at);
        dropped_ += data.size() - fits;
        for (std::size_t i = 0; i < fits; ++i) {
            if (have_[at + i]) {
                conflicts_ += buffer_[at + i] != data[i];
                continue;
            }
            buffer_[at + i] = data[i];
            have_[at + i] = true;
        }
        end_ = std::max(end_, at + fits);
        while (contiguous_ < Capacity && have_[contiguous_]) ++contiguous_;
    }

    /// The bytes received without a gap from offset 0.
    [[nodiscard]] std::span<const std::byte> contiguous() const noexcept { return {buffer_.data(), contiguous_}; }
    /// The first handshake message's length with its 4-byte header (type, 24-bit length), or 0
    /// while those 4 bytes are not in.
    [[nodiscard]] std::size_t first_message_size() const noexcept {
        if (contiguous_ < 4) return 0;
        return 4 + (std::size_t{std::to_integer<std::uint8_t>(buffer_[1])} << 16 |
                    std::size_t{std::to_integer<std::uint8_t>(buffer_[2])} << 8 |
                    std::size_t{std::to_integer<std::uint8_t>(buffer_[3])});
    }
    /// The first handshake message (a ClientHello or ServerHello) is all in contiguous().
    [[nodiscard]] bool first_message_complete() const noexcept {
        const std::size_t n = first_message_size();
        return n != 0 && n <= contiguous_;
    }
    /// The first message cannot complete: it is longer than the buffer.
    [[nodiscard]] bool first_message_too_large() const noexcept { return first_message_size() > Capacity; }
    /// Bytes held, with or without gaps before them (a gap means a frame is still missing).
    [[nodiscard]] bool has_gap() const noexcept { return end_ > contiguous_; }
    [[nodiscard]] std::uint64_t bytes_dropped() const noexcept { return dropped_; }
    [[nodiscard]] std::uint64_t conflicting_bytes() const noexcept { return conflicts_; }
    [[nodiscard]] std::uint32_t frames() const noexcept { return frames_; }

    void reset() noexcept {
        have_.reset();
        contiguous_ = end_ = 0;
        dropped_ = conflicts_ = 0;
        frames_ = 0;
    }

private:
    std::array<std::byte, Capacity> buffer_{};
    std::bitset<Capacity> have_;
    std::size_t contiguous_ = 0;
    std::size_t end_ = 0;
    std::uint64_t dropped_ = 0;
    std::uint64_t conflicts_ = 0;
    std::uint32_t frames_ = 0;
};

/// Feeds every CRYPTO frame of a decrypted Initial payload of `version` into `stream`; false if
/// a frame was malformed (frames before it are kept).
template <std::size_t Capacity>
[[nodiscard]] bool collect_crypto(std::span<const std::byte> plaintext, crypto_stream<Capacity>& stream,
                                  std::uint32_t version = version_1) noexcept {
    frame_walker w{plaintext, version};
    initial_frame f;
    while (w.next(f))
        if (f.type == frame_type::crypto) stream.add(f.offset, f.data);
    return w.ok();
}

// --- gQUIC's own handshake: the CHLO message (Google QUIC Q0xx before TLS) -------------------------

/// A gQUIC client hello ("CHLO", QUIC Crypto's handshake message): a tag count, a table of (tag,
/// end offset) pairs in little-endian, then the values. Before Q046 it travels in clear in a STREAM
/// frame of stream 1; in Q050 inside CRYPTO frames of an Initial. Only the values pktdyn reports
/// are decoded: SNI (the server name) and UAID (the user agent).
struct chlo {
    bool ok = false;
    std::string_view server_name{};
    std::string_view user_agent{};

    /// From bytes that start with "CHLO"; a table or value cut short leaves what was present.
    [[nodiscard]] static chlo parse(std::span<const std::byte> bytes) noexcept {
        chlo m;
        cursor c{bytes};
        const auto tag = c.u32be();
        if (!c.ok() || tag != 0x43484C4Fu) return m;  // "CHLO"
        const std::size_t entries = c.u16le();
        c.skip(2);
        const auto table = c.take(entries * 8);
        if (!c.ok()) return m;
        const auto values = c.rest();
        m.ok = true;
        std::uint32_t start = 0;
        for (std::size_t i = 0; i < entries; ++i) {
            const auto key = pktdyn::detail::load_be<std::uint32_t>(table.data() + 8 * i);
            const auto end = pktdyn::detail::load_le<std::uint32_t>(table.data() + 8 * i + 4);
            if (end < start || end > values.size()) break;
            const std::string_view value{reinterpret_cast<const char*>(values.data()) + start, end - start};
            if (key == 0x534E4900u) m.server_name = value;      // "SNI\0"
            else if (key == 0x55414944u) m.user_agent = value;  // "UAID"
            start = end;
        }
        return m;
    }
    /// The first CHLO in a datagram of a gQUIC version whose handshake travels in clear (Q043 and
    /// older, Q046): found by its tag, as the frames before it need the version's exact layout.
    [[nodiscard]] static chlo find(std::span<const std::byte> datagram) noexcept {
        for (std::size_t i = 0; i + 4 <= datagram.size(); ++i)
            if (datagram[i] == std::byte{'C'} && datagram[i + 1] == std::byte{'H'} && datagram[i + 2] == std::byte{'L'} &&
                datagram[i + 3] == std::byte{'O'})
                if (const auto m = parse(datagram.subspan(i)); m.ok) return m;
        return {};
    }
};

// --- spin bit RTT (RFC 9000 §17.4, RFC 9312 §3.8.2) -----------------------------------------------

enum class spin_state : std::uint8_t {
    unseen,        ///< no short header packet observed
    constant,      ///< never changed: spin bit disabled (set to a constant) or too few packets
    in_use,        ///< edges seen: a spinning bit
    random,        ///< not a signal: flips on every packet, or flips while the peer's stays constant
};

[[nodiscard]] constexpr std::string_view to_string(spin_state s) noexcept {
    constexpr std::string_view names[] = {"unseen", "constant", "in use", "random"};
    return names[static_cast<std::size_t>(s)];
}

/// The spin bit seen in one direction of a flow. The value flips once per round trip, so the
/// time between two consecutive edges seen in one direction is one RTT sample (RFC 9312
/// §3.8.2). Reordering around an edge gives a short false sample; pktdyn does not filter it
/// (the packet number that would tell is protected).
class spin_tracker {
public:
    struct summary {
        spin_state state = spin_state::unseen;
        std::uint64_t packets = 0;
        std::uint32_t edges = 0;
        std::uint32_t samples = 0;       ///< edges - 1 (0 when not in use)
        std::int64_t min_ns = 0, mean_ns = 0, max_ns = 0;  ///< RTT estimate; 0 without samples
    };

    /// One short header packet of this direction: its spin bit and capture time (ns).
    void observe(bool spin, std::int64_t time_ns) noexcept {
        if (packets_++ == 0) {
            value_ = spin;
            return;
        }
        if (spin == value_) return;
        value_ = spin;
        ++edges_;
        if (edges_ > 1) {
            const std::int64_t d = time_ns - last_edge_;
            if (samples_ == 0 || d < min_) min_ = d;
            if (samples_ == 0 || d > max_) max_ = d;
            sum_ += d;
            ++samples_;
        }
        last_edge_ = time_ns;
    }

    /// This direction alone: "random" when the value changed on every one of at least 8
    /// packets (a greased bit; a real one keeps its value for a round trip, which holds more
    /// than one packet on all but the sparsest flows).
    [[nodiscard]] summary result() const noexcept {
        summary s;
        s.packets = packets_;
        s.edges = edges_;
        if (packets_ == 0) return s;
        if (edges_ == 0) return s.state = spin_state::constant, s;
        if (packets_ >= 8 && edges_ + 1 == packets_) return s.state = spin_state::random, s;
        s.state = spin_state::in_use;
        s.samples = samples_;
        if (samples_) {
            s.min_ns = min_;
            s.max_ns = max_;
            s.mean_ns = sum_ / samples_;
        }
        return s;
    }

private:
    std::uint64_t packets_ = 0;
    std::uint32_t edges_ = 0, samples_ = 0;
    std::int64_t last_edge_ = 0, min_ = 0, max_ = 0, sum_ = 0;
    bool value_ = false;
};

/// Both directions of a flow. A spin needs both endpoints (the client inverts what it last
/// received, the server reflects it), so a bit that flips one way while the other way stays
/// constant over at least 4 packets is a greased bit (RFC 9000 §17.4 lets an endpoint that
/// disables spinning send random values), not an RTT signal.
class spin_rtt {
public:
    struct summary {
        spin_state state = spin_state::unseen;
        spin_tracker::summary client_to_server, server_to_client;
        /// The RTT estimate: the direction with more samples (either measures the full RTT).
        std::uint32_t samples = 0;
        std::int64_t min_ns = 0, mean_ns = 0, max_ns = 0;
    };

    void observe(bool from_client, bool spin, std::int64_t time_ns) noexcept {
        (from_client ? c2s_ : s2c_).observe(spin, time_ns);
    }
    [[nodiscard]] summary result() const noexcept {
        summary s;
        s.client_to_server = c2s_.result();
        s.server_to_client = s2c_.result();
        const auto& a = s.client_to_server;
        const auto& b = s.server_to_client;
        if (a.state == spin_state::unseen && b.state == spin_state::unseen) return s;
        if (a.state == spin_state::random || b.state == spin_state::random ||
            (a.state == spin_state::in_use && b.state == spin_state::constant && b.packets >= 4) ||
            (b.state == spin_state::in_use && a.state == spin_state::constant && a.packets >= 4))
            return s.state = spin_state::random, s;
        if (a.state != spin_state::in_use && b.state != spin_state::in_use) return s.state = spin_state::constant, s;
        s.state = spin_state::in_use;
        const auto& best = a.samples >= b.samples ? a : b;
        s.samples = best.samples;
        s.min_ns = best.min_ns;
        s.mean_ns = best.mean_ns;
        s.max_ns = best.max_ns;
        return s;
    }

private:
    spin_tracker c2s_, s2c_;
};

}  // namespace pktdyn::quic
