// pktdyn — encryption posture: is a flow properly encrypted, and if not, why. A text scorer for
// the pipeline that reads a flow's row (handshake_metadata's and cleartext_evidence's columns) and
// writes
//   posture          encrypted | weak | broken | cleartext, or empty when the flow carried no payload
//                    (encrypted: TLS, DTLS, QUIC or SSH with no finding; weak: a score of 1-49;
//                    broken: 50 or more; cleartext: no encryption at all)
//   posture_reasons  the rules that fired, ';'-separated, each "rule" or "rule=detail"
//   posture_score    0-100: the sum of the rules' points, at most 100
//
// Rules and points (docs/posture.md has the definitions and the captures that trigger each):
//   plaintext_on_tls_port 60   a TCP port that expects TLS (443, 465, 563, 636, 853, 989-995, 5061,
//                              8443) whose originator's first payload is not TLS (detail: what it is)
//   plaintext_on_ssh_port 60   TCP 22 whose first payloads are not SSH
//   unrecognised_on_tls_port 20, unrecognised_on_ssh_port 20   the same, when the payload is binary
//                              (another protocol, perhaps encrypted its own way)
//   ssl2 80 / ssl2_offered 30  an SSL 2.0 handshake answered / only offered by the client
//   ssl3 70, tls1.0 40, tls1.1 40   the version the ServerHello chose (RFC 7568, RFC 8996)
//   old_tls_offered 20         no ServerHello seen and the ClientHello offers nothing above TLS 1.1
//   suite_chosen=<w> 80 (null, export, anon), 50 (rc4, des), 15 (cbc_sha1): the chosen suite's
//                              weakness (detect/cipher_suites.hpp)
//   suite_offered=<w> 25 (null, export, anon), 10 (rc4, des): the ClientHello offers such suites
//   cert_expired 40, cert_self_signed 30   the server's leaf certificate (TLS ≤ 1.2, where it is visible)
//   ssh1 70 / ssh1_offered 30  an SSH-1 side (banner 1.x other than 1.99) / a server offering 1.99
//   ssh_weak_kex 30, ssh_weak_cipher 40, ssh_weak_mac 30   negotiated (the client's first choice the
//                              server also lists) SHA-1 or 1024-bit key exchange, CBC / RC4 / DES /
//                              none ciphers, MD5 / 96-bit / 32-bit / none MACs (none judged under an
//                              AEAD cipher, which does not use one); 10 each when only one side lists
//                              them and the other's list was not seen
//   cleartext_auth=<protocol> 70   credentials sent unencrypted (features/cleartext.hpp)
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/core/result.hpp"
#include "pktdyn/detect/cipher_suites.hpp"
#include "pktdyn/models/scorer.hpp"

namespace pktdyn {

namespace detail::posture {

inline bool tls_port(double port) noexcept {
    constexpr std::array<int, 13> ports{443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 8443};
    return std::find(ports.begin(), ports.end(), static_cast<int>(port)) != ports.end();
}

// The i-th ';'-separated field of a text.
inline std::string_view field(std::string_view text, std::size_t i, char separator) noexcept {
    for (; i > 0; --i) {
        const auto at = text.find(separator);
        if (at == std::string_view::npos) return {};
        text.remove_prefix(at + 1);
    }
    return text.substr(0, std::min(text.find(separator), text.size()));
}

template <class F>
void each_item(std::string_view list, char separator, F&& f) {
    while (!list.empty()) {
        const std::size_t at = std::min(list.find(separator), list.size());
        f(list.substr(0, at));
        list.remove_prefix(std::min(at + 1, list.size()));
    }
}

// SSH algorithms called weak (ssh-audit's policy; RFC 9142 for key exchange; RFC 4253 §6.3's none).
inline bool weak_kex(std::string_view a) noexcept {
    return a == "diffie-hellman-group1-sha1" || a == "diffie-hellman-group14-sha1" || a == "diffie-hellman-group-exchange-sha1" ||
           a == "rsa1024-sha1" || (a.starts_with("gss-") && a.find("sha1") != std::string_view::npos);
}
inline bool weak_cipher(std::string_view a) noexcept {
    return a == "none" || a.starts_with("arcfour") || a.find("-cbc") != std::string_view::npos || a.starts_with("des") ||
           a.starts_with("3des");
}
inline bool weak_mac(std::string_view a) noexcept {
    return a == "none" || a.find("md5") != std::string_view::npos || a.find("-96") != std::string_view::npos || a.starts_with("umac-32");
}
// Ciphers that authenticate their own records: the negotiated MAC is not used (RFC 5647, PROTOCOL.chacha20poly1305).
inline bool aead(std::string_view a) noexcept {
    return a.starts_with("chacha20-poly1305") || a.starts_with("aes128-gcm") || a.starts_with("aes256-gcm");
}

// SSH's choice: the client's first algorithm the server also lists (RFC 4253 §7.1).
inline std::string_view negotiated(std::string_view client, std::string_view server) noexcept {
    std::string_view chosen;
    each_item(client, ',', [&](std::string_view c) {
        if (!chosen.empty()) return;
        bool listed = false;
        each_item(server, ',', [&](std::string_view s) { listed = listed || s == c; });
        if (listed) chosen = c;
    });
    return chosen;
}

}  // namespace detail::posture

class encryption_posture {
public:
    static constexpr std::array<std::string_view, 9> number_columns{
        "protocol", "responder_port", "first_seen", "tls_client_version", "tls_server_version", "tls_cipher_suite",
        "tls_cert_self_signed", "tls_cert_not_after", "ssl2"};
    static constexpr std::array<std::string_view, 9> text_columns{
        "handshake", "ja3_raw", "ssh_client_banner", "ssh_server_banner", "hassh_raw", "hassh_server_raw",
        "orig_payload_kind", "resp_payload_kind", "cleartext_auth"};

