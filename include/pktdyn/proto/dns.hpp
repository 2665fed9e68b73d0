// pktdyn — DNS messages (RFC 1035 §4), over UDP and over TCP, without allocation.
//
//   header: id(16) | QR(1) opcode(4) AA(1) TC(1) RD(1) RA(1) Z(1) AD(1) CD(1) rcode(4) |
//           qdcount(16) ancount(16) nscount(16) arcount(16)
//   question: name type(16) class(16)
//   resource record: name type(16) class(16) ttl(32) rdlength(16) rdata
//   name: labels (length(8) <= 63, then that many bytes) ending in a zero byte or in a compression
//         pointer (two bytes 11xxxxxx xxxxxxxx: an offset from the message's start).
//   TCP (RFC 1035 §4.2.2, RFC 7766): each message is preceded by a 16-bit length; a connection may
//         carry several.
//
// mDNS (RFC 6762, UDP 5353) and LLMNR (RFC 4795, UDP/TCP 5355) use the same format and parse the
// same way. mDNS puts a flag in the top bit of the class (unicast-response in questions,
// cache-flush in answers): class_code() strips it. LLMNR reuses header bits: AA is its C
// (conflict) bit and RD its T (tentative) bit; read them from `flags` by those names if needed.
//
// Names are read only when asked for (dns_name_ref::decode), into a caller's fixed buffer.
// Compression pointers must point strictly before the previous jump's target (the first before
// the name's own position): names a compressor writes always do, and it makes loops impossible.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <ranges>
#include <span>
#include <string_view>
#include <type_traits>

#include "pktdyn/core/cursor.hpp"
#include "pktdyn/core/ip_address.hpp"

namespace pktdyn {

enum class dns_status : std::uint8_t {
    complete,   ///< everything the header counts was read
    truncated,  ///< the bytes end early (snap length, a cut TCP stream): what was read is valid
    malformed,  ///< inconsistent: bad label type, pointer loop or forward pointer, name > 255, rdata overrun
};

[[nodiscard]] constexpr std::string_view to_string(dns_status s) noexcept {
    switch (s) {
        case dns_status::complete: return "complete";
        case dns_status::truncated: return "truncated";
        case dns_status::malformed: return "malformed";
    }
    return "?";
}

namespace dns_type {
inline constexpr std::uint16_t a = 1, ns = 2, cname = 5, soa = 6, ptr = 12, hinfo = 13, mx = 15, txt = 16,
                               aaaa = 28, srv = 33, naptr = 35, dname = 39, opt = 41, ds = 43, rrsig = 46,
                               nsec = 47, dnskey = 48, svcb = 64, https = 65, any = 255;
}  // namespace dns_type

/// The mnemonic of a record type ("A", "AAAA", ...), empty for types not listed here.
[[nodiscard]] constexpr std::string_view dns_type_name(std::uint16_t t) noexcept {
    switch (t) {
        case 1: return "A";
        case 2: return "NS";
        case 5: return "CNAME";
        case 6: return "SOA";
        case 12: return "PTR";
        case 13: return "HINFO";
        case 15: return "MX";
        case 16: return "TXT";
        case 28: return "AAAA";
        case 33: return "SRV";
        case 35: return "NAPTR";
        case 39: return "DNAME";
        case 41: return "OPT";
        case 43: return "DS";
        case 46: return "RRSIG";
        case 47: return "NSEC";
        case 48: return "DNSKEY";
        case 64: return "SVCB";
        case 65: return "HTTPS";
        case 252: return "AXFR";
        case 255: return "ANY";
        default: return {};
    }
}

/// The name of an rcode (RFC 6895 §2.3 registry), up to 12 bits with EDNS; empty if unassigned.
/// 16 is BADVERS in an OPT record and BADSIG in a TSIG: this returns "BADVERS".
[[nodiscard]] constexpr std::string_view dns_rcode_name(std::uint16_t rcode) noexcept {
    constexpr std::array<std::string_view, 24> names = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
        "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI", "", "", "", "",
        "BADVERS", "BADKEY", "BADTIME", "BADMODE", "BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE"};
    return rcode < names.size() ? names[rcode] : std::string_view{};
}

struct dns_header {
    static constexpr std::size_t size = 12;
    std::uint16_t id = 0;
    std::uint16_t flags = 0;  ///< the 16 bits after the id, as on the wire
    std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;

