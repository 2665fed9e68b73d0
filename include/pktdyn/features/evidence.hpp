// pktdyn — evidence from inside a flow that behavioural detectors need and flow counters cannot give:
// how logins went (`login_outcomes`) and what a DNS conversation asked (`dns_activity`).
//
// login_outcomes
//   SSH: Zeek's inference from encrypted sizes (src/analyzer/protocol/ssh/SSH.cc, ProcessEncrypted),
//   reproduced step by step: each direction is followed in order (tcp_stream) through its banner and
//   cleartext binary packets to NEWKEYS; from then on every delivery of the responder's bytes is an
//   encrypted segment of that length. Once the client has sent encrypted data, the server's first
//   segment is SERVICE_ACCEPT (its size remembered); one 16 bytes smaller is USERAUTH_SUCCESS; the
//   next other one is USERAUTH_FAILURE (skipped once if over 256 bytes larger: a banner); each later
//   segment of the failure's size is a failed attempt, one 16 bytes smaller than SERVICE_ACCEPT a
//   success, and the decision ends the reading. SSH-2 only, as Zeek: both sides' identification
//   lines must say 2.x or 1.99 (Zeek's set_version; an SSH-1 side leaves the flow unjudged). As Zeek's
//   base/protocols/ssh/main.zeek, a connection that negotiated compression (zlib or zlib@openssh.com,
//   the client's first choice the server also lists, both directions alike: SSH::compression_algorithms)
//   is not judged: sizes no longer tell the messages apart. Its attempts are 0 and its outcome unset.
//   FTP: Zeek's detect-bruteforcing counts a reply of class 5 to USER or PASS as a failed login;
//   here each server line with a final reply code (three digits and a space) is matched to the
//   client's latest command line. Lines are read per segment (a line split across segments is not
//   joined; FTP's control lines fit one segment in practice); retransmitted segments are skipped.
//   HTTP: responses whose status line (at a segment's start) says 401, the basic-auth refusal.
// dns_activity (UDP port 53): every message's first question and response code.
//
// Both allocate nothing per packet: their state is allocated once, for flows that are SSH, FTP,
// HTTP or DNS, and freed with the flow. Definitions: docs/detect.md ("Evidence columns").
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "pktdyn/features/accumulator.hpp"
#include "pktdyn/flow/tcp_stream.hpp"
#include "pktdyn/proto/dns.hpp"

namespace pktdyn {

class login_outcomes {
public:
    static constexpr std::array features{
        feature_info{"", "ssh_auth_attempts", "attempts",
                     "SSH-2 authentication attempts inferred from the server's encrypted segment sizes as Zeek's "
                     "ssh_auth_attempted events (a failure-sized segment, or the success); 0 when the connection "
                     "negotiated compression (not judged, as Zeek); NaN when not SSH-2"},
        feature_info{"", "ssh_auth_success", "0/1",
                     "1 when a success was inferred, 0 when attempts were seen and none succeeded (Zeek's "
                     "auth_success); NaN when no attempt was seen or compression was negotiated"},
        feature_info{"", "ftp_login_failures", "replies",
                     "FTP replies of class 5 to USER or PASS (Zeek's ftp.failed_auth); NaN when no USER was sent"},
        feature_info{"", "ftp_logins", "replies", "FTP replies 230 (user logged in) to USER or PASS; NaN as above"},
        feature_info{"", "http_auth_failures", "responses",
                     "HTTP responses with status 401 (authentication refused); NaN when no HTTP response was seen"},
    };

    login_outcomes() = default;
    login_outcomes(const login_outcomes& o)
        : kind_(o.kind_), state_(o.state_ ? std::make_unique<state>(*o.state_) : nullptr), syn_seq_(o.syn_seq_), syn_seen_(o.syn_seen_) {}
    login_outcomes& operator=(const login_outcomes& o) {
        if (this != &o) *this = login_outcomes(o);
        return *this;
    }
    login_outcomes(login_outcomes&&) noexcept = default;
    login_outcomes& operator=(login_outcomes&&) noexcept = default;