    result<void> bind(std::span<const std::string> columns) {
        constexpr std::string_view hint = "extract handshake_metadata and cleartext_evidence";
        if (auto r = find_columns(columns, number_columns, numbers_, "encryption posture", hint); !r) return r;
        return find_columns(columns, text_columns, texts_, "encryption posture", hint);
    }
    [[nodiscard]] std::span<const std::string> outputs() const noexcept { return outputs_; }
    [[nodiscard]] std::span<const std::string> text_outputs() const noexcept { return text_outputs_; }

    void score(std::span<const double> row, std::span<const std::string_view> texts, std::span<double> out,
               std::span<std::string_view> text_out) const noexcept {
        reasons_.clear();
        int points = 0;
        const auto fire = [&](std::string_view rule, int p, std::string_view detail = {}) {
            if (!reasons_.empty()) reasons_ += ';';
            reasons_ += rule;
            if (!detail.empty()) {
                reasons_ += '=';
                reasons_ += detail;
            }
            points += p;
        };
        const auto number = [&](std::size_t i) { return row[numbers_[i]]; };
        const auto text = [&](std::size_t i) { return texts[texts_[i]]; };
        const std::string_view handshake = text(0), orig_kind = text(6), resp_kind = text(7);
        const bool tcp = number(0) == 6;
        const double port = number(1);

        // Not what the port expects: plaintext when the first payload reads as text, a protocol of its
        // own (possibly encrypted its own way: Telegram's MTProto, a VPN) when it is binary.
        const auto other = [&](std::string_view port_kind, std::string_view kind) {
            if (kind == "binary") fire(port_kind == "tls" ? "unrecognised_on_tls_port" : "unrecognised_on_ssh_port", 20);
            else fire(port_kind == "tls" ? "plaintext_on_tls_port" : "plaintext_on_ssh_port", 60, kind);
        };
        if (tcp && detail::posture::tls_port(port) && !orig_kind.empty() && orig_kind != "tls" && orig_kind != "sslv2")
            other("tls", orig_kind);
        if (tcp && port == 22 && (!orig_kind.empty() || !resp_kind.empty()) && orig_kind != "ssh" && resp_kind != "ssh")
            other("ssh", orig_kind.empty() ? resp_kind : orig_kind);

        const double ssl2 = number(8);
        if (ssl2 >= 2) fire("ssl2", 80);
        else if (ssl2 >= 1) fire("ssl2_offered", 30);
        judge_tls(number(3), number(4), number(5), text(1), fire);
        if (number(6) == 1) fire("cert_self_signed", 30);
        if (!std::isnan(number(7)) && !std::isnan(number(2)) && number(7) < number(2)) fire("cert_expired", 40);
        judge_ssh(text(2), text(3), text(4), text(5), fire);
        if (!text(8).empty()) fire("cleartext_auth", 70, text(8));

        const bool encrypted = handshake == "tls" || handshake == "dtls" || handshake == "quic" || handshake == "ssh" ||
                               orig_kind == "tls" || orig_kind == "ssh" || orig_kind == "sslv2";
        const int score = std::min(points, 100);
        if (orig_kind.empty() && resp_kind.empty() && handshake.empty()) text_out[0] = {};
        else if (!encrypted) text_out[0] = "cleartext";
        else text_out[0] = score == 0 ? "encrypted" : score < 50 ? "weak" : "broken";
        text_out[1] = reasons_;
        out[0] = score;
    }

private:
    template <class Fire>
    static void judge_tls(double client_version, double server_version, double suite, std::string_view ja3_raw, Fire& fire) {
        if (!std::isnan(server_version)) {
            if (server_version == 0x0300) fire("ssl3", 70);
            else if (server_version == 0x0301) fire("tls1.0", 40);
            else if (server_version == 0x0302) fire("tls1.1", 40);
        } else if (!std::isnan(client_version) && client_version <= 0x0302) {
            fire("old_tls_offered", 20);
        }
        if (!std::isnan(suite)) {
            const auto w = cipher_suites::of(static_cast<std::uint16_t>(suite));
            if (w.null) fire("suite_chosen", 80, "null");
            else if (w.export_grade) fire("suite_chosen", 80, "export");
            else if (w.anon) fire("suite_chosen", 80, "anon");
            else if (w.rc4) fire("suite_chosen", 50, "rc4");
            else if (w.des) fire("suite_chosen", 50, "des");
            else if (w.cbc_sha1) fire("suite_chosen", 15, "cbc_sha1");
        }
        // Offered: JA3's second field lists the ClientHello's suites in decimal, GREASE removed.
        cipher_suites::weakness offered;
        detail::posture::each_item(detail::posture::field(ja3_raw, 1, ','), '-', [&](std::string_view id) {
            unsigned v = 0;
            if (std::from_chars(id.data(), id.data() + id.size(), v).ec != std::errc{} || v > 0xffff) return;
            const auto w = cipher_suites::of(static_cast<std::uint16_t>(v));
            offered.null |= w.null;
            offered.export_grade |= w.export_grade;
            offered.anon |= w.anon;
            offered.rc4 |= w.rc4;
            offered.des |= w.des;
        });
        if (offered.null) fire("suite_offered", 25, "null");
        if (offered.export_grade) fire("suite_offered", 25, "export");
        if (offered.anon) fire("suite_offered", 25, "anon");
        if (offered.rc4) fire("suite_offered", 10, "rc4");
        if (offered.des) fire("suite_offered", 10, "des");
    }

