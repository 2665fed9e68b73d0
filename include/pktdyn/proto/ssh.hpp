// pktdyn — SSH transport handshake in clear (RFC 4253): identification line, binary packet,
// SSH_MSG_KEXINIT, and the HASSH / HASSHServer fingerprints (salesforce/hassh).
//
//   identification (§4.2): SSH-protoversion-softwareversion [SP comments] CR LF, at most 255 bytes
//     with the CR LF; a server may send other lines first (none may start with "SSH-").
//   binary packet (§6): packet_length(32) padding_length(8) payload(packet_length - padding_length - 1)
//     random padding(padding_length) [MAC]; before NEWKEYS there is no MAC and nothing is encrypted.
//   KEXINIT (§7.1): byte 20, cookie(16), 10 name-lists (uint32 length + comma-separated ASCII):
//     kex, server host key, encryption c2s, s2c, MAC c2s, s2c, compression c2s, s2c, languages c2s,
//     s2c; boolean first_kex_packet_follows; uint32 reserved (0).
//   HASSH       = md5("kex;enc_c2s;mac_c2s;cmp_c2s") of the client's KEXINIT,
//   HASSHServer = md5("kex;enc_s2c;mac_s2c;cmp_s2c") of the server's. hassh_md5 is in crypto/fingerprints.hpp.
//
// The parsers see contiguous bytes (the start of one TCP direction, reassembled by the caller) and
// keep no state: each says whether it is complete, needs more bytes (what it read so far stays
// valid), or cannot be SSH. Views point into the caller's bytes.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "pktdyn/core/cursor.hpp"

namespace pktdyn {

enum class ssh_status : std::uint8_t {
    complete,       ///< the whole item was read
    need_more,      ///< the bytes end inside the item: call again with more (fields read so far are valid)
    not_ssh,        ///< the bytes cannot be an SSH identification
    too_long,       ///< the SSH- line passed 255 bytes without its LF, or a packet its size limit
    malformed,      ///< inconsistent lengths
    other_message,  ///< a binary packet, but not the message asked for (e.g. not KEXINIT)
};

[[nodiscard]] constexpr std::string_view to_string(ssh_status s) noexcept {
    switch (s) {
        case ssh_status::complete: return "complete";
        case ssh_status::need_more: return "need more bytes";
        case ssh_status::not_ssh: return "not SSH";
        case ssh_status::too_long: return "too long";
        case ssh_status::malformed: return "malformed";
        case ssh_status::other_message: return "other message";
    }
    return "?";
}

namespace detail {
/// An owning temporary (a std::vector<std::byte> prvalue): views into it would dangle.
template <class B>
concept ssh_temporary_bytes = !std::is_lvalue_reference_v<B> && !std::ranges::borrowed_range<B>;

[[nodiscard]] inline std::string_view as_text(std::span<const std::byte> b) noexcept {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}
}  // namespace detail

/// The identification line ("banner"), with the lines a server may send before it.
struct ssh_identification {
    static constexpr std::size_t max_line = 255;           ///< RFC 4253 §4.2, CR LF included
    static constexpr std::size_t max_preamble_line = 1024; ///< a longer line before SSH- is not SSH

    ssh_status status = ssh_status::need_more;
    std::string_view line{};          ///< "SSH-2.0-OpenSSH_9.6 Ubuntu", without CR LF
    std::string_view proto_version{}; ///< "2.0", "1.99" (both), "1.5" (SSH 1 only)
    std::string_view software{};      ///< "OpenSSH_9.6": up to the first space
    std::string_view comments{};      ///< after the first space; empty if none
    std::uint32_t preamble_lines = 0; ///< lines before the SSH- line
    std::uint32_t preamble_bytes = 0; ///< their bytes, line ends included (the SSH- line starts here)
    std::uint32_t length = 0;         ///< bytes through the SSH- line's LF: binary packets start here
    bool bare_lf = false;             ///< the line ended with LF alone (accepted, as OpenSSH does)

    /// True for SSH 2 (protoversion "2.0", or "1.99" which RFC 4253 §5.1 says to treat as 2.0).
    [[nodiscard]] bool is_v2() const noexcept { return proto_version == "2.0" || proto_version == "1.99"; }