    void update(const flow_packet& p) noexcept {
        if (kind_ == service::none || !p.tcp || !p.decoded) return;
        if (kind_ == service::undecided) {
            if (p.payload.empty()) {
                remember_syn(p);
                return;
            }
            decide(p);
            if (kind_ == service::none) return;
        }
        switch (kind_) {
            case service::ssh: ssh_segment(p); break;
            case service::ftp: ftp_segment(p); break;
            case service::http: http_segment(p); break;
            default: break;
        }
    }

    /// A later part of the same flow adds nothing: logins happen at a connection's start.
    void merge(const login_outcomes&) noexcept {}

    void write(std::span<double> out) const noexcept {
        constexpr double none = std::numeric_limits<double>::quiet_NaN();
        std::fill(out.begin(), out.end(), none);
        if (!state_) return;
        const state& s = *state_;
        if (kind_ == service::ssh && s.ssh.version2) {
            const bool judged = !compressed();
            out[0] = judged ? s.ssh.attempts : 0;
            if (judged && s.ssh.attempts) out[1] = s.ssh.success ? 1 : 0;
        }
        if (kind_ == service::ftp && s.ftp.user_seen) {
            out[2] = s.ftp.failures;
            out[3] = s.ftp.logins;
        }
        if (kind_ == service::http && s.http.responses) out[4] = s.http.refused;
    }

private:
    enum class service : std::uint8_t { undecided, none, ssh, ftp, http };

    // One direction of SSH as Zeek's binpac parser sees it: banner line, cleartext packets, encrypted.
    struct ssh_side {
        enum class phase : std::uint8_t { banner, packets, encrypted } at = phase::banner;
        std::array<char, 8> banner{};       // the current line's first bytes
        std::uint8_t banner_size = 0;
        bool line_start = true;
        std::uint16_t banner_bytes = 0;     // bytes read before the identification line ended
        std::array<std::uint8_t, 6> header{};  // packet_length(4) padding_length(1) message(1)
        std::uint8_t header_size = 0;
        std::uint32_t skip = 0;             // bytes left of the current packet
        bool newkeys = false;               // the current packet is NEWKEYS
        bool kexinit = false;               // the current packet is KEXINIT: its compression lists are read
        // KEXINIT's payload after the message byte (RFC 4253 §7.1): cookie, then name-lists; lists 6
        // and 7 are compression client-to-server and server-to-client.
        std::uint32_t kex_read = 0, list_left = 0, length_so_far = 0;
        std::uint8_t list = 0, length_bytes = 0;
        std::array<std::array<char, 40>, 2> compression{};
        std::array<std::uint8_t, 2> compression_size{};
        bool compression_read = false, compression_too_long = false;
    };
    struct ssh_state {
        ssh_state() = default;
        /// A copy keeps what was inferred and reads no further (stream readers are not copied).
        ssh_state(const ssh_state& o)
            : side(o.side), version2(o.version2), decided(true), client_ssh1(o.client_ssh1),
              saw_encrypted_client_data(o.saw_encrypted_client_data),
              skipped_banner(o.skipped_banner), service_accept_size(o.service_accept_size),
              userauth_failure_size(o.userauth_failure_size), attempts(o.attempts), server_segments(o.server_segments),
              success(o.success) {}
        ssh_state& operator=(const ssh_state&) = delete;

        std::array<tcp_stream, 2> stream;
        std::array<ssh_side, 2> side;
        bool version2 = false, decided = false, client_ssh1 = false;
        bool saw_encrypted_client_data = false, skipped_banner = false;
        std::int64_t service_accept_size = 0, userauth_failure_size = 0;
        std::uint32_t attempts = 0, server_segments = 0;
        bool success = false;
    };
    struct ftp_state {
        std::array<std::uint32_t, 2> next_seq{};
        std::array<bool, 2> seq_known{};
        enum class command : std::uint8_t { other, user, pass } last = command::other;
        bool user_seen = false;
        std::uint32_t failures = 0, logins = 0;
    };
    struct http_state {
        std::uint32_t responses = 0, refused = 0;
    };
    struct state {
        ssh_state ssh;
        ftp_state ftp;
        http_state http;
    };

    static constexpr std::uint32_t server_segments_read = 64;  // bound on the encrypted segments watched

