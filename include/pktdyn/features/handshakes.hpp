// pktdyn — handshake metadata of a flow: what TLS, DTLS, QUIC, SSH and DNS say in the clear.
//
// `handshake_metadata` is a flow accumulator with text values (needs pktdyn::crypto: fingerprints
// are digests, certificates are read by libcrypto). Its parts are accumulators on their own, for a
// pipeline that wants one: `tls_meta` (TLS, DTLS and the TLS hellos inside QUIC), `quic_meta`
// (version, spin bit), `ssh_meta` (banners, HASSH), `dns_meta` (DNS messages, the responder's
// resolved name, DNS transport). All share one identification step (decide() below) and one
// column table, and write their values into columns by name; handshake_metadata writes them all,
// plus the flow's handshake kind and its streams' health. A flow's first payloads decide what it is:
//   TCP  TLS records → TLS; "SSH-" → SSH; port 53 → DNS over TCP
//   UDP  ports 53, 5353, 5355 → DNS; a DTLS record → DTLS; a QUIC long header → QUIC
// Everything else costs one branch per packet from then on. A handshake flow allocates its state
// once (never per packet): each TCP direction is read as a byte stream (flow/tcp_stream.hpp) into
// the TLS record reader or the SSH parser, QUIC Initials are decrypted and their CRYPTO frames
// reassembled; the parsers' values are kept as numbers and short strings, and the stream buffers
// are freed as soon as the handshake is read. docs/handshakes.md defines every value.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "pktdyn/core/text.hpp"
#include "pktdyn/crypto/quic_initial.hpp"
#include "pktdyn/crypto/x509.hpp"
#include "pktdyn/features/accumulator.hpp"
#include "pktdyn/flow/dns_cache.hpp"
#include "pktdyn/flow/tcp_stream.hpp"
#include "pktdyn/proto/dns.hpp"
#include "pktdyn/proto/dns_transport.hpp"
#include "pktdyn/proto/quic.hpp"
#include "pktdyn/crypto/fingerprints.hpp"
#include "pktdyn/proto/ssh.hpp"
#include "pktdyn/proto/tls.hpp"
#include "pktdyn/proto/tls_fingerprint.hpp"
#include "pktdyn/proto/tls_stream.hpp"