    [[nodiscard]] bool qr() const noexcept { return flags & 0x8000; }  ///< response
    [[nodiscard]] std::uint8_t opcode() const noexcept { return (flags >> 11) & 0xF; }
    [[nodiscard]] bool aa() const noexcept { return flags & 0x0400; }
    [[nodiscard]] bool tc() const noexcept { return flags & 0x0200; }
    [[nodiscard]] bool rd() const noexcept { return flags & 0x0100; }
    [[nodiscard]] bool ra() const noexcept { return flags & 0x0080; }
    [[nodiscard]] bool z() const noexcept { return flags & 0x0040; }
    [[nodiscard]] bool ad() const noexcept { return flags & 0x0020; }
    [[nodiscard]] bool cd() const noexcept { return flags & 0x0010; }
    [[nodiscard]] std::uint8_t rcode() const noexcept { return flags & 0xF; }  ///< low 4 bits (OPT adds 8 more)
    [[nodiscard]] std::uint32_t record_count() const noexcept {
        return std::uint32_t{qdcount} + ancount + nscount + arcount;
    }

    /// Reads 12 bytes; fails `c` if they are not there.
    [[nodiscard]] static dns_header parse(cursor& c) noexcept {
        dns_header h;
        h.id = c.u16be();
        h.flags = c.u16be();
        h.qdcount = c.u16be();
        h.ancount = c.u16be();
        h.nscount = c.u16be();
        h.arcount = c.u16be();
        return h;
    }
};

/// A decoded name in presentation form, in a fixed buffer: labels joined by '.', no trailing dot,
/// the root as ".". Label bytes other than printable ASCII (0x21-0x7e), and '.' inside a label, are
/// written as \xHH and '\' as "\\": pktdyn text's escapes (core/text.hpp), which also escape space
/// and bytes above 0x7e here, as DNS's own presentation form (RFC 1035 §5.1) does with \DDD. A
/// 255-octet name fits unless escapes lengthen it: then `clipped` is set and the text ends at the
/// last whole character.
struct dns_name {
    static constexpr std::size_t capacity = 255;
    std::array<char, capacity> buffer{};
    std::uint16_t size = 0;
    bool clipped = false;

    [[nodiscard]] std::string_view view() const noexcept { return {buffer.data(), size}; }
    void clear() noexcept {
        size = 0;
        clipped = false;
    }

private:
    friend struct dns_name_ref;
    void put(const char* s, std::size_t n) noexcept {
        if (clipped || size + n > capacity) {
            clipped = true;
            return;
        }
        for (std::size_t i = 0; i < n; ++i) buffer[size++] = s[i];
    }
};

enum class dns_case : std::uint8_t { as_is, lower };  ///< lower: ASCII A-Z to a-z (DNS compares case-insensitively)

struct dns_name_result {
    dns_status status = dns_status::truncated;
    std::uint16_t wire_length = 0;  ///< octets of the uncompressed name, root byte included (<= 255)
    std::uint8_t labels = 0;
    std::uint8_t jumps = 0;         ///< compression pointers followed
};

namespace detail {
/// An owning temporary (a std::vector<std::byte> prvalue): views into it would dangle.
template <class B>
concept dns_temporary_bytes = !std::is_lvalue_reference_v<B> && !std::ranges::borrowed_range<B>;

/// Skips a name in place (labels up to the zero byte or the pointer, without following it).
/// Returns complete / truncated (the bytes ended) / malformed (label type 01 or 10, or more than
/// 255 octets before the end or the pointer).
[[nodiscard]] inline dns_status skip_dns_name(cursor& c) noexcept {
    std::size_t octets = 0;
    for (;;) {
        if (!c.has(1)) return dns_status::truncated;
        const std::uint8_t len = c.peek_u8();
        if ((len & 0xC0) == 0xC0) {
            if (!c.has(2)) return dns_status::truncated;
            c.skip(2);
            return dns_status::complete;
        }
        if (len & 0xC0) return dns_status::malformed;  // 0x40 extended / 0x80 reserved label types
        octets += len + 1u;
        if (octets > 255) return dns_status::malformed;
        if (!c.has(1u + len)) return dns_status::truncated;
        c.skip(1u + len);
        if (len == 0) return dns_status::complete;
    }
}
}  // namespace detail

/// Where a name starts in a message; decoded on demand (following compression pointers).
struct dns_name_ref {
    std::span<const std::byte> message{};
    std::uint32_t offset = 0;