    static bool digit(std::byte b) noexcept { return b >= std::byte{'0'} && b <= std::byte{'9'}; }
    static bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
    static bool starts(std::span<const std::byte> b, std::string_view s) noexcept {
        return b.size() >= s.size() && std::memcmp(b.data(), s.data(), s.size()) == 0;
    }

    // SSH reads each direction in order from after its SYN, so the SYNs are remembered until then.
    void remember_syn(const flow_packet& p) noexcept {
        if (!(p.tcp_flags & 0x02)) return;
        syn_seq_[static_cast<std::size_t>(p.direction)] = p.decoded->tcp.seq;
        syn_seen_ = static_cast<std::uint8_t>(syn_seen_ | (1u << p.direction));
    }

    void decide(const flow_packet& p) noexcept {
        const auto b = p.payload;
        const bool from_server = p.direction == 1;
        service k = service::none;
        if (starts(b, "SSH-")) k = service::ssh;
        else if (from_server ? starts(b, "HTTP/1.") : (starts(b, "GET ") || starts(b, "POST ") || starts(b, "HEAD ") ||
                                                        starts(b, "PUT ") || starts(b, "OPTIONS ") || starts(b, "DELETE ")))
            k = service::http;
        else if (from_server && b.size() >= 4 && digit(b[0]) && digit(b[1]) && digit(b[2]))
            k = service::ftp;  // a numeric reply protocol (FTP, SMTP…): counted only when USER is sent
        else if (!from_server && (starts(b, "USER ") || starts(b, "user ")))
            k = service::ftp;
        if (k != service::none) {
            try {
                state_ = std::make_unique<state>();
            } catch (...) {
                k = service::none;
            }
        }
        kind_ = k;
        if (k == service::ssh)  // each stream starts after its SYN, when that was seen
            for (std::size_t side = 0; side < 2; ++side)
                if (syn_seen_ & (1u << side))
                    state_->ssh.stream[side].segment(syn_seq_[side], true, 0, {}, [](std::span<const std::byte>) { return true; });
    }

    // ---- SSH

    void ssh_segment(const flow_packet& p) noexcept {
        ssh_state& s = state_->ssh;
        if (s.decided) return;
        const int side = p.direction;
        auto& stream = s.stream[static_cast<std::size_t>(side)];
        stream.segment(p.decoded->tcp.seq, (p.tcp_flags & 0x02) != 0, p.payload_length, p.payload,
                       [&](std::span<const std::byte> bytes) { return ssh_delivery(side, bytes); });
    }

    /// One in-order delivery of `side`'s bytes; false when nothing more is wanted from the stream.
    bool ssh_delivery(int side, std::span<const std::byte> bytes) noexcept {
        ssh_state& s = state_->ssh;
        ssh_side& d = s.side[static_cast<std::size_t>(side)];
        if (d.at == ssh_side::phase::encrypted) {
            encrypted(side, static_cast<std::int64_t>(bytes.size()));
            return !s.decided;
        }
        std::size_t i = 0;
        // The banner: lines until one starting "SSH-" (a server may send others first, RFC 4253 §4.2).
        while (i < bytes.size() && d.at == ssh_side::phase::banner) {
            const char c = static_cast<char>(bytes[i++]);
            if (++d.banner_bytes > 8192) return stop_ssh();
            if (d.line_start) d.banner_size = 0;
            if (d.banner_size < d.banner.size()) d.banner[d.banner_size++] = c;
            d.line_start = c == '\n';
            const std::string_view line(d.banner.data(), d.banner_size);
            if (c == '\n' && line.starts_with("SSH-")) {
                if (!line.starts_with("SSH-2.") && !line.starts_with("SSH-1.99")) {  // SSH-1: no SSH-2 outcome
                    s.version2 = false;
                    if (side == 0) s.client_ssh1 = true;
                    return stop_ssh();
                }
                d.at = ssh_side::phase::packets;
                if (side == 1 && !s.client_ssh1) s.version2 = true;
            }
        }
        while (i < bytes.size() && d.at == ssh_side::phase::packets) {
            if (d.skip) {
                const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(d.skip, bytes.size() - i));
                if (d.kexinit) read_kexinit(d, bytes.subspan(i, n));
                d.skip -= n;
                i += n;
                if (d.skip == 0 && d.newkeys) d.at = ssh_side::phase::encrypted;
                continue;
            }
            d.header[d.header_size++] = static_cast<std::uint8_t>(bytes[i++]);
            if (d.header_size < d.header.size()) continue;
            d.header_size = 0;
            const std::uint32_t length = std::uint32_t{d.header[0]} << 24 | std::uint32_t{d.header[1]} << 16 |
                                         std::uint32_t{d.header[2]} << 8 | d.header[3];
            if (length < 2 || length > 35000) return stop_ssh();  // not a cleartext binary packet (RFC 4253 §6.1)
            d.newkeys = d.header[5] == 21;  // SSH_MSG_NEWKEYS
            d.kexinit = d.header[5] == 20 && !d.compression_read;  // SSH_MSG_KEXINIT (the first one)
            d.skip = length + 4 - 6;
            if (d.skip == 0 && d.newkeys) d.at = ssh_side::phase::encrypted;
        }
        // The rest of a delivery that crossed into encryption is an encrypted segment of that size.
        if (d.at == ssh_side::phase::encrypted && i < bytes.size()) encrypted(side, static_cast<std::int64_t>(bytes.size() - i));
        return !s.decided;
    }