namespace pktdyn {

/// What a flow's handshake turned out to be.
enum class handshake_kind : std::uint8_t { undecided, none, tls, dtls, quic, ssh, dns };

[[nodiscard]] constexpr std::string_view to_string(handshake_kind k) noexcept {
    constexpr std::array<std::string_view, 7> names{"", "", "tls", "dtls", "quic", "ssh", "dns"};
    return names[static_cast<std::size_t>(k)];
}

/// The parts of handshake_metadata, as bits: each part's columns, and the handshakes it reads.
namespace handshake_parts {
inline constexpr std::uint8_t tls = 1;     ///< TLS, DTLS, and the TLS hellos inside QUIC
inline constexpr std::uint8_t quic = 2;    ///< QUIC's version and spin bit
inline constexpr std::uint8_t ssh = 4;     ///< banners and HASSH
inline constexpr std::uint8_t dns = 8;     ///< DNS messages, resolved name, DNS transport
inline constexpr std::uint8_t common = 16; ///< the handshake kind, and the health of the handshake streams
inline constexpr std::uint8_t all = tls | quic | ssh | dns | common;
}  // namespace handshake_parts

namespace detail::handshakes {

inline constexpr std::size_t records = 10;  ///< TLS records kept per direction
/// Payload packets that may decide what a flow is: STARTTLS comes after a plaintext exchange (an
/// FTP server lists its features a line per packet before AUTH TLS), WebRTC sends STUN before DTLS.
inline constexpr int decide_within_tcp = 32;
inline constexpr int decide_within_udp = 8;

inline constexpr auto record_length_names = [] {
    std::array<numbered_names<records>, 2> n{numbered_names<records>{"orig_tls_record_length_", 1},
                                             numbered_names<records>{"resp_tls_record_length_", 1}};
    return n;
}();
inline constexpr auto record_type_names = [] {
    std::array<numbered_names<records>, 2> n{numbered_names<records>{"orig_tls_record_type_", 1},
                                             numbered_names<records>{"resp_tls_record_type_", 1}};
    return n;
}();
inline constexpr auto record_time_names = [] {
    std::array<numbered_names<records>, 2> n{numbered_names<records>{"orig_tls_record_time_s_", 1},
                                             numbered_names<records>{"resp_tls_record_time_s_", 1}};
    return n;
}();

/// One direction's TLS records, first `records` of them.
struct record_sequence {
    std::array<std::uint16_t, records> length{};
    std::array<std::uint8_t, records> type{};
    std::array<timestamp, records> time{};
    std::uint8_t count = 0;
    timestamp first_application_data{};
};

/// What the flow's handshake said, kept until the flow is written.
struct handshake_values {
    // TLS (also the ClientHello inside QUIC, and DTLS)
    std::uint16_t client_version = 0, server_version = 0, cipher_suite = 0;
    std::uint16_t client_cipher_suites = 0, client_extensions = 0;
    bool client_hello_seen = false, server_hello_seen = false;
    bool hello_retry = false, resumption_offered = false, resumed = false;
    std::uint8_t alert_level = 0, alert_description = 0;
    bool alert_seen = false;
    std::uint16_t certificates = 0;
    bool certificate_seen = false, self_signed = false;
    std::int64_t not_before = 0, not_after = 0;
    timestamp client_hello_time{}, server_hello_time{};
    std::array<record_sequence, 2> sequence{};
    std::string server_name, alpn_offered, alpn_selected, ja3_raw, ja3s_raw, ja4, ja4_r, ja4s;
    std::string cert_subject_cn, cert_issuer_cn, cert_names;
    // SSH: identification lines and HASSH strings of the originator (client) and responder (server)
    std::array<std::string, 2> ssh_banner, hassh_raw;
    // DNS: counts over the flow, the first query, and the first response's answers
    std::uint32_t dns_queries = 0, dns_responses = 0;
    std::uint16_t dns_rcode = 0, dns_qtype = 0, dns_answer_count = 0;
    std::uint32_t dns_ttl_min = 0;
    bool dns_response_seen = false, dns_ttl_seen = false;
    std::string dns_query, dns_answers;
    // QUIC
    std::uint32_t quic_version = 0, quic_first_version = 0;  // the version used; the first offered
    bool quic_seen = false;
    quic::spin_rtt spin{};
};

/// What the flow records of a leaf certificate.
struct certificate_values {
    std::string subject_cn, issuer_cn, names;  // names: the subjectAltName DNS names, comma-separated
    std::int64_t not_before = 0, not_after = 0;
    bool self_signed = false;
};

/// Summaries of certificates seen lately, by a 64-bit hash of their DER: servers send the same
/// certificate to every client, and decoding one with libcrypto (d2i_X509, and a signature check
/// when self-issued) costs tens of microseconds. One per thread, direct-mapped, no locks.
class certificate_cache {
public:
    static constexpr std::size_t slots = 1024;
    [[nodiscard]] static certificate_cache& local() {
        thread_local certificate_cache cache;
        return cache;
    }
    void clear() noexcept {
        for (auto& e : entries_) e.used = false;
    }
    /// The summary of `der`, decoded on a miss; nullptr when libcrypto cannot decode it.
    const certificate_values* get(std::span<const std::byte> der) {
        const std::uint64_t h = hash(der);
        entry& e = entries_[h % slots];
        if (e.used && e.hash == h && e.length == der.size()) return e.ok ? &e.values : nullptr;
        e = entry{};
        e.used = true;
        e.hash = h;
        e.length = der.size();
        if (auto s = crypto::summarize_certificate(der)) {
            e.ok = true;
            std::string names;
            for (const auto& n : s->dns_names) names += (names.empty() ? "" : ",") + n;
            e.values = {std::move(s->subject_cn), std::move(s->issuer_cn), std::move(names), s->not_before, s->not_after, s->self_signed};
        }
        return e.ok ? &e.values : nullptr;
    }

private:
    struct entry {
        std::uint64_t hash = 0;
        std::size_t length = 0;
        bool used = false, ok = false;
        certificate_values values;
    };
    // 8 bytes at a time, multiply-xorshift mixing (the murmur3 finaliser): a collision between two
    // certificates of the same length is a 2^-64 event.
    static std::uint64_t hash(std::span<const std::byte> b) noexcept {
        std::uint64_t h = 0x9E3779B97F4A7C15ull ^ b.size();
        std::size_t i = 0;
        const auto mix = [&](std::uint64_t k) {
            h ^= k * 0xC2B2AE3D27D4EB4Full;
            h = (h << 31 | h >> 33) * 0x9E3779B97F4A7C15ull;
        };
        for (; i + 8 <= b.size(); i += 8) {
            std::uint64_t k;
            std::memcpy(&k, b.data() + i, 8);
            mix(k);
        }
        std::uint64_t tail = 0;
        std::memcpy(&tail, b.data() + i, b.size() - i);
        mix(tail);
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDull;
        h ^= h >> 33;
        return h;
    }
    std::array<entry, slots> entries_{};
};

/// The first bytes of a TCP direction gathered for a parser that needs them contiguous (SSH's
/// identification and KEXINIT, DNS over TCP): allocated on first use, freed with the readers.
struct gathered {
    static constexpr std::uint32_t capacity = 8192;
    std::unique_ptr<std::byte[]> bytes;
    std::uint32_t size = 0;
    /// Appends what fits; false when no memory.
    bool append(std::span<const std::byte> more) noexcept {
        if (!bytes) {
            bytes.reset(new (std::nothrow) std::byte[capacity]);
            if (!bytes) return false;
        }
        const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(more.size(), capacity - size));
        if (n != 0) std::memcpy(bytes.get() + size, more.data(), n);
        size += n;
        return true;
    }
    [[nodiscard]] bool full() const noexcept { return size == capacity; }
    [[nodiscard]] std::span<const std::byte> view() const noexcept { return {bytes.get(), size}; }
};

/// A QUIC connection's Initial keys and CRYPTO streams, while its hellos are read.
struct quic_reader {
    crypto::initial_decryptor keys;
    std::array<quic::crypto_stream<8192>, 2> crypto{};  // client's, server's
    std::array<bool, 2> done{};
    std::array<std::size_t, 2> parsed{};  // bytes of each CRYPTO stream read as messages
    bool retried = false;  // the server sent a Retry: the client's next Initial brings the DCID of the keys
};

inline constexpr std::size_t fixed_features = 30;

constexpr std::array<feature_info, fixed_features + 2 * 3 * records> make_features() {
    // Every entry is named: an entry left out of the list below would be an empty column.
    std::array<feature_info, fixed_features + 2 * 3 * records> f{{
        {"tls", "client_version", "version code", "highest version the ClientHello offers (supported_versions, else legacy_version), GREASE excluded, as its 16-bit code: 769 TLS 1.0 ... 772 TLS 1.3, 65277 DTLS 1.2"},
        {"tls", "server_version", "version code", "version the ServerHello selects (supported_versions, else legacy_version)"},
        {"tls", "cipher_suite", "code", "cipher suite the ServerHello selects (IANA 16-bit code)"},
        {"tls", "client_cipher_suites", "count", "cipher suites the ClientHello offers, GREASE excluded"},
        {"tls", "client_extensions", "count", "extensions in the ClientHello, GREASE excluded"},
        {"tls", "hello_retry", "0/1", "1 when the server answered with a HelloRetryRequest"},
        {"tls", "resumption_offered", "0/1", "1 when the ClientHello offers to resume: a non-empty session id, a session ticket, or a pre_shared_key"},
        {"tls", "resumed", "0/1", "1 when the server accepted: pre_shared_key in a TLS 1.3 ServerHello, or a TLS <= 1.2 ServerHello echoing the client's non-empty session id"},
        {"tls", "alert_level", "code", "level of the first alert sent in the clear (1 warning, 2 fatal)"},
        {"tls", "alert_description", "code", "description of that alert (RFC 8446 §6: 40 handshake_failure, 42 bad_certificate, 48 unknown_ca, 70 protocol_version, ...)"},
        {"tls", "certificates", "count", "certificates in the server's Certificate message (TLS <= 1.2 and DTLS; TLS 1.3 sends it encrypted)"},
        {"tls", "cert_not_before", "s since epoch", "start of the first (leaf) certificate's validity, UTC"},
        {"tls", "cert_not_after", "s since epoch", "end of the leaf certificate's validity, UTC"},
        {"tls", "cert_self_signed", "0/1", "1 when the leaf certificate's subject equals its issuer and its signature verifies with its own key"},
        {"tls", "server_hello_delay_s", "s", "from the packet completing the ClientHello to the packet completing the ServerHello"},
        {"orig", "tls_first_app_data_s", "s", "from the ClientHello to the originator's first application_data record (in TLS 1.3 the first encrypted record)"},
        {"resp", "tls_first_app_data_s", "s", "from the ClientHello to the responder's first application_data record (in TLS 1.3 the first encrypted record)"},
        {"", "handshake_records", "count", "TLS records read in both directions (at most 10 per direction are listed below)"},
        {"quic", "version", "version code", "QUIC version the connection used: that of its latest long header packet other than Version Negotiation and greased versions (1 = v1, 1798521807 = v2, 4278190109 = draft-29, ...); the first offer when no other came"},
        {"quic", "first_version", "version code", "QUIC version of the flow's first long header packet: the client's first offer, which may be greased or unsupported when Version Negotiation followed"},
        {"quic", "spin_rtt_samples", "count", "RTT samples from the spin bit: intervals between consecutive spin edges seen in one direction (the direction with more), when the bit spins (not constant, not greased)"},
        {"quic", "spin_rtt_min_s", "s", "least of those intervals"},
        {"quic", "spin_rtt_mean_s", "s", "mean of those intervals"},
        {"dns", "queries", "count", "DNS messages with QR = 0 in the flow (UDP datagrams, or messages in the first 8 KiB of each TCP direction)"},
        {"dns", "responses", "count", "DNS messages with QR = 1"},
        {"dns", "rcode", "code", "RCODE of the first response's header, 4 bits (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED)"},
        {"dns", "answer_records", "count", "records the first response's header says its answer section holds (ANCOUNT)"},
        {"dns", "ttl_min_s", "s", "least TTL of the first response's answer records"},
        {"handshake", "out_of_order", "segments", "TCP segments of the handshake streams (TLS, SSH, DNS over TCP) that came ahead of a hole and waited for it"},
        {"handshake", "incomplete", "0/1", "1 when a handshake stream ended early: bytes in sequence were never captured (snap length, loss) or some still wait behind a hole"},
    }};
    std::size_t at = fixed_features;
    for (int side = 0; side < 2; ++side) {
        for (std::size_t i = 0; i < records; ++i)
            f[at++] = {"", record_length_names[side][i], "bytes",
                       side == 0 ? "length field of the originator's i-th TLS record (record header excluded)"
                                 : "length field of the responder's i-th TLS record (record header excluded)"};
        for (std::size_t i = 0; i < records; ++i)
            f[at++] = {"", record_type_names[side][i], "code",
                       "content type of that record: 20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data"};
        for (std::size_t i = 0; i < records; ++i)
            f[at++] = {"", record_time_names[side][i], "s",
                       "from the flow's first packet to the packet that completed that record's header"};
    }
    return f;
}

inline constexpr auto all_numbers = make_features();

inline constexpr std::array<feature_info, 29> all_texts{{
    {"", "handshake", "text", "what the flow's first payloads are: tls, dtls, quic, ssh, dns; empty for anything else"},
    {"", "server_name", "text", "host name of the ClientHello's server_name extension (TLS, DTLS, QUIC), as sent"},
    {"", "alpn_offered", "text", "ALPN protocols the ClientHello offers, in order, comma-separated"},
    {"", "alpn_selected", "text", "ALPN protocol the ServerHello selects"},
    {"", "tls_version_name", "text", "TLS version in nDPI's words (TLSv1.2, TLSv1.3, DTLSv1.2, ...): the ServerHello's selection, else the ClientHello's highest offer"},
    {"", "ja3", "hex", "JA3: MD5 of ja3_raw"},
    {"", "ja3_raw", "text", "JA3 string: SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats, GREASE removed, decimal values joined by '-'"},
    {"", "ja3s", "hex", "JA3S: MD5 of ja3s_raw"},
    {"", "ja3s_raw", "text", "JA3S string: SSLVersion,Cipher,Extensions of the ServerHello"},
    {"", "ja4", "text", "JA4 (FoxIO): protocol, version, SNI, counts and ALPN, then truncated SHA-256 of the sorted ciphers and of the sorted extensions with the signature algorithms"},
    {"", "ja4_r", "text", "JA4 with its lists in clear instead of hashed (ja4_r)"},
    {"", "ja4s", "text", "JA4S (FoxIO) of the ServerHello"},
    {"", "cert_subject_cn", "text", "last commonName of the leaf certificate's subject (TLS <= 1.2, DTLS)"},
    {"", "cert_issuer_cn", "text", "last commonName of the leaf certificate's issuer"},
    {"", "cert_names", "text", "the leaf certificate's subjectAltName DNS names, comma-separated, in order"},
    {"", "quic_version_name", "text", "the QUIC version the connection used (quic_version) in nDPI's words: V-1, V-2, Draft-29, Q046, T051, MVFST-22; Ver-Negotiation when only a Version Negotiation or greased version was seen"},
    {"", "quic_spin", "text", "what the spin bit did: unseen (no short header packet), constant, random (greased), in use"},
    {"", "ssh_client_banner", "text", "the originator's SSH identification line, without CR LF (SSH-2.0-software comments)"},
    {"", "ssh_server_banner", "text", "the responder's SSH identification line"},
    {"", "hassh", "hex", "HASSH: MD5 of hassh_raw"},
    {"", "hassh_raw", "text", "the client's KEXINIT kex;encryption c2s;mac c2s;compression c2s name-lists (salesforce/hassh)"},
    {"", "hassh_server", "hex", "HASSHServer: MD5 of hassh_server_raw"},
    {"", "hassh_server_raw", "text", "the server's KEXINIT kex;encryption s2c;mac s2c;compression s2c name-lists"},
    {"", "dns_query", "text", "name of the first question of the flow's first DNS message: labels joined by '.' (case as sent, no trailing dot), \\xHH for a '.' inside a label, space and bytes outside printable ASCII"},
    {"", "dns_qtype", "text", "type of that question (A, AAAA, PTR, TXT, ... or TYPEn)"},
    {"", "dns_answers", "text", "addresses of the first response's A and AAAA answers, comma-separated, in order"},
    {"", "resolved_name", "text", "the question's name of the latest DNS answer seen before the flow's first packet that gave the responder's address (responses on UDP 53/5353/5355 anywhere in the run; empty without a pipeline's DNS names)"},
    {"", "dns_transport", "text", "dns, mdns, llmnr (plain DNS by port); dot (TCP 853), doq (UDP 853); doh (443 to a known public resolver by address or server name)"},
    {"", "dns_resolver", "text", "the public resolver's provider when the responder's address or the server name is a known one (Cloudflare, Google, Quad9, ...)"},
}};

/// The part a column belongs to (handshake_parts), by its name.
[[nodiscard]] constexpr std::uint8_t part_of_number(const feature_info& f) noexcept {
    if (f.scope == "quic") return handshake_parts::quic;
    if (f.scope == "dns") return handshake_parts::dns;
    if (f.scope == "handshake") return handshake_parts::common;
    return handshake_parts::tls;  // tls_*, {orig,resp}_tls_*, handshake_records
}
[[nodiscard]] constexpr std::uint8_t part_of_text(const feature_info& f) noexcept {
    if (f.name == "handshake") return handshake_parts::common;
    if (f.name.starts_with("quic_")) return handshake_parts::quic;
    if (f.name.starts_with("ssh_") || f.name.starts_with("hassh")) return handshake_parts::ssh;
    if (f.name.starts_with("dns_") || f.name == "resolved_name") return handshake_parts::dns;
    return handshake_parts::tls;
}

/// The columns of `all` that belong to `Parts`, in the order of `all`.
template <std::uint8_t Parts, std::size_t N, const std::array<feature_info, N>& All, auto PartOf>
inline constexpr auto columns_of = [] {
    constexpr std::size_t n = [] {
        std::size_t k = 0;
        for (const auto& f : All) k += (PartOf(f) & Parts) != 0;
        return k;
    }();
    std::array<feature_info, n> out{};
    std::size_t k = 0;
    for (const auto& f : All)
        if ((PartOf(f) & Parts) != 0) out[k++] = f;
    return out;
}();
template <std::uint8_t Parts>
inline constexpr auto numbers_of = columns_of<Parts, all_numbers.size(), all_numbers, &part_of_number>;
template <std::uint8_t Parts>
inline constexpr auto texts_of = columns_of<Parts, all_texts.size(), all_texts, &part_of_text>;

}  // namespace detail::handshakes