    template <class Fire>
    static void judge_ssh(std::string_view client_banner, std::string_view server_banner, std::string_view client_lists,
                          std::string_view server_lists, Fire& fire) {
        const auto ssh1 = [](std::string_view b) { return b.starts_with("SSH-1.") && !b.starts_with("SSH-1.99"); };
        if (ssh1(client_banner) || ssh1(server_banner)) fire("ssh1", 70);
        else if (server_banner.starts_with("SSH-1.99")) fire("ssh1_offered", 30);
        using namespace detail::posture;
        constexpr std::array<std::string_view, 3> rules{"ssh_weak_kex", "ssh_weak_cipher", "ssh_weak_mac"};
        constexpr std::array<int, 3> points{30, 40, 30};
        bool (*const weak[3])(std::string_view) noexcept = {weak_kex, weak_cipher, weak_mac};
        const std::string_view cipher = negotiated(field(client_lists, 1, ';'), field(server_lists, 1, ';'));
        for (std::size_t i = 0; i < 3; ++i) {
            const std::string_view c = field(client_lists, i, ';'), s = field(server_lists, i, ';');
            if (i == 2 && aead(cipher)) continue;
            if (!c.empty() && !s.empty()) {
                if (const auto chosen = negotiated(c, s); !chosen.empty() && weak[i](chosen)) fire(rules[i], points[i], chosen);
                continue;
            }
            std::string_view listed;  // one side's list only: a weak algorithm it offers
            each_item(c.empty() ? s : c, ',', [&](std::string_view a) {
                if (listed.empty() && weak[i](a)) listed = a;
            });
            if (!listed.empty()) fire(rules[i], 10, listed);
        }
    }

    std::array<std::size_t, number_columns.size()> numbers_{};
    std::array<std::size_t, text_columns.size()> texts_{};
    std::vector<std::string> outputs_{"posture_score"}, text_outputs_{"posture", "posture_reasons"};
    mutable std::string reasons_;
};

static_assert(text_scorer<encryption_posture>);

}  // namespace pktdyn