    /// KEXINIT's bytes after the message byte, in order: keeps the two compression name-lists.
    static void read_kexinit(ssh_side& d, std::span<const std::byte> bytes) noexcept {
        for (const std::byte b : bytes) {
            if (d.compression_read) return;
            if (d.kex_read < 16) {  // the cookie
                ++d.kex_read;
                continue;
            }
            if (d.list_left == 0) {  // a name-list's uint32 length
                d.length_so_far = d.length_so_far << 8 | std::to_integer<std::uint32_t>(b);
                if (++d.length_bytes < 4) continue;
                d.list_left = d.length_so_far;
                d.length_so_far = d.length_bytes = 0;
                if (d.list_left == 0 && ++d.list == 8) d.compression_read = true;
                continue;
            }
            if (d.list == 6 || d.list == 7) {
                const std::size_t c = d.list - 6u;
                if (d.compression_size[c] < d.compression[c].size()) d.compression[c][d.compression_size[c]++] = static_cast<char>(b);
                else d.compression_too_long = true;
            }
            if (--d.list_left == 0 && ++d.list == 8) d.compression_read = true;
        }
    }

    /// Zeek's find_bidirectional_alg for compression: the client's first choice the server also
    /// lists, per direction; compressed when both directions chose zlib or zlib@openssh.com alike.
    [[nodiscard]] bool compressed() const noexcept {
        const auto& client = state_->ssh.side[0];
        const auto& server = state_->ssh.side[1];
        if (!client.compression_read || !server.compression_read || client.compression_too_long || server.compression_too_long)
            return false;
        const auto chosen = [&](std::size_t c) -> std::string_view {
            const std::string_view offered(client.compression[c].data(), client.compression_size[c]);
            const std::string_view allowed(server.compression[c].data(), server.compression_size[c]);
            for (std::size_t at = 0; at <= offered.size();) {
                const std::size_t end = std::min(offered.find(',', at), offered.size());
                const std::string_view name = offered.substr(at, end - at);
                for (std::size_t a = 0; a <= allowed.size();) {
                    const std::size_t e = std::min(allowed.find(',', a), allowed.size());
                    if (allowed.substr(a, e - a) == name) return name;
                    a = e + 1;
                }
                at = end + 1;
            }
            return {};
        };
        const std::string_view to_server = chosen(0);
        return to_server == chosen(1) && (to_server == "zlib" || to_server == "zlib@openssh.com");
    }

    bool stop_ssh() noexcept {
        state_->ssh.decided = true;
        return false;
    }

