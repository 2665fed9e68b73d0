// pktdyn — what a flow says in the clear: the protocol its first payloads speak and whether a
// password crossed unencrypted, for the encryption posture (detect/posture.hpp).
//
// Each side's first transport payload is kept (its first 16 bytes) and named: tls (a TLS record
// header: 0x14-0x18, 0x03 0x00-0x04), sslv2 (an SSL 2.0 record: high bit set, CLIENT-HELLO or
// SERVER-HELLO), ssh ("SSH-"), http (a request method or "HTTP/"), telnet (an IAC command byte first),
// text (printable ASCII), else binary. The originator's first 12 data segments are read as lines
// (each segment from its start, as login_outcomes reads FTP) for credentials sent in the clear:
//   ftp         USER and PASS commands (RFC 959) with no AUTH TLS before them
//   pop3        USER/PASS, APOP (RFC 1939) or AUTH PLAIN/LOGIN (RFC 5034) with no STLS before
//   imap        LOGIN or AUTHENTICATE PLAIN/LOGIN (RFC 9051) with no STARTTLS before
//   smtp        AUTH PLAIN/LOGIN (RFC 4954) with no STARTTLS before (AUTH alone, which lists the
//               mechanisms, and challenge-response ones such as CRAM-MD5 do not count)
//   http-basic  an "Authorization: Basic" header in a request (RFC 7617)
//   telnet      a telnet session (the responder opens with IAC option negotiation) in which the
//               originator sent data: its login is typed in the clear
// Nothing is allocated; retransmitted segments are not told apart (a repeated USER changes nothing).
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "pktdyn/features/accumulator.hpp"

namespace pktdyn {

class cleartext_evidence {
public:
    static constexpr std::size_t kept_bytes = 16;
    static constexpr std::size_t segments_read = 12;

    static constexpr std::array text_features{
        feature_info{"orig", "first_payload", "text", "the originator's first 16 payload bytes, printable ASCII as is, others as '.'"},
        feature_info{"orig", "payload_kind", "text",
                     "what the originator's first payload is: tls, sslv2, ssh, http, telnet, text, binary; empty without payload"},
        feature_info{"resp", "payload_kind", "text", "the same for the responder's first payload"},
        feature_info{"", "cleartext_auth", "text",
                     "credentials sent unencrypted: ftp, pop3, imap, smtp, http-basic, telnet (definitions: features/cleartext.hpp); "
                     "empty when none was seen"},
    };
    static constexpr std::array features{
        feature_info{"", "starttls", "0/1",
                     "1 when the originator asked to upgrade to TLS (STARTTLS, STLS, AUTH TLS) in its first 12 data segments"},
        feature_info{"", "ssl2", "level",
                     "1 when the originator's first payload is an SSL 2.0 CLIENT-HELLO offering version 2.0, 2 when the "
                     "responder also answered with an SSL 2.0 SERVER-HELLO; 0 otherwise"},
    };
    static constexpr bool feature_matrix = false;

    void update(const flow_packet& p) noexcept {
        if (p.payload.empty()) return;
        const auto d = static_cast<std::size_t>(p.direction & 1);
        side& s = sides_[d];
        if (s.length == 0 && !s.seen) {
            s.seen = true;
            s.length = static_cast<std::uint8_t>(std::min(p.payload.size(), kept_bytes));
            std::memcpy(s.first.data(), p.payload.data(), s.length);
        }
        if (d == 0 && segments_ < segments_read) {
            ++segments_;
            read_client(std::string_view(reinterpret_cast<const char*>(p.payload.data()), std::min<std::size_t>(p.payload.size(), 1024)));
        }
    }
    void merge(const cleartext_evidence& later) noexcept {
        for (std::size_t d = 0; d < 2; ++d)
            if (!sides_[d].seen) sides_[d] = later.sides_[d];
        if (auth_ == auth::none) auth_ = later.auth_;
        starttls_ = starttls_ || later.starttls_;
        user_ = user_ || later.user_;
    }

    void write(std::span<double> out) const noexcept {
        out[0] = starttls_ ? 1 : 0;
        out[1] = kind(sides_[0]) != "sslv2" || !client_offers_ssl2() ? 0 : kind(sides_[1]) == "sslv2" ? 2 : 1;
    }
    void write_text(std::span<std::string> out) const {
        out[0].clear();
        for (std::size_t i = 0; i < sides_[0].length; ++i) {
            const auto c = static_cast<unsigned char>(sides_[0].first[i]);
            out[0].push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.');
        }
        out[1] = kind(sides_[0]);
        out[2] = kind(sides_[1]);
        out[3] = auth_name();
    }

private:
    enum class auth : std::uint8_t { none, ftp, pop3, imap, smtp, http_basic };
    struct side {
        std::array<std::byte, kept_bytes> first{};
        std::uint8_t length = 0;
        bool seen = false;
    };