    /// Parses `bytes`, the start of one direction. `max_preamble_lines` other lines may come first
    /// (servers only, RFC 4253 §4.2: pass 0 for a client's direction); a preamble line with a NUL
    /// or other control byte, or longer than max_preamble_line, means not SSH.
    [[nodiscard]] static ssh_identification parse(std::span<const std::byte> bytes,
                                                  std::uint32_t max_preamble_lines = 32) noexcept {
        ssh_identification id;
        const std::string_view text = detail::as_text(bytes);
        constexpr std::string_view magic = "SSH-";
        std::size_t pos = 0;
        for (;;) {
            const std::string_view rest = text.substr(pos);
            const std::size_t prefix = std::min(rest.size(), magic.size());
            const bool ssh_line = rest.substr(0, prefix) == magic.substr(0, prefix);
            const std::size_t lf = rest.find('\n');
            if (ssh_line) {
                if (lf == std::string_view::npos) {
                    id.status = rest.size() >= max_line ? ssh_status::too_long : ssh_status::need_more;
                    return id;
                }
                if (lf + 1 > max_line) {
                    id.status = ssh_status::too_long;
                    return id;
                }
                id.bare_lf = lf == 0 || rest[lf - 1] != '\r';
                id.line = rest.substr(0, id.bare_lf ? lf : lf - 1);
                id.length = static_cast<std::uint32_t>(pos + lf + 1);
                id.split();
                return id;
            }
            // Not (a prefix of) SSH-: a preamble line, which must look like text.
            const std::size_t end = lf == std::string_view::npos ? rest.size() : lf;
            for (std::size_t i = 0; i < end; ++i) {
                const auto ch = static_cast<unsigned char>(rest[i]);
                if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f) {
                    id.status = ssh_status::not_ssh;
                    return id;
                }
            }
            if (id.preamble_lines >= max_preamble_lines || end >= max_preamble_line) {
                id.status = ssh_status::not_ssh;
                return id;
            }
            if (lf == std::string_view::npos) {
                id.status = ssh_status::need_more;
                return id;
            }
            ++id.preamble_lines;
            pos += lf + 1;
            id.preamble_bytes = static_cast<std::uint32_t>(pos);
        }
    }

    template <detail::ssh_temporary_bytes B>
    static ssh_identification parse(B&&, std::uint32_t = 32) = delete;  // views would dangle

private:
    void split() noexcept {
        // "SSH-" protoversion "-" softwareversion [SP comments]
        const std::string_view body = line.substr(4);
        const std::size_t dash = body.find('-');
        const std::size_t space = body.find(' ');
        if (dash == std::string_view::npos || (space != std::string_view::npos && space < dash) || dash == 0) {
            status = ssh_status::malformed;  // no protoversion-softwareversion
            proto_version = body.substr(0, std::min(dash, space));
            return;
        }
        proto_version = body.substr(0, dash);
        const std::string_view after = body.substr(dash + 1);
        const std::size_t sp = after.find(' ');
        software = after.substr(0, sp);
        if (sp != std::string_view::npos) comments = after.substr(sp + 1);
        status = ssh_status::complete;
    }
};

/// One binary packet before encryption (RFC 4253 §6), as the first packets of a connection are.
struct ssh_packet {
    static constexpr std::uint32_t max_packet_length = 256 * 1024;  ///< OpenSSH's PACKET_MAX_SIZE

    ssh_status status = ssh_status::need_more;
    std::uint32_t packet_length = 0;  ///< valid once 4 bytes were there
    std::uint8_t padding_length = 0;  ///< valid once 5 bytes were there
    std::uint8_t message_type = 0;    ///< payload's first byte, valid once 6 bytes were there (0: none)
    std::span<const std::byte> payload{};  ///< complete: the payload; need_more: what was there of it
    bool short_padding = false;       ///< padding_length < 4 (RFC 4253 says at least 4; kept, flagged)

    /// Bytes the whole packet needs (4 + packet_length; 0 until the length was read).
    [[nodiscard]] std::size_t wire_length() const noexcept { return packet_length ? 4u + packet_length : 0u; }

    [[nodiscard]] static ssh_packet parse(std::span<const std::byte> bytes) noexcept {
        ssh_packet p;
        cursor c{bytes};
        if (!c.has(4)) return p;
        p.packet_length = c.u32be();
        if (p.packet_length > max_packet_length) {
            p.status = ssh_status::too_long;
            return p;
        }
        if (p.packet_length < 2) {  // padding_length and at least a message byte
            p.status = ssh_status::malformed;
            return p;
        }
        if (!c.has(1)) return p;
        p.padding_length = c.u8();
        p.short_padding = p.padding_length < 4;
        if (p.padding_length + 1u >= p.packet_length) {  // no room for the message byte
            p.status = ssh_status::malformed;
            return p;
        }
        const std::size_t payload_length = p.packet_length - p.padding_length - 1u;
        p.message_type = c.peek_u8();
        if (c.remaining() < payload_length) {
            p.payload = c.rest();
            return p;  // need_more
        }
        p.payload = c.take(payload_length);
        p.status = c.has(p.padding_length) ? ssh_status::complete : ssh_status::need_more;
        return p;
    }
    template <detail::ssh_temporary_bytes B>
    static ssh_packet parse(B&&) = delete;  // views would dangle
};

/// SSH_MSG_KEXINIT (RFC 4253 §7.1).
struct ssh_kexinit {
    static constexpr std::uint8_t message_number = 20;
    static constexpr std::size_t list_count = 10;
    enum list : std::uint8_t {
        kex, server_host_key, encryption_c2s, encryption_s2c, mac_c2s, mac_s2c,
        compression_c2s, compression_s2c, languages_c2s, languages_s2c,
    };