    // Zeek's SSH_Analyzer::ProcessEncrypted, step by step.
    void encrypted(int side, std::int64_t len) noexcept {
        ssh_state& s = state_->ssh;
        if (!s.version2) return;
        if (side == 0) {
            s.saw_encrypted_client_data = true;
            return;
        }
        if (!s.saw_encrypted_client_data) return;
        if (++s.server_segments > server_segments_read) {
            stop_ssh();
            return;
        }
        if (!s.service_accept_size) {
            s.service_accept_size = len;
            return;
        }
        if (!s.userauth_failure_size && len + 16 == s.service_accept_size) {  // USERAUTH_SUCCESS after "none"
            ++s.attempts;
            s.success = true;
            s.decided = true;
            return;
        }
        if (!s.userauth_failure_size) {
            if (!s.skipped_banner && len - s.service_accept_size > 256) {
                s.skipped_banner = true;
                return;
            }
            s.userauth_failure_size = len;
            return;
        }
        if (len == s.userauth_failure_size) {
            ++s.attempts;
            return;
        }
        if (len - s.service_accept_size == -16) {
            ++s.attempts;
            s.success = true;
            s.decided = true;
        }
    }

    // ---- FTP and HTTP: lines at the start of segments

    bool fresh_segment(const flow_packet& p) noexcept {
        ftp_state& f = state_->ftp;
        const auto side = static_cast<std::size_t>(p.direction);
        const std::uint32_t seq = p.decoded->tcp.seq, end = seq + p.payload_length;
        if (f.seq_known[side] && static_cast<std::int32_t>(end - f.next_seq[side]) <= 0) return false;  // seen before
        f.seq_known[side] = true;
        f.next_seq[side] = end;
        return true;
    }

    void ftp_segment(const flow_packet& p) noexcept {
        if (p.payload.empty() || !fresh_segment(p)) return;
        ftp_state& f = state_->ftp;
        const std::string_view text(reinterpret_cast<const char*>(p.payload.data()), p.payload.size());
        std::size_t at = 0;
        while (at < text.size()) {
            std::size_t end = text.find('\n', at);
            if (end == std::string_view::npos) end = text.size();
            const std::string_view line = text.substr(at, end - at);
            at = end + 1;
            if (p.direction == 0) {
                const auto is = [&](std::string_view cmd) {
                    if (line.size() < cmd.size()) return false;
                    for (std::size_t i = 0; i < cmd.size(); ++i)
                        if ((line[i] & ~0x20) != cmd[i]) return false;
                    return line.size() == cmd.size() || line[cmd.size()] == ' ' || line[cmd.size()] == '\r';
                };
                f.last = is("USER") ? ftp_state::command::user : is("PASS") ? ftp_state::command::pass : ftp_state::command::other;
                f.user_seen = f.user_seen || f.last == ftp_state::command::user;
            } else if (line.size() >= 4 && digit(line[0]) && digit(line[1]) && digit(line[2]) && line[3] == ' ' &&
                       f.last != ftp_state::command::other) {
                if (line[0] == '5') ++f.failures;
                if (line.starts_with("230")) ++f.logins;
            }
        }
    }

    void http_segment(const flow_packet& p) noexcept {
        if (p.direction != 1 || !starts(p.payload, "HTTP/1.") || p.payload.size() < 12 || !fresh_segment(p)) return;
        http_state& h = state_->http;
        ++h.responses;
        if (std::memcmp(p.payload.data() + 8, " 401", 4) == 0) ++h.refused;
    }

    service kind_ = service::undecided;
    std::unique_ptr<state> state_;
    std::array<std::uint32_t, 2> syn_seq_{};
    std::uint8_t syn_seen_ = 0;
};

static_assert(diagnose_flow_accumulator<login_outcomes>());