    [[nodiscard]] static std::string_view kind(const side& s) noexcept {
        if (!s.seen) return "";
        const auto b = [&](std::size_t i) { return i < s.length ? static_cast<unsigned>(s.first[i]) : 0x100u; };
        if (b(0) >= 0x14 && b(0) <= 0x18 && b(1) == 0x03 && b(2) <= 0x04) return "tls";
        if ((b(0) & 0x80) != 0 && b(0) < 0x100 && (b(2) == 0x01 || b(2) == 0x04) && b(3) <= 0x03) return "sslv2";
        if (b(0) == 0xff && b(1) >= 0xfb && b(1) <= 0xfe) return "telnet";  // IAC WILL/WONT/DO/DONT
        const std::string_view text(reinterpret_cast<const char*>(s.first.data()), s.length);
        if (text.starts_with("SSH-")) return "ssh";
        for (std::string_view m : {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "CONNECT ", "PATCH ", "HTTP/"})
            if (text.starts_with(m)) return "http";
        if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
                const auto u = static_cast<unsigned char>(c);
                return (u >= 0x20 && u < 0x7f) || c == '\r' || c == '\n' || c == '\t';
            }))
            return "text";
        return "binary";
    }
    // An SSL 2.0 CLIENT-HELLO (2-byte header: message type at 2, version at 3-4) offering 2.0.
    [[nodiscard]] bool client_offers_ssl2() const noexcept {
        const side& s = sides_[0];
        return s.length >= 5 && static_cast<unsigned>(s.first[2]) == 0x01 && static_cast<unsigned>(s.first[3]) == 0x00 &&
               static_cast<unsigned>(s.first[4]) == 0x02;
    }
    [[nodiscard]] std::string_view auth_name() const noexcept {
        switch (auth_) {
            case auth::ftp: return "ftp";
            case auth::pop3: return "pop3";
            case auth::imap: return "imap";
            case auth::smtp: return "smtp";
            case auth::http_basic: return "http-basic";
            case auth::none: break;
        }
        // A telnet session (the responder negotiates options) in which the originator typed.
        if (kind(sides_[1]) == "telnet" && sides_[0].seen) return "telnet";
        return "";
    }

    static bool starts_with_word(std::string_view line, std::string_view word) noexcept {
        if (line.size() < word.size()) return false;
        for (std::size_t i = 0; i < word.size(); ++i)
            if (std::toupper(static_cast<unsigned char>(line[i])) != word[i]) return false;
        return line.size() == word.size() || line[word.size()] == ' ' || line[word.size()] == '\r' || line[word.size()] == '\n';
    }
    static bool starts_with_no_case(std::string_view line, std::string_view lower) noexcept {
        if (line.size() < lower.size()) return false;
        for (std::size_t i = 0; i < lower.size(); ++i)
            if ((line[i] >= 'A' && line[i] <= 'Z' ? line[i] + 32 : line[i]) != lower[i]) return false;
        return true;
    }

    // Reads a client segment's lines for upgrades and credentials.
    void read_client(std::string_view segment) noexcept {
        while (!segment.empty()) {
            const std::size_t end = std::min(segment.find('\n'), segment.size());
            std::string_view line = segment.substr(0, end);
            segment.remove_prefix(std::min(end + 1, segment.size()));
            if (auth_ == auth::none && starts_with_no_case(line, "authorization: basic ")) {
                auth_ = auth::http_basic;
                continue;
            }
            if (starts_with_word(line, "STARTTLS") || starts_with_word(line, "STLS") || starts_with_word(line, "AUTH TLS") ||
                starts_with_word(line, "AUTH SSL")) {
                starttls_ = true;
                continue;
            }
            // IMAP commands carry a tag first: "a1 LOGIN user pass".
            std::string_view command = line;
            if (const auto space = line.find(' '); space != std::string_view::npos && space > 0 && space < 16 &&
                                                   (starts_with_word(line.substr(space + 1), "LOGIN") ||
                                                    starts_with_word(line.substr(space + 1), "AUTHENTICATE") ||
                                                    starts_with_word(line.substr(space + 1), "STARTTLS")))
                command = line.substr(space + 1);
            if (starts_with_word(command, "STARTTLS")) {
                starttls_ = true;
                continue;
            }
            if (starttls_ || auth_ != auth::none) continue;
            if (starts_with_word(command, "LOGIN") || starts_with_word(command, "AUTHENTICATE")) {
                if (command.data() != line.data() && (starts_with_word(command, "LOGIN") || plain_mechanism(command.substr(12))))
                    auth_ = auth::imap;  // tagged: IMAP
                continue;
            }
            if (starts_with_word(line, "APOP")) auth_ = auth::pop3;
            else if (starts_with_word(line, "AUTH") && plain_mechanism(line.substr(4))) auth_ = greeted_ok() ? auth::pop3 : auth::smtp;
            else if (starts_with_word(line, "USER")) user_ = true;
            else if (starts_with_word(line, "PASS") && user_) auth_ = pass_protocol();
        }
    }
    // SASL mechanisms that carry the password itself (PLAIN, LOGIN), not a challenge's answer.
    static bool plain_mechanism(std::string_view rest) noexcept {
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        return starts_with_word(rest, "PLAIN") || starts_with_word(rest, "LOGIN");
    }
    // POP3 servers greet with "+OK"; FTP and SMTP with a 220 reply.
    [[nodiscard]] bool greeted_ok() const noexcept {
        const side& s = sides_[1];
        return s.length >= 3 && std::string_view(reinterpret_cast<const char*>(s.first.data()), 3) == "+OK";
    }
    // USER then PASS: FTP or POP3, told apart by the greeting.
    [[nodiscard]] auth pass_protocol() const noexcept { return greeted_ok() ? auth::pop3 : auth::ftp; }

    std::array<side, 2> sides_{};
    auth auth_ = auth::none;
    std::uint8_t segments_ = 0;
    bool starttls_ = false, user_ = false;
};

static_assert(flow_accumulator<cleartext_evidence>);
static_assert(text_accumulator<cleartext_evidence>);

}  // namespace pktdyn