/// Handshake metadata of the parts `Parts` (handshake_parts bits); use the names below.
template <std::uint8_t Parts>
class handshake_columns {
    static_assert(Parts != 0 && (Parts & ~handshake_parts::all) == 0, "Parts: handshake_parts bits");

public:
    static constexpr std::size_t records = detail::handshakes::records;
    static constexpr auto features = detail::handshakes::numbers_of<Parts>;
    /// Its numbers describe the handshake (versions, codes, record lengths): they are written with
    /// the record, not into a feature matrix (export: a pipeline's .npy holds feature columns).
    static constexpr bool feature_matrix = false;
    static_assert([] {
        for (const auto& f : detail::handshakes::all_numbers)
            if (f.name.empty()) return false;
        return true;
    }(), "every handshake feature has a name: fixed_features must count the entries of make_features()");

    static constexpr auto text_features = detail::handshakes::texts_of<Parts>;

    handshake_columns() = default;
    /// A copy keeps the values read so far and reads no further (its stream readers are not copied).
    handshake_columns(const handshake_columns& o)
        : first_time_(o.first_time_), kind_(o.kind_), decided_by_(o.decided_by_), seen_(o.seen_),
          responder_(o.responder_), responder_port_(o.responder_port_), protocol_(o.protocol_), resolved_(o.resolved_) {
        if (o.state_) state_ = std::make_unique<flow_state>(o.state_->values, o.state_->flow_start);
    }
    handshake_columns& operator=(const handshake_columns& o) {
        if (this != &o) *this = handshake_columns(o);
        return *this;
    }
    handshake_columns(handshake_columns&&) noexcept = default;
    handshake_columns& operator=(handshake_columns&&) noexcept = default;