/// What a DNS conversation asked: distinct names, the longest, how random its labels look, TXT/NULL
/// questions and NXDOMAIN answers (RITA's and anomalous-dns's tunnelling evidence).
class dns_activity {
public:
    static constexpr std::array features{
        feature_info{"", "dns_query_names", "names",
                     "distinct first-question names in the flow's queries (case-insensitive; estimated by linear "
                     "counting over 4096 bits: exact in practice below 200, within 2 % to 5000); NaN when not DNS"},
        feature_info{"", "dns_longest_name", "characters",
                     "length of the longest query name as DNS counts it: dots included, no final dot (its wire octets - 2)"},
        feature_info{"", "dns_label_entropy", "bits per octet",
                     "the highest, over the flow's queries, Shannon entropy of the octets of a query name's longest "
                     "label (encoded data: near log2 of the label's length)"},
        feature_info{"", "dns_txt_null_queries", "queries", "queries whose first question asks for TXT (16) or NULL (10)"},
        feature_info{"", "dns_nxdomain", "responses", "responses with response code 3 (NXDOMAIN)"},
    };
    static constexpr std::array text_features{
        feature_info{"", "dns_longest_query", "text",
                     "the longest query name (pktdyn text: other bytes as \\xHH; clipped at 255 characters)"},
        feature_info{"", "dns_first_query", "text",
                     "the first query's name (the one a detector groups by: a tunnel's first names are short)"},
    };

    dns_activity() = default;
    dns_activity(const dns_activity& o) : undecided_(o.undecided_), state_(o.state_ ? std::make_unique<state>(*o.state_) : nullptr) {}
    dns_activity& operator=(const dns_activity& o) {
        if (this != &o) *this = dns_activity(o);
        return *this;
    }
    dns_activity(dns_activity&&) noexcept = default;
    dns_activity& operator=(dns_activity&&) noexcept = default;

    void update(const flow_packet& p) noexcept {
        if (undecided_) {
            undecided_ = false;
            const decoded_packet* d = p.decoded;
            if (!d || p.tcp || d->transport != ip_protocol::udp || (d->udp.source_port != 53 && d->udp.destination_port != 53))
                return;
            try {
                state_ = std::make_unique<state>();
            } catch (...) {
                return;
            }
        }
        if (state_) message(p.payload);
    }

    void merge(const dns_activity& o) noexcept {
        if (!o.state_) return;
        if (!state_) {
            try {
                state_ = std::make_unique<state>(*o.state_);
            } catch (...) {
            }
            return;
        }
        state& s = *state_;
        for (std::size_t i = 0; i < s.names.size(); ++i) s.names[i] |= o.state_->names[i];
        s.txt_null += o.state_->txt_null;
        s.nxdomain += o.state_->nxdomain;
        s.entropy = std::max(s.entropy, o.state_->entropy);
        if (s.first_size == 0) {
            s.first = o.state_->first;
            s.first_size = o.state_->first_size;
        }
        if (o.state_->longest_chars > s.longest_chars) {
            s.longest = o.state_->longest;
            s.longest_size = o.state_->longest_size;
            s.longest_chars = o.state_->longest_chars;
        }
    }

    void write(std::span<double> out) const noexcept {
        std::fill(out.begin(), out.end(), std::numeric_limits<double>::quiet_NaN());
        if (!state_) return;
        const state& s = *state_;
        out[0] = s.distinct();
        out[1] = s.longest_chars;
        out[2] = s.longest_chars ? s.entropy : std::numeric_limits<double>::quiet_NaN();
        out[3] = s.txt_null;
        out[4] = s.nxdomain;
    }
    /// The longest and the first query name (pktdyn text), "" when not DNS: the text columns, unwritten.
    [[nodiscard]] std::string_view longest_query() const noexcept {
        return state_ ? std::string_view(state_->longest.data(), state_->longest_size) : std::string_view();
    }
    [[nodiscard]] std::string_view first_query() const noexcept {
        return state_ ? std::string_view(state_->first.data(), state_->first_size) : std::string_view();
    }
    void write_text(std::span<std::string> out) const {
        for (auto& o : out) o.clear();  // the strings are reused from flow to flow
        if (!state_) return;             // the names are pktdyn text already (dns_name)
        out[0].assign(state_->longest.data(), state_->longest_size);
        out[1].assign(state_->first.data(), state_->first_size);
    }

    /// Shannon entropy in bits per character of `text`'s characters (0 for empty text).
    [[nodiscard]] static double entropy(std::string_view text) noexcept {
        if (text.empty()) return 0;
        std::array<std::uint16_t, 256> counts{};
        for (unsigned char c : text) ++counts[c];
        double sum = 0;
        for (std::uint16_t c : counts)
            if (c) sum += c * std::log2(static_cast<double>(c));
        const auto n = static_cast<double>(text.size());
        return std::log2(n) - sum / n;
    }