    /// Decodes into `out` (cleared first). On truncated / malformed, `out` holds the labels read
    /// before the problem.
    dns_name_result decode(dns_name& out, dns_case letter_case = dns_case::as_is) const noexcept {
        out.clear();
        dns_name_result r;
        std::size_t pos = offset;
        std::size_t bound = offset;  // the next pointer must go strictly before this
        std::size_t octets = 0;
        for (;;) {
            if (pos >= message.size()) {
                r.status = dns_status::truncated;
                return r;
            }
            const auto len = std::to_integer<std::uint8_t>(message[pos]);
            if ((len & 0xC0) == 0xC0) {
                if (pos + 1 >= message.size()) {
                    r.status = dns_status::truncated;
                    return r;
                }
                const std::size_t target = (std::size_t{len & 0x3Fu} << 8) | std::to_integer<std::uint8_t>(message[pos + 1]);
                if (target >= bound) {  // forward, self or loop
                    r.status = dns_status::malformed;
                    return r;
                }
                bound = pos = target;
                ++r.jumps;
                continue;
            }
            if (len & 0xC0) {
                r.status = dns_status::malformed;
                return r;
            }
            octets += len + 1u;
            if (octets > 255) {
                r.status = dns_status::malformed;
                return r;
            }
            r.wire_length = static_cast<std::uint16_t>(octets);
            if (len == 0) {
                if (r.labels == 0) out.put(".", 1);
                r.status = dns_status::complete;
                return r;
            }
            if (pos + 1 + len > message.size()) {
                r.status = dns_status::truncated;
                return r;
            }
            if (r.labels != 0) out.put(".", 1);
            for (std::size_t i = 0; i < len; ++i) {
                auto ch = std::to_integer<std::uint8_t>(message[pos + 1 + i]);
                if (letter_case == dns_case::lower && ch >= 'A' && ch <= 'Z') ch = static_cast<std::uint8_t>(ch + 32);
                if (ch > 0x20 && ch < 0x7f && ch != '.' && ch != '\\') {  // the common case, one byte in place
                    if (!out.clipped && out.size < dns_name::capacity) out.buffer[out.size++] = static_cast<char>(ch);
                    else out.clipped = true;
                } else if (ch == '\\') {
                    out.put("\\\\", 2);
                } else {
                    constexpr char hex[] = "0123456789abcdef";
                    const char esc[4] = {'\\', 'x', hex[ch >> 4], hex[ch & 15]};
                    out.put(esc, 4);
                }
            }
            ++r.labels;
            pos += 1u + len;
        }
    }
};

/// SOA rdata (RFC 1035 §3.3.13). `minimum` is the negative-caching TTL (RFC 2308 §4).
struct dns_soa {
    dns_name_ref mname{}, rname{};
    std::uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
};

/// EDNS(0) OPT pseudo-record (RFC 6891 §6.1.2): its class and TTL fields carry these.
struct dns_opt {
    std::uint16_t udp_payload_size = 0;
    std::uint8_t extended_rcode = 0;  ///< upper 8 bits of the 12-bit rcode
    std::uint8_t version = 0;
    bool dnssec_ok = false;           ///< DO bit
    std::span<const std::byte> options{};  ///< {code(16) length(16) data}...

    /// The full rcode: (extended_rcode << 4) | the header's 4 bits.
    [[nodiscard]] std::uint16_t rcode(const dns_header& h) const noexcept {
        return static_cast<std::uint16_t>(extended_rcode << 4 | h.rcode());
    }
    /// Walks the options: `f(code, data)` for each; false if one runs past the record.
    template <class F>
    bool for_each_option(F&& f) const noexcept {
        cursor c{options};
        while (c.remaining() >= 4) {
            const std::uint16_t code = c.u16be();
            const std::uint16_t length = c.u16be();
            const auto data = c.take(length);
            if (!c.ok()) return false;
            f(code, data);
        }
        return c.remaining() == 0;
    }
};

enum class dns_section : std::uint8_t { question, answer, authority, additional };

/// One question or resource record. For a question, ttl is 0 and rdata empty.
struct dns_record {
    dns_section section = dns_section::question;
    dns_name_ref name{};
    std::uint16_t type = 0;
    std::uint16_t rclass = 0;  ///< as on the wire (OPT: the UDP payload size; mDNS: top bit is a flag)
    std::uint32_t ttl = 0;     ///< seconds
    std::span<const std::byte> rdata{};
    std::uint32_t rdata_offset = 0;  ///< from the message's start