    void update(const flow_packet& p) noexcept {
        if (kind_ == handshake_kind::none) return;
        if (kind_ == handshake_kind::undecided) {
            if (!seen_) {
                first_time_ = p.time;
                seen_ = true;
                note_responder(p);
            }
            remember_syn(p);
            if (p.payload_length == 0) return;
            decide(p);
            if (kind_ == handshake_kind::none || kind_ == handshake_kind::undecided) return;
        }
        if (!state_ || state_->finished) return;
        switch (kind_) {
        case handshake_kind::tls: tls_segment(p); break;
        case handshake_kind::quic: quic_datagram(p); break;
        case handshake_kind::dtls: dtls_datagram(p); break;
        case handshake_kind::ssh: tcp_gathered(p, &handshake_columns::ssh_bytes); break;
        case handshake_kind::dns: p.tcp ? tcp_gathered(p, &handshake_columns::dns_tcp_bytes) : dns_message(p.payload); break;
        default: break;
        }
    }

    /// A later part of the same flow adds nothing: a handshake is at a flow's start.
    void merge(const handshake_columns&) noexcept {}

    void write(std::span<double> out) const noexcept {
        std::fill(out.begin(), out.end(), std::numeric_limits<double>::quiet_NaN());
        if (!state_) return;
        const auto& v = state_->values;
        const auto since = [](timestamp from, timestamp to) { return static_cast<double>((to - from).count()) / 1e9; };
        number<"tls_client_version">(out, v.client_hello_seen, v.client_version);
        number<"tls_server_version">(out, v.server_hello_seen, v.server_version);
        number<"tls_cipher_suite">(out, v.server_hello_seen, v.cipher_suite);
        number<"tls_client_cipher_suites">(out, v.client_hello_seen, v.client_cipher_suites);
        number<"tls_client_extensions">(out, v.client_hello_seen, v.client_extensions);
        number<"tls_hello_retry">(out, v.server_hello_seen, v.hello_retry);
        number<"tls_resumption_offered">(out, v.client_hello_seen, v.resumption_offered);
        number<"tls_resumed">(out, v.server_hello_seen, v.resumed);
        number<"tls_alert_level">(out, v.alert_seen, v.alert_level);
        number<"tls_alert_description">(out, v.alert_seen, v.alert_description);
        number<"tls_certificates">(out, v.certificate_seen, v.certificates);
        number<"tls_cert_not_before">(out, v.certificate_seen && v.not_before != 0, static_cast<double>(v.not_before));
        number<"tls_cert_not_after">(out, v.certificate_seen && v.not_after != 0, static_cast<double>(v.not_after));
        number<"tls_cert_self_signed">(out, v.certificate_seen && v.certificates != 0, v.self_signed);
        number<"tls_server_hello_delay_s">(out, v.client_hello_seen && v.server_hello_seen, since(v.client_hello_time, v.server_hello_time));
        const auto has_app_data = [&](int side) { return v.client_hello_seen && v.sequence[side].first_application_data != timestamp{}; };
        number<"orig_tls_first_app_data_s">(out, has_app_data(0), since(v.client_hello_time, v.sequence[0].first_application_data));
        number<"resp_tls_first_app_data_s">(out, has_app_data(1), since(v.client_hello_time, v.sequence[1].first_application_data));
        number<"handshake_records">(out, kind_ == handshake_kind::tls || kind_ == handshake_kind::dtls,
                                    v.sequence[0].count + v.sequence[1].count);
        number<"quic_version">(out, v.quic_seen, v.quic_version);
        number<"quic_first_version">(out, v.quic_seen, v.quic_first_version);
        const auto spin = v.spin.result();
        const bool spinning = spin.state == quic::spin_state::in_use;
        number<"quic_spin_rtt_samples">(out, v.quic_seen, spinning ? spin.samples : 0);
        number<"quic_spin_rtt_min_s">(out, spinning && spin.samples != 0, static_cast<double>(spin.min_ns) / 1e9);
        number<"quic_spin_rtt_mean_s">(out, spinning && spin.samples != 0, static_cast<double>(spin.mean_ns) / 1e9);
        const bool dns = kind_ == handshake_kind::dns;
        number<"dns_queries">(out, dns, v.dns_queries);
        number<"dns_responses">(out, dns, v.dns_responses);
        number<"dns_rcode">(out, v.dns_response_seen, v.dns_rcode);
        number<"dns_answer_records">(out, v.dns_response_seen, v.dns_answer_count);
        number<"dns_ttl_min_s">(out, v.dns_ttl_seen, v.dns_ttl_min);
        const auto& st = state_->stream;
        const bool streams = kind_ == handshake_kind::tls || kind_ == handshake_kind::ssh ||
                             (dns && st[0].delivered() + st[1].delivered() != 0);
        const auto cut = [](const tcp_stream& t) { return t.state() == tcp_stream::status::lost || t.stalled(); };
        number<"handshake_out_of_order">(out, streams, st[0].out_of_order() + st[1].out_of_order());
        number<"handshake_incomplete">(out, streams, cut(st[0]) || cut(st[1]));
        // The record sequences: per direction, `records` lengths, then types, then times.
        constexpr std::array<std::size_t, 2> first{column_index(features, "orig_tls_record_length_1"),
                                                   column_index(features, "resp_tls_record_length_1")};
        if constexpr (first[0] != no_column) {
            static_assert(first[1] == first[0] + 3 * records, "a direction's records are 3 x records columns, orig then resp");
            for (int side = 0; side < 2; ++side) {
                const auto& s = v.sequence[side];
                const std::size_t at = first[static_cast<std::size_t>(side)];
                for (std::size_t i = 0; i < s.count; ++i) {
                    out[at + i] = s.length[i];
                    out[at + records + i] = s.type[i];
                    out[at + 2 * records + i] = since(state_->flow_start, s.time[i]);
                }
            }
        }
    }