    /// The longest label of a name in pktdyn text (labels split at '.', a '.' inside a label and
    /// other bytes escaped as \\xHH, '\\' as "\\\\"), its escapes undone into `raw`; its length.
    static std::size_t longest_label(std::string_view name, std::array<char, 64>& raw) noexcept {
        std::array<char, 64> label{};
        std::size_t best = 0, n = 0;
        const auto hex = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
        for (std::size_t i = 0; i <= name.size(); ++i) {
            if (i == name.size() || name[i] == '.') {
                if (n > best) {
                    best = n;
                    raw = label;
                }
                n = 0;
                continue;
            }
            char c = name[i];
            if (c == '\\' && i + 1 < name.size() && name[i + 1] == 'x' && i + 3 < name.size()) {
                c = static_cast<char>(hex(name[i + 2]) << 4 | hex(name[i + 3]));
                i += 3;
            } else if (c == '\\' && i + 1 < name.size()) {
                c = name[++i];
            }
            if (n < label.size()) label[n++] = c;
        }
        return best;
    }

private:
    struct state {
        static constexpr std::size_t bits = 4096;
        std::array<std::uint64_t, bits / 64> names{};  // linear counting bitmap of name hashes
        std::array<char, 256> longest{}, first{};
        std::uint16_t first_size = 0;
        std::uint16_t longest_size = 0;   // of the text
        std::uint16_t longest_chars = 0;  // of the name on the wire
        double entropy = 0;
        std::uint32_t txt_null = 0, nxdomain = 0;

        [[nodiscard]] double distinct() const noexcept {
            std::size_t set = 0;
            for (std::uint64_t w : names) set += static_cast<std::size_t>(std::popcount(w));
            if (set == 0) return 0;
            const auto m = static_cast<double>(bits);
            const double zero = m - static_cast<double>(set);
            // Linear counting (Whang et al. 1990): n = -m ln(V), V the fraction of bits still 0.
            return zero == 0 ? m * std::log(m) : std::round(-m * std::log(zero / m));
        }
    };

    void message(std::span<const std::byte> bytes) noexcept {
        dns_record_reader reader{bytes};
        if (!reader.has_header()) return;
        state& s = *state_;
        if (reader.header().qr()) {
            if (reader.header().rcode() == 3) ++s.nxdomain;
            return;
        }
        dns_record r;
        dns_name name;
        try {
            if (!reader.next(r) || r.section != dns_section::question) return;
        } catch (...) {
            return;
        }
        const dns_name_result decoded = r.name.decode(name);
        if (decoded.status != dns_status::complete) return;
        if (r.type == 16 || r.type == 10) ++s.txt_null;
        std::string_view n = name.view();
        if (n.ends_with('.')) n.remove_suffix(1);
        std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a over the lower-cased name, then mixed
        for (unsigned char c : n) h = (h ^ static_cast<unsigned char>(c | ((c >= 'A' && c <= 'Z') ? 0x20 : 0))) * 0x100000001b3ULL;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        const std::size_t bit = h % state::bits;
        s.names[bit / 64] |= std::uint64_t{1} << (bit % 64);
        if (s.first_size == 0 && !n.empty()) {
            std::memcpy(s.first.data(), n.data(), n.size());
            s.first_size = static_cast<std::uint16_t>(n.size());
        }
        // Characters as DNS counts them: the wire octets less the length bytes' and root's overhead.
        const std::uint16_t characters = decoded.wire_length >= 2 ? static_cast<std::uint16_t>(decoded.wire_length - 2) : 0;
        if (characters > s.longest_chars) {
            std::memcpy(s.longest.data(), n.data(), n.size());
            s.longest_size = static_cast<std::uint16_t>(n.size());
            s.longest_chars = characters;
        }
        std::array<char, 64> raw{};
        s.entropy = std::max(s.entropy, entropy({raw.data(), longest_label(n, raw)}));
    }

    bool undecided_ = true;
    std::unique_ptr<state> state_;
};

static_assert(diagnose_flow_accumulator<dns_activity>() && text_accumulator<dns_activity>);

}  // namespace pktdyn