    [[nodiscard]] std::uint16_t class_code() const noexcept { return rclass & 0x7FFF; }
    /// mDNS: the unicast-response bit of a question, the cache-flush bit of a record.
    [[nodiscard]] bool mdns_flag() const noexcept { return rclass & 0x8000; }

    /// The address of an A (4-byte rdata) or AAAA (16-byte rdata) record, of any class.
    [[nodiscard]] std::optional<ip_address> address() const noexcept {
        if (type == dns_type::a && rdata.size() == 4) return ip_address::v4(rdata.first<4>());
        if (type == dns_type::aaaa && rdata.size() == 16) return ip_address::v6(rdata.first<16>());
        return std::nullopt;
    }
    /// The domain name in the rdata of CNAME, PTR, NS, DNAME (whole rdata) and MX (after the
    /// preference); nullopt for other types or rdata too short to hold one.
    [[nodiscard]] std::optional<dns_name_ref> target() const noexcept {
        std::size_t skip = 0;
        if (type == dns_type::mx) skip = 2;
        else if (type != dns_type::cname && type != dns_type::ptr && type != dns_type::ns && type != dns_type::dname)
            return std::nullopt;
        if (rdata.size() <= skip) return std::nullopt;
        return dns_name_ref{message_, static_cast<std::uint32_t>(rdata_offset + skip)};
    }
    [[nodiscard]] std::uint16_t mx_preference() const noexcept {
        return type == dns_type::mx && rdata.size() >= 2 ? cursor{rdata}.u16be() : 0;
    }
    /// TXT: calls `f(string_view)` for each character-string; false if one runs past the rdata.
    template <class F>
    bool for_each_text(F&& f) const noexcept {
        if (type != dns_type::txt) return false;
        cursor c{rdata};
        while (c.remaining() > 0) {
            const std::size_t n = c.u8();
            const auto s = c.take(n);
            if (!c.ok()) return false;
            f(std::string_view{reinterpret_cast<const char*>(s.data()), s.size()});
        }
        return true;
    }
    [[nodiscard]] std::optional<dns_soa> soa() const noexcept {
        if (type != dns_type::soa) return std::nullopt;
        cursor c{rdata};
        dns_soa s;
        s.mname = {message_, rdata_offset};
        if (detail::skip_dns_name(c) != dns_status::complete) return std::nullopt;
        s.rname = {message_, static_cast<std::uint32_t>(rdata_offset + c.position())};
        if (detail::skip_dns_name(c) != dns_status::complete) return std::nullopt;
        s.serial = c.u32be();
        s.refresh = c.u32be();
        s.retry = c.u32be();
        s.expire = c.u32be();
        s.minimum = c.u32be();
        if (!c.ok()) return std::nullopt;
        return s;
    }
    [[nodiscard]] std::optional<dns_opt> opt() const noexcept {
        if (type != dns_type::opt || section != dns_section::additional) return std::nullopt;
        return dns_opt{rclass, static_cast<std::uint8_t>(ttl >> 24), static_cast<std::uint8_t>(ttl >> 16),
                       (ttl & 0x8000u) != 0, rdata};
    }

private:
    friend class dns_record_reader;
    std::span<const std::byte> message_{};
};

/// Reads a message's questions, then answer, authority and additional records, in order, without
/// allocating. Names are not decoded (only skipped); decode the ones you need.
///
///   dns_record_reader rd{payload};
///   dns_record r;
///   while (rd.next(r)) { ... }
///   if (rd.status() != dns_status::complete) ...  // truncated / malformed: the records before are valid
class dns_record_reader {
public:
    explicit dns_record_reader(std::span<const std::byte> message) noexcept : message_(message), c_(message) {
        header_ = dns_header::parse(c_);
        has_header_ = c_.ok();
        if (!has_header_) status_ = dns_status::truncated;
        left_ = {header_.qdcount, header_.ancount, header_.nscount, header_.arcount};
    }
    template <detail::dns_temporary_bytes B>
    explicit dns_record_reader(B&&) = delete;  // records would point into a dead buffer

    [[nodiscard]] const dns_header& header() const noexcept { return header_; }
    /// True once the 12-byte header was read.
    [[nodiscard]] bool has_header() const noexcept { return has_header_; }
    /// complete after every counted record was read; truncated / malformed once next() stopped early.
    [[nodiscard]] dns_status status() const noexcept { return status_; }
    [[nodiscard]] std::uint32_t records_read() const noexcept { return records_; }
    /// Bytes read so far (the whole message once complete; trailing bytes are not read).
    [[nodiscard]] std::size_t position() const noexcept { return c_.position(); }
    [[nodiscard]] std::span<const std::byte> message() const noexcept { return message_; }