    /// The ClientHello's server name as sent (raw bytes; the column holds it as pktdyn text), "" when none.
    [[nodiscard]] std::string_view server_name() const noexcept {
        return state_ ? std::string_view(state_->values.server_name) : std::string_view();
    }

    /// Each value into its column's string, reusing the string's room: no allocation per flow once
    /// the strings have grown (a pipeline reuses them from flow to flow).
    void write_text(std::span<std::string> out) const {
        for (auto& s : out) s.clear();
        text<"handshake">(out, [&](std::string& o) { o.assign(to_string(kind_)); });
        // Every flow: the responder's name from DNS, and DNS transport signals.
        text<"resolved_name">(out, [&](std::string& o) { o.assign(resolved_); });
        if constexpr (column_index(text_features, "dns_transport") != no_column) {
            const auto signal = classify_dns_transport(protocol_, responder_port_, responder_,
                                                       state_ ? std::string_view(state_->values.server_name) : std::string_view());
            if (signal.transport != dns_transport::none) text<"dns_transport">(out, [&](std::string& o) { o.assign(to_string(signal.transport)); });
            text<"dns_resolver">(out, [&](std::string& o) { o.assign(signal.provider); });
        }
        if (!state_) return;
        const auto& v = state_->values;
        // Values a peer wrote are pktdyn text (core/text.hpp); DNS names already are.
        const auto escaped = [](std::string_view raw) { return [raw](std::string& o) { append_escaped(o, raw); }; };
        const auto as_is = [](std::string_view raw) { return [raw](std::string& o) { o.assign(raw); }; };
        const auto md5 = [](std::string_view raw) { return [raw](std::string& o) { crypto::append_md5_hex(o, raw); }; };
        text<"server_name">(out, escaped(v.server_name));
        text<"alpn_offered">(out, escaped(v.alpn_offered));
        text<"alpn_selected">(out, escaped(v.alpn_selected));
        const std::uint16_t version = v.server_hello_seen && v.server_version ? v.server_version : v.client_version;
        if (version != 0) {
            std::array<char, 12> buf{};
            text<"tls_version_name">(out, as_is(tls::version_name(version, buf)));
        }
        if (!v.ja3_raw.empty()) {
            text<"ja3">(out, md5(v.ja3_raw));
            text<"ja3_raw">(out, as_is(v.ja3_raw));
        }
        if (!v.ja3s_raw.empty()) {
            text<"ja3s">(out, md5(v.ja3s_raw));
            text<"ja3s_raw">(out, as_is(v.ja3s_raw));
        }
        text<"ja4">(out, as_is(v.ja4));
        text<"ja4_r">(out, as_is(v.ja4_r));
        text<"ja4s">(out, as_is(v.ja4s));
        text<"cert_subject_cn">(out, escaped(v.cert_subject_cn));
        text<"cert_issuer_cn">(out, escaped(v.cert_issuer_cn));
        text<"cert_names">(out, escaped(v.cert_names));
        if (v.quic_seen) {
            text<"quic_version_name">(out, as_is(quic::name_of(v.quic_version).view()));
            text<"quic_spin">(out, as_is(quic::to_string(v.spin.result().state)));
        }
        text<"ssh_client_banner">(out, escaped(v.ssh_banner[0]));
        text<"ssh_server_banner">(out, escaped(v.ssh_banner[1]));
        if (!v.hassh_raw[0].empty()) {
            text<"hassh">(out, md5(v.hassh_raw[0]));
            text<"hassh_raw">(out, escaped(v.hassh_raw[0]));
        }
        if (!v.hassh_raw[1].empty()) {
            text<"hassh_server">(out, md5(v.hassh_raw[1]));
            text<"hassh_server_raw">(out, escaped(v.hassh_raw[1]));
        }
        text<"dns_query">(out, as_is(v.dns_query));
        if (!v.dns_query.empty()) text<"dns_qtype">(out, as_is(dns_type_name(v.dns_qtype)));
        text<"dns_answers">(out, as_is(v.dns_answers));
    }

    [[nodiscard]] handshake_kind kind() const noexcept { return kind_; }

private:
    // A value goes to its column by name; a part without that column drops it at compile time.
    template <column_name Name>
    static void number(std::span<double> out, bool present, double x) noexcept {
        constexpr std::size_t at = column_index(features, Name.view());
        static_assert(at != no_column || column_index(detail::handshakes::all_numbers, Name.view()) != no_column,
                      "no handshake column has this name");
        if constexpr (at != no_column)
            if (present) out[at] = x;
    }
    template <column_name Name, class Write>
    static void text(std::span<std::string> out, Write&& write) {
        constexpr std::size_t at = column_index(text_features, Name.view());
        static_assert(at != no_column || column_index(detail::handshakes::all_texts, Name.view()) != no_column,
                      "no handshake text column has this name");
        if constexpr (at != no_column) std::forward<Write>(write)(out[at]);
    }

    // The handshakes this part reads: DNS reads TLS and QUIC hellos too (DNS over HTTPS is known by
    // its server name); QUIC Initials are decrypted only for the hellos inside.
    static constexpr bool reads(handshake_kind k) noexcept {
        namespace part = handshake_parts;
        switch (k) {
        case handshake_kind::tls:
        case handshake_kind::dtls: return (Parts & (part::tls | part::dns | part::common)) != 0;
        case handshake_kind::quic: return (Parts & (part::tls | part::quic | part::dns | part::common)) != 0;
        case handshake_kind::ssh: return (Parts & (part::ssh | part::common)) != 0;
        case handshake_kind::dns: return (Parts & (part::dns | part::common)) != 0;
        default: return false;
        }
    }
    static constexpr bool reads_quic_hellos = (Parts & (handshake_parts::tls | handshake_parts::dns)) != 0;

    /// A handshake flow's state: its values, and the readers while the handshake lasts.
    struct flow_state {
        flow_state() = default;
        flow_state(const detail::handshakes::handshake_values& v, timestamp start) : values(v), flow_start(start), finished(true) {}
        detail::handshakes::handshake_values values;
        timestamp flow_start{};
        std::array<tcp_stream, 2> stream{};
        std::array<tls::stream_reader, 2> reader{};
        std::array<detail::handshakes::gathered, 2> gather{};  // SSH, DNS over TCP
        std::unique_ptr<detail::handshakes::quic_reader> quic;  // while a QUIC flow's hellos are read
        std::array<std::size_t, 2> dns_tcp_messages{};   // DNS over TCP: messages read per direction
        std::array<std::uint8_t, 2> quic_cid_length{};  // short headers' DCID length toward: client, server
        int quic_client = 0;                             // the direction the client sends in
        std::array<std::byte, 32> client_session_id{};  // to see whether the server resumes it
        std::uint8_t client_session_id_length = 0;
        bool finished = false;
    };