    ssh_status status = ssh_status::need_more;
    ssh_packet packet{};              ///< the binary packet around it (parse() only)
    std::span<const std::byte> cookie{};           ///< 16 random bytes, once read
    std::array<std::string_view, list_count> lists{};  ///< name-lists, in wire order
    std::uint8_t lists_read = 0;      ///< how many of `lists` are complete (10 when all)
    bool first_kex_packet_follows = false;
    std::uint32_t reserved = 0;
    bool non_ascii_names = false;     ///< a name-list holds bytes outside printable ASCII (kept as is)

    [[nodiscard]] std::string_view operator[](list l) const noexcept { return lists[l]; }

    /// From the bytes that follow the identification line: a binary packet carrying KEXINIT.
    /// need_more while the packet is incomplete (the lists complete before the cut are filled in),
    /// other_message if the first packet is not KEXINIT.
    [[nodiscard]] static ssh_kexinit parse(std::span<const std::byte> bytes) noexcept {
        ssh_kexinit k;
        k.packet = ssh_packet::parse(bytes);
        if (k.packet.status != ssh_status::complete && k.packet.status != ssh_status::need_more) {
            k.status = k.packet.status;
            return k;
        }
        if (k.packet.payload.empty()) return k;  // need_more before the message byte
        if (k.packet.message_type != message_number) {
            k.status = ssh_status::other_message;
            return k;
        }
        k.read_payload(k.packet.payload, k.packet.packet_length - k.packet.padding_length - 1u);
        if (k.packet.status == ssh_status::need_more && k.status == ssh_status::complete)
            k.status = ssh_status::need_more;  // the padding is still missing
        return k;
    }

    /// From a payload alone (message byte first), e.g. one decrypted or reassembled elsewhere.
    [[nodiscard]] static ssh_kexinit parse_payload(std::span<const std::byte> payload) noexcept {
        ssh_kexinit k;
        if (payload.empty()) return k;
        if (std::to_integer<std::uint8_t>(payload[0]) != message_number) {
            k.status = ssh_status::other_message;
            return k;
        }
        k.read_payload(payload, payload.size());
        return k;
    }
    template <detail::ssh_temporary_bytes B>
    static ssh_kexinit parse(B&&) = delete;  // views would dangle
    template <detail::ssh_temporary_bytes B>
    static ssh_kexinit parse_payload(B&&) = delete;

private:
    // `payload` holds the first bytes of a payload of `full` bytes: running out of it is need_more,
    // running out of `full` is malformed.
    void read_payload(std::span<const std::byte> payload, std::size_t full) noexcept {
        const bool whole = payload.size() >= full;
        const ssh_status short_of_bytes = whole ? ssh_status::malformed : ssh_status::need_more;
        cursor c{payload};
        c.skip(1);
        if (!c.has(16)) {
            status = short_of_bytes;
            return;
        }
        cookie = c.take(16);
        for (std::size_t i = 0; i < list_count; ++i) {
            if (!c.has(4)) {
                status = short_of_bytes;
                return;
            }
            const std::uint32_t n = c.peek<std::uint32_t>(0, byte_order::big);
            if (n > c.remaining() - 4) {
                // A list that runs past the payload's announced end can never complete.
                status = n > full - c.position() - 4 ? ssh_status::malformed : ssh_status::need_more;
                return;
            }
            c.skip(4);
            lists[i] = detail::as_text(c.take(n));
            for (char ch : lists[i])
                if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) > 0x7e) non_ascii_names = true;
            lists_read = static_cast<std::uint8_t>(i + 1);
        }
        if (!c.has(5)) {
            status = short_of_bytes;
            return;
        }
        first_kex_packet_follows = c.u8() != 0;
        reserved = c.u32be();
        status = ssh_status::complete;  // bytes after `reserved` are allowed (extensions ignore them)
    }
};

/// The HASSH input string: "kex;enc;mac;cmp" with the client's (c2s) lists, or the server's (s2c)
/// for HASSHServer. Empty unless the kex, encryption, MAC and compression lists were all read.
[[nodiscard]] inline std::string hassh_algorithms(const ssh_kexinit& k, bool server) {
    if (k.lists_read < ssh_kexinit::compression_s2c + 1) return {};
    const auto pick = [&](ssh_kexinit::list c2s, ssh_kexinit::list s2c) { return k.lists[server ? s2c : c2s]; };
    std::string s;
    s.reserve(k.lists[ssh_kexinit::kex].size() + 256);
    s.append(k.lists[ssh_kexinit::kex]).append(";");
    s.append(pick(ssh_kexinit::encryption_c2s, ssh_kexinit::encryption_s2c)).append(";");
    s.append(pick(ssh_kexinit::mac_c2s, ssh_kexinit::mac_s2c)).append(";");
    s.append(pick(ssh_kexinit::compression_c2s, ssh_kexinit::compression_s2c));
    return s;
}

}  // namespace pktdyn