    /// The next record, or false at the end or on a problem (see status()).
    bool next(dns_record& r) noexcept {
        if (status_ != dns_status::complete) return false;
        while (section_ < 4 && left_[section_] == 0) ++section_;
        if (section_ == 4) return false;
        const std::size_t start = c_.position();
        const dns_status name = detail::skip_dns_name(c_);
        if (name != dns_status::complete) return stop(name);
        r.message_ = message_;
        r.section = static_cast<dns_section>(section_);
        r.name = {message_, static_cast<std::uint32_t>(start)};
        if (!c_.has(r.section == dns_section::question ? 4 : 10)) return stop(dns_status::truncated);
        r.type = c_.u16be();
        r.rclass = c_.u16be();
        r.ttl = 0;
        r.rdata = {};
        r.rdata_offset = static_cast<std::uint32_t>(c_.position());
        if (r.section != dns_section::question) {
            r.ttl = c_.u32be();
            const std::uint16_t rdlength = c_.u16be();
            r.rdata_offset = static_cast<std::uint32_t>(c_.position());
            if (!c_.has(rdlength)) return stop(dns_status::truncated);
            r.rdata = c_.take(rdlength);
        }
        --left_[section_];
        ++records_;
        return true;
    }

    // A range over the records: for (const dns_record& r : reader) { ... }
    struct sentinel {};
    class iterator {
    public:
        using value_type = dns_record;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        explicit iterator(dns_record_reader* rd) : rd_(rd) { ++*this; }
        const dns_record& operator*() const noexcept { return r_; }
        const dns_record* operator->() const noexcept { return &r_; }
        iterator& operator++() noexcept {
            if (rd_ && !rd_->next(r_)) rd_ = nullptr;
            return *this;
        }
        void operator++(int) noexcept { ++*this; }
        friend bool operator==(const iterator& i, sentinel) noexcept { return i.rd_ == nullptr; }

    private:
        dns_record_reader* rd_ = nullptr;
        dns_record r_{};
    };
    [[nodiscard]] iterator begin() noexcept { return iterator{this}; }
    [[nodiscard]] sentinel end() const noexcept { return {}; }

private:
    bool stop(dns_status s) noexcept {
        status_ = s;
        return false;
    }

    std::span<const std::byte> message_;
    cursor c_;
    dns_header header_{};
    std::array<std::uint16_t, 4> left_{};
    std::uint8_t section_ = 0;
    std::uint32_t records_ = 0;
    dns_status status_ = dns_status::complete;
    bool has_header_ = false;
};

/// One message of a DNS-over-TCP stream.
struct dns_tcp_message {
    std::uint16_t length = 0;               ///< from the 2-byte prefix
    std::span<const std::byte> message{};   ///< the message, or what there is of it when !complete
    bool complete = false;
};

/// Splits the bytes of one TCP direction (from its first byte) into length-prefixed messages.
class dns_tcp_reader {
public:
    explicit dns_tcp_reader(std::span<const std::byte> stream) noexcept : c_(stream) {}
    template <detail::dns_temporary_bytes B>
    explicit dns_tcp_reader(B&&) = delete;  // messages would point into a dead buffer

    /// The next message; the last one may be incomplete (then the following call returns false).
    bool next(dns_tcp_message& m) noexcept {
        if (done_ || c_.remaining() == 0) return false;
        if (!c_.has(2)) {
            need_more_ = done_ = true;
            return false;
        }
        m.length = c_.u16be();
        m.complete = c_.has(m.length);
        if (m.complete) {
            m.message = c_.take(m.length);
            whole_ = c_.position();
        } else {
            m.message = c_.rest();
            need_more_ = done_ = true;
        }
        return true;
    }
    /// Bytes of whole messages (prefixes included) read so far.
    [[nodiscard]] std::size_t consumed() const noexcept { return whole_; }
    /// The stream ended inside a prefix or a message.
    [[nodiscard]] bool need_more() const noexcept { return need_more_; }

private:
    cursor c_;
    std::size_t whole_ = 0;
    bool done_ = false;
    bool need_more_ = false;
};

}  // namespace pktdyn