    void remember_syn(const flow_packet& p) noexcept {
        if (!p.tcp || !p.decoded || (p.tcp_flags & 0x02) == 0) return;
        syn_seq_[p.direction] = p.decoded->tcp.seq;
        syn_seen_ |= static_cast<std::uint8_t>(1u << p.direction);
    }

    // The first payload packets decide; a TCP flow may start TLS after a plaintext exchange
    // (STARTTLS in SMTP, IMAP, POP3; RDP's negotiation), its stream then begins at that segment.
    void decide(const flow_packet& p) noexcept {
        ++decided_by_;
        const auto payload = p.payload;
        const bool dns_port = p.decoded && p.decoded->has_transport &&
                              (dns_service(p.decoded->source_port) || dns_service(p.decoded->destination_port));
        if (p.tcp) {
            if (tls::looks_like_record(payload)) start(handshake_kind::tls, p);
            else if (payload.size() >= 4 && std::memcmp(payload.data(), "SSH-", 4) == 0) start(handshake_kind::ssh, p);
            else if (dns_port && decided_by_ == 1) start(handshake_kind::dns, p);
        } else if (dns_port) {
            start(handshake_kind::dns, p);
        } else if (tls::looks_like_dtls_record(payload)) {
            start(handshake_kind::dtls, p);
        } else if (const auto q = quic::looks_like_quic(payload); q.quic) {
            start(handshake_kind::quic, p);
            if (state_) {
                state_->quic_client = p.direction;
                state_->values.quic_seen = true;
                state_->values.quic_version = state_->values.quic_first_version = q.version;
                if constexpr (reads_quic_hellos) state_->quic.reset(new (std::nothrow) detail::handshakes::quic_reader());
            }
        }
        const int within = p.tcp ? detail::handshakes::decide_within_tcp : detail::handshakes::decide_within_udp;
        if (kind_ == handshake_kind::undecided && decided_by_ >= within) kind_ = handshake_kind::none;
    }

    void start(handshake_kind k, const flow_packet& p) noexcept {
        if (!reads(k)) {  // identified, and nothing this part writes: one branch per packet from now on
            kind_ = handshake_kind::none;
            return;
        }
        state_.reset(new (std::nothrow) flow_state());
        if (!state_) {
            kind_ = handshake_kind::none;
            return;
        }
        kind_ = k;
        state_->flow_start = seen_ ? first_time_ : p.time;
        if (p.tcp && decided_by_ == 1)  // the handshake is the flow's first payload: its streams start at the SYNs
            for (int side = 0; side < 2; ++side)
                if (syn_seen_ & (1u << side)) state_->stream[side].segment(syn_seq_[side], true, 0, {}, [](auto) { return true; });
    }

    // ---- QUIC: the version and the hellos from Initial packets, then the spin bit of short headers

    void quic_datagram(const flow_packet& p) noexcept {
        auto& v = state_->values;
        auto& st = *state_;
        const bool from_client = p.direction == st.quic_client;
        quic::datagram_walker walk{p.payload};
        quic::long_header h;
        while (walk.next(h)) {
            if (!v.quic_seen) {
                v.quic_seen = true;
                v.quic_version = v.quic_first_version = h.version;
            } else if (const auto family = quic::classify(h.version).family;
                       family != quic::version_family::negotiation && family != quic::version_family::forced_negotiation) {
                v.quic_version = h.version;  // after Version Negotiation: the version the connection runs
            }
            if (h.type == quic::packet_type::retry && !from_client && st.quic) st.quic->retried = true;
            if (h.type == quic::packet_type::initial) {
                // Short headers carry the CID the receiver chose in its long headers' SCID.
                st.quic_cid_length[from_client ? 1 : 0] = static_cast<std::uint8_t>(h.scid.size());
                if (st.quic) quic_initial(h, from_client, p.time);
            }
        }
        if (from_client && v.server_name.empty() && !quic::classify(v.quic_version).tls) {
            // gQUIC before TLS: its CHLO travels in clear (Q046 and older).
            if (const auto m = quic::chlo::find(p.payload); m.ok) assign(v.server_name, m.server_name);
        }
        const auto rest = walk.rest();
        if (!rest.empty() && (std::to_integer<std::uint8_t>(rest[0]) & 0x80) == 0 && v.quic_seen) {
            const auto s = quic::short_header::parse(rest, st.quic_cid_length[from_client ? 0 : 1]);
            if (s.ok && s.fixed_bit) v.spin.observe(from_client, s.spin, p.time.time_since_epoch().count());
        }
    }

    void quic_initial(const quic::long_header& h, bool from_client, timestamp now) noexcept {
        auto& q = *state_->quic;
        const int side = from_client ? 0 : 1;
        if (from_client && (!q.keys.ready() || q.retried)) {
            q.retried = false;
            if (q.keys.set_connection(h.version, h.dcid) != crypto::initial_error::none) return;
        }
        if (q.done[side]) return;
        // The Initial's plaintext is never longer than the packet: one buffer per thread, no allocation.
        thread_local std::array<std::byte, 65536> plaintext;
        crypto::opened_initial opened;
        auto e = q.keys.open(h, from_client ? crypto::sender::client : crypto::sender::server, plaintext, opened);
        if (e == crypto::initial_error::authentication_failed && from_client) {
            // A new DCID after a Retry, or a new connection on the tuple: keys from this packet.
            if (q.keys.set_connection(h.version, h.dcid) != crypto::initial_error::none) return;
            e = q.keys.open(h, crypto::sender::client, plaintext, opened);
            if (e == crypto::initial_error::none) {
                q.crypto[0].reset();
                q.parsed[0] = 0;
            }
        }
        if (e != crypto::initial_error::none) return;
        auto& stream = q.crypto[side];
        (void)quic::collect_crypto(opened.payload, stream, h.version);
        if (const auto bytes = stream.contiguous(); bytes.size() >= 4 && bytes[0] == std::byte{'C'}) {
            // Q050 and T05x: gQUIC's CHLO inside the Initial's CRYPTO frames, not a TLS ClientHello.
            if (const auto m = quic::chlo::parse(bytes); m.ok && !m.server_name.empty()) {
                assign(state_->values.server_name, m.server_name);
                q.done[side] = true;
            }
            return;
        }
        // Every whole handshake message from where the last one ended: after a HelloRetryRequest the
        // server's ServerHello follows in the same stream.
        const auto bytes = stream.contiguous();
        while (q.parsed[side] + 4 <= bytes.size() && !q.done[side]) {
            const auto at = bytes.subspan(q.parsed[side]);
            const std::size_t size = 4 + (std::to_integer<std::size_t>(at[1]) << 16 | std::to_integer<std::size_t>(at[2]) << 8 |
                                          std::to_integer<std::size_t>(at[3]));
            if (size > at.size()) break;
            handshake_message(at.first(size), now, tls::transport::quic);
            q.parsed[side] += size;
            q.done[side] = from_client ? state_->values.client_hello_seen : state_->values.server_hello_seen;
        }
        if (q.done[0] && q.done[1]) state_->quic.reset();  // the hellos are read: free keys and streams
    }

    // ---- DTLS: records of each datagram; unfragmented handshake messages of epoch 0

    void dtls_datagram(const flow_packet& p) noexcept {
        const int side = p.direction;
        auto& s = state_->values.sequence[side];
        tls::record_walker walk{p.payload, true};
        while (const auto r = walk.next()) {
            const auto type = static_cast<std::uint8_t>(r->type);
            if (s.count < records) {
                s.length[s.count] = r->length;
                s.type[s.count] = type;
                s.time[s.count] = p.time;
                ++s.count;
            }
            if (type == 23 && s.first_application_data == timestamp{}) s.first_application_data = p.time;
            if (type != 22 || r->epoch != 0) continue;
            tls::handshake_walker messages{r->fragment, true};
            while (const auto m = messages.next())
                if (m->whole() && m->status == tls::parse_status::complete)
                    handshake_message(r->fragment.subspan(messages.consumed() - m->wire_size(), m->wire_size()), p.time,
                                      tls::transport::dtls);
        }
    }

    // DNS on its well-known ports: 53, multicast DNS 5353, LLMNR 5355 (same message format).
    static constexpr bool dns_service(std::uint16_t port) noexcept { return port == 53 || port == 5353 || port == 5355; }

    // ---- SSH and DNS over TCP: the first bytes of each direction, gathered, parsed as they grow

    using gathered_parser = bool (handshake_columns::*)(int side, std::span<const std::byte> bytes) noexcept;

    void tcp_gathered(const flow_packet& p, gathered_parser parse) noexcept {
        const int side = p.direction;
        auto& stream = state_->stream[side];
        if (!stream.open() || !p.decoded) return;
        auto& g = state_->gather[side];
        stream.segment(p.decoded->tcp.seq, (p.tcp_flags & 0x02) != 0, p.payload_length, p.payload,
                       [&](std::span<const std::byte> bytes) { return g.append(bytes) && (this->*parse)(side, g.view()) && !g.full(); });
        if (!stream.open()) g.bytes.reset();
        if (!state_->stream[0].open() && !state_->stream[1].open()) state_->finished = true;
    }

    /// SSH: the identification line, then the KEXINIT; false once both are read (or cannot be).
    bool ssh_bytes(int side, std::span<const std::byte> bytes) noexcept {
        auto& v = state_->values;
        const auto id = ssh_identification::parse(bytes, side == 0 ? 0 : 32);
        if (id.status == ssh_status::need_more) return true;
        if (id.status != ssh_status::complete) return false;
        if (v.ssh_banner[side].empty()) assign(v.ssh_banner[side], id.line);
        const auto k = ssh_kexinit::parse(bytes.subspan(id.length));
        if (k.status == ssh_status::need_more) return true;
        if (k.status != ssh_status::complete) return false;
        try {
            v.hassh_raw[side] = hassh_algorithms(k, side == 1);
        } catch (...) {
        }
        return false;
    }

    /// DNS over TCP: every whole length-prefixed message in the gathered bytes.
    bool dns_tcp_bytes(int side, std::span<const std::byte> bytes) noexcept {
        dns_tcp_reader reader{bytes};
        dns_tcp_message m;
        std::size_t whole = 0;
        while (reader.next(m) && m.complete) ++whole;
        for (auto& seen = state_->dns_tcp_messages[side]; seen < whole; ++seen) {
            dns_tcp_reader again{bytes};
            for (std::size_t i = 0; i <= seen; ++i) (void)again.next(m);
            dns_message(m.message);
        }
        return true;
    }

    /// One DNS message: counted; the first question's name and type; the first response's code and answers.
    void dns_message(std::span<const std::byte> message) noexcept {
        auto& v = state_->values;
        dns_record_reader reader{message};
        if (!reader.has_header()) return;
        const bool response = reader.header().qr();
        ++(response ? v.dns_responses : v.dns_queries);
        const bool first_response = response && !v.dns_response_seen;
        if (first_response) {
            v.dns_response_seen = true;
            v.dns_rcode = reader.header().rcode();
            v.dns_answer_count = reader.header().ancount;
        }
        if (!first_response && !v.dns_query.empty()) return;  // nothing more to read in this message
        dns_record r;
        dns_name name;
        bool first_question = true;  // only a message's first question is read (on port 53 not all is DNS)
        try {
            while (reader.next(r)) {
                if (r.section == dns_section::question) {
                    if (first_question && v.dns_query.empty()) {
                        if (r.name.decode(name).status == dns_status::complete) v.dns_query.assign(name.view());
                        v.dns_qtype = r.type;
                    }
                    first_question = false;
                    if (!first_response) break;
                } else if (first_response && r.section == dns_section::answer) {
                    v.dns_ttl_min = v.dns_ttl_seen ? std::min(v.dns_ttl_min, r.ttl) : r.ttl;
                    v.dns_ttl_seen = true;
                    if (const auto a = r.address()) {
                        if (!v.dns_answers.empty()) v.dns_answers += ',';
                        v.dns_answers += a->to_string();
                    }
                } else if (r.section != dns_section::question && !first_response) {
                    break;  // nothing more to read in this message
                }
            }
        } catch (...) {  // no memory for a string
        }
    }

    static void assign(std::string& to, std::string_view from) noexcept {
        try {
            to.assign(from);
        } catch (...) {  // no memory: the value stays empty
        }
    }

    // ---- TLS over TCP

    struct tls_handler {
        handshake_columns& self;
        const flow_packet& p;
        int side;
        bool on_record(const tls::stream_record& r) noexcept {
            auto& v = self.state_->values;
            auto& s = v.sequence[side];
            if (s.count < records) {
                s.length[s.count] = r.length;
                s.type[s.count] = r.content_type;
                s.time[s.count] = p.time;
                ++s.count;
            }
            if (r.content_type == 23 && s.first_application_data == timestamp{}) s.first_application_data = p.time;
            if (r.content_type == 21 && !v.alert_seen && !self.state_->reader[side].encrypted() && r.first_bytes.size() >= 2) {
                v.alert_seen = true;
                v.alert_level = std::to_integer<std::uint8_t>(r.first_bytes[0]);
                v.alert_description = std::to_integer<std::uint8_t>(r.first_bytes[1]);
            }
            return true;
        }
        void on_handshake(std::span<const std::byte> message) noexcept {
            // After a ChangeCipherSpec only a ServerHello can still be in clear: TLS 1.3's compatible
            // CCS before the ServerHello that answers a second ClientHello. Anything else is encrypted.
            if (self.state_->reader[side].encrypted() &&
                (side != 1 || message.empty() || std::to_integer<std::uint8_t>(message[0]) != tls::handshake_type::server_hello))
                return;
            self.handshake_message(message, p.time, tls::transport::tcp);
        }
    };

    void tls_segment(const flow_packet& p) noexcept {
        const int side = p.direction;
        auto& stream = state_->stream[side];
        if (!stream.open() || !p.decoded) return;
        tls_handler h{*this, p, side};
        auto& reader = state_->reader[side];
        stream.segment(p.decoded->tcp.seq, (p.tcp_flags & 0x02) != 0, p.payload_length, p.payload,
                       [&](std::span<const std::byte> bytes) { return reader.feed(bytes, h) && wants_more(side); });
        if (!stream.open()) reader.release();
        if (!state_->stream[0].open() && !state_->stream[1].open()) state_->finished = true;
    }

    // A direction is read until its first `records` records are listed and, for the handshake, its
    // hello (and the server's certificate, in TLS <= 1.2) are in.
    [[nodiscard]] bool wants_more(int side) const noexcept {
        const auto& v = state_->values;
        if (v.sequence[side].count < records) return true;
        if (side == 0) return !v.client_hello_seen && !state_->reader[0].encrypted();
        return !v.server_hello_seen || (!v.certificate_seen && v.server_version < tls::version::tls13 && !state_->reader[1].encrypted());
    }

    // One whole handshake message (4-byte header first), from TLS, DTLS (header rewritten) or QUIC.
    void handshake_message(std::span<const std::byte> message, timestamp now, tls::transport transport) noexcept {
        if (message.empty()) return;
        auto& v = state_->values;
        const auto type = std::to_integer<std::uint8_t>(message[0]);
        const bool dtls = transport == tls::transport::dtls;
        try {
            if (type == tls::handshake_type::client_hello && !v.client_hello_seen) {
                // A malformed hello (lengths that contradict each other) still gives what parsed before the contradiction.
                const auto h = tls::client_hello::parse_message(message, dtls);
                if (h.cipher_suites.empty()) return;
                v.client_hello_seen = true;
                v.client_hello_time = now;
                v.client_version = h.max_version();
                for (auto c : h.cipher_suites) v.client_cipher_suites += !tls::is_grease(c);
                for (const auto& e : h.extensions) v.client_extensions += !tls::is_grease(e.type);
                v.resumption_offered = !h.session_id.empty() || h.session_ticket_nonempty || h.has_pre_shared_key;
                auto& id = state_->client_session_id;
                state_->client_session_id_length = h.session_id.size() <= id.size() ? static_cast<std::uint8_t>(h.session_id.size()) : 0;
                std::copy(h.session_id.begin(), h.session_id.begin() + state_->client_session_id_length, id.begin());
                v.server_name.assign(h.server_name);
                for (auto name : h.alpn) {
                    if (!v.alpn_offered.empty()) v.alpn_offered += ',';
                    v.alpn_offered.append(name);
                }
                v.ja3_raw = tls::ja3_string(h);
                v.ja4 = tls::ja4(h, transport);
                v.ja4_r = tls::ja4_r(h, transport);
            } else if (type == tls::handshake_type::server_hello && !v.server_hello_seen) {
                const auto h = tls::server_hello::parse_message(message, dtls);
                if (h.status == tls::parse_status::malformed || !h.has_cipher_suite) return;
                // JA3S and JA4S fingerprint the first ServerHello message on the wire, a HelloRetryRequest
                // included (as tshark's ja3s); the connection's values come from the real ServerHello.
                if (v.ja3s_raw.empty()) {
                    v.ja3s_raw = tls::ja3s_string(h);
                    v.ja4s = tls::ja4s(h, transport);
                }
                if (h.hello_retry_request) {  // the real ServerHello follows the client's second hello
                    v.hello_retry = true;
                    return;
                }
                v.server_hello_seen = true;
                v.server_hello_time = now;
                v.server_version = h.version();
                v.cipher_suite = h.cipher_suite;
                v.alpn_selected.assign(h.alpn);
                v.resumed = h.has_pre_shared_key ||
                            (state_->client_session_id_length != 0 && h.session_id.size() == state_->client_session_id_length &&
                             std::equal(h.session_id.begin(), h.session_id.end(), state_->client_session_id.begin()));
            } else if (type == tls::handshake_type::certificate && !v.certificate_seen &&
                       v.server_version != tls::version::tls13) {
                const auto m = dtls ? tls::parse_dtls_handshake(message) : tls::parse_handshake(message);
                const auto list = tls::certificate_list::parse(m);
                v.certificate_seen = true;
                v.certificates = static_cast<std::uint16_t>(std::min<std::size_t>(list.size(), 65535));
                for (const auto& der : list) {
                    if (const auto* c = detail::handshakes::certificate_cache::local().get(der)) {
                        v.cert_subject_cn = c->subject_cn;
                        v.cert_issuer_cn = c->issuer_cn;
                        v.cert_names = c->names;
                        v.not_before = c->not_before;
                        v.not_after = c->not_after;
                        v.self_signed = c->self_signed;
                    }
                    break;  // the leaf only
                }
            }
        } catch (...) {  // no memory for a string: the values stay as far as they got
        }
    }

    // The flow's responder (from its first packet) and the name DNS gave it before then.
    void note_responder(const flow_packet& p) noexcept {
        if (p.decoded == nullptr) return;
        const ip_header& ip = p.decoded->inner_ip();
        const bool from_originator = p.direction == 0;
        responder_ = from_originator ? ip.destination : ip.source;
        responder_port_ = from_originator ? p.decoded->destination_port : p.decoded->source_port;
        protocol_ = p.decoded->transport;
        if (p.context == nullptr) return;
        try {
            if (p.context->resolved) resolved_ = std::string(*p.context->resolved);
            else if (p.context->names != nullptr)
                if (const auto* e = p.context->names->lookup(responder_, p.time)) resolved_ = std::string(e->query_name());
        } catch (...) {  // no memory for the name: the column stays empty
        }
    }

    std::unique_ptr<flow_state> state_;
    timestamp first_time_{};
    std::array<std::uint32_t, 2> syn_seq_{};
    std::uint8_t syn_seen_ = 0;
    handshake_kind kind_ = handshake_kind::undecided;
    std::uint8_t decided_by_ = 0;
    bool seen_ = false;  // first_time_ is set
    ip_address responder_{};
    std::uint16_t responder_port_ = 0;
    std::uint8_t protocol_ = 0;
    std::string resolved_;
};

/// Everything: TLS, DTLS, QUIC, SSH and DNS, the handshake kind and the streams' health.
using handshake_metadata = handshake_columns<handshake_parts::all>;
/// TLS and DTLS handshakes, and the TLS hellos inside QUIC: versions, suites, names, ALPN,
/// certificate, JA3/JA4, the first records.
using tls_meta = handshake_columns<handshake_parts::tls>;
/// QUIC: the version used and first offered, the spin bit (reads no hello: no Initial is decrypted).
using quic_meta = handshake_columns<handshake_parts::quic>;
/// SSH: both identification lines, HASSH and HASSHServer.
using ssh_meta = handshake_columns<handshake_parts::ssh>;
/// DNS: counts, the first question and answers, the responder's resolved name, and the DNS transport
/// (which reads TLS and QUIC hellos too: DNS over HTTPS is known by its server name).
using dns_meta = handshake_columns<handshake_parts::dns>;

static_assert(flow_accumulator<handshake_metadata> && text_accumulator<handshake_metadata>);
static_assert(flow_accumulator<tls_meta> && text_accumulator<tls_meta>);
static_assert(flow_accumulator<quic_meta> && text_accumulator<quic_meta>);
static_assert(flow_accumulator<ssh_meta> && text_accumulator<ssh_meta>);
static_assert(flow_accumulator<dns_meta> && text_accumulator<dns_meta>);

}  // namespace pktdyn
