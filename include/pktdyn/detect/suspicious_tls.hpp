// pktdyn — how suspicious a TLS session looks, from what its handshake shows in the clear: the
// phishing and malware cases (a fresh or self-made certificate, a name imitating a brand or made by
// an algorithm, a client known to be malware's or unknown to this network). A text scorer for the
// pipeline reading handshake_metadata's columns, writing per TLS (and QUIC) flow
//   tls_suspicion          0-100: the sum of the reasons' points, at most 100; missing when not TLS
//   tls_suspicion_reasons  the reasons, ';'-separated, each "reason" or "reason=detail"
//
// Reasons and points (docs/suspicious_tls.md has their sources and the corpus's hits and misses):
//   cert_self_signed 25      the leaf certificate's subject is its issuer and its key verifies it
//   cert_expired 25          notAfter before the session
//   cert_not_yet_valid 10    notBefore after the session (a wrong clock on one side, or a forged date)
//   cert_new=<days>d 15      notBefore at most 7 days before the session (phishing sites are young)
//   cert_name_mismatch 30    no subjectAltName (nor the subject's CN when there is none) covers the
//                            server name (RFC 6125: one leftmost wildcard label)
//   sni_absent 10            a ClientHello (seen) without a server name
//   sni_ip 20                the server name is an IP address literal
//   sni_idn 10               a punycode ("xn--") or non-ASCII label
//   sni_lookalike=<brand> 40 the registered domain imitates a configured brand's without being one of
//                            its own: the same after mapping confusable characters (0→o, 1→l, rn→m,
//                            vv→w, ...), one edit away (brands of 5 letters or more), the brand as a
//                            hyphen-separated part ("paypal-login"), or the brand's domain as labels
//                            of another ("paypal.com.secure.example")
//   sni_dga 30               a hyphen-separated part of the registered domain's first label looks
//                            machine-made: 10 characters or more, and three of: character entropy
//                            ≥ 3.2 bits, vowels (y counted) under 25 %, a run of 5 consonants, 2 digits
//                            or more among letters
//   blocklisted=<reason> 60  the JA3 or JA4 is in the block list (abuse.ch SSLBL's CSV: fingerprint
//                            first, listing reason last; '#' comments)
//   rare_fingerprint 15      the client's JA4 was used by at most one client of a network of 100 or
//                            more (1 % at most; tls_baseline, learned beforehand with #10's sketches)
//   unusual_dynamics 15      the responder sent 1,000 times more or less than this server name usually
//                            does (log10 bytes more than 3 from its mean, 10 sessions known)
// Scoring allocates a little at a TLS flow's end (the name's registered domain, the reasons' text),
// never per packet.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/baseline/count_min.hpp"
#include "pktdyn/baseline/first_seen.hpp"
#include "pktdyn/baseline/hyperloglog.hpp"
#include "pktdyn/baseline/sketch_hash.hpp"
#include "pktdyn/core/result.hpp"
#include "pktdyn/models/scorer.hpp"
#include "pktdyn/proto/public_suffix.hpp"

namespace pktdyn {

/// What this network's TLS usually looks like, learned from flows before scoring (so that scoring
/// is read-only and the same at any thread count): which client fingerprints how many clients use,
/// and how many bytes each server name usually sends.
class tls_baseline {
public:
    static constexpr std::size_t max_servers = 1 << 17;

    /// One TLS flow: its client, the client's JA4, the server name and the bytes the responder sent.
    void observe(std::string_view client, std::string_view ja4, std::string_view server_name, double responder_bytes) {
        if (!client.empty()) clients_.add(client);
        if (!client.empty() && !ja4.empty()) {
            const std::uint64_t pair = sketch_hash(ja4, sketch_hash(client, 0x7a4));
            if (pairs_.observe_hash(pair, timestamp{})) fingerprint_clients_.add(ja4);
        }
        if (!server_name.empty() && std::isfinite(responder_bytes)) {
            const auto key = sketch_hash(server_name, 0x5e7);
            auto it = servers_.find(key);
            if (it == servers_.end() && servers_.size() < max_servers) it = servers_.emplace(key, running{}).first;
            if (it != servers_.end()) it->second.add(std::log10(responder_bytes + 1));
        }
    }
    /// Clients seen using `ja4` (an overestimate by the count-min bound), and all clients (HyperLogLog).
    [[nodiscard]] std::uint64_t clients_with(std::string_view ja4) const noexcept { return fingerprint_clients_.estimate(ja4); }
    [[nodiscard]] double clients() const noexcept { return clients_.estimate(); }
    /// The server name's sessions and the mean of their log10 bytes (0 sessions when unknown).
    [[nodiscard]] std::pair<std::uint32_t, double> server(std::string_view server_name) const noexcept {
        const auto it = servers_.find(sketch_hash(server_name, 0x5e7));
        return it == servers_.end() ? std::pair<std::uint32_t, double>{0, 0} : std::pair{it->second.n, it->second.mean};
    }

private:
    struct running {
        std::uint32_t n = 0;
        double mean = 0;
        void add(double x) noexcept { mean += (x - mean) / ++n; }
    };
    hyperloglog<> clients_{0xc11};
    count_min<> fingerprint_clients_{0xf1};
    first_seen_set pairs_{1 << 20, duration::max(), 0x9a1};
    std::unordered_map<std::uint64_t, running> servers_;
};

/// JA3 / JA4 fingerprints with the reason each is listed.
class fingerprint_blocklist {
public:
    /// abuse.ch SSLBL's CSV ("ja3_md5,Firstseen,Lastseen,Listingreason", '#' comments) or any list
    /// with the fingerprint first and the reason last (a line with one field: the reason "listed").
    static fingerprint_blocklist parse(std::string_view text) {
        fingerprint_blocklist b;
        while (!text.empty()) {
            const std::size_t end = std::min(text.find('\n'), text.size());
            std::string_view line = text.substr(0, end);
            text.remove_prefix(std::min(end + 1, text.size()));
            while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
            if (line.empty() || line.front() == '#') continue;
            const std::size_t first = line.find(',');
            const std::string_view fingerprint = line.substr(0, first);
            const std::string_view reason = first == std::string_view::npos ? "listed" : line.substr(line.rfind(',') + 1);
            b.entries_.emplace(std::string(fingerprint), std::string(reason.empty() ? "listed" : reason));
        }
        return b;
    }
    static result<fingerprint_blocklist> load(const std::filesystem::path& path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) return error(errc::io_error, fmt::format("cannot read the block list {}", path.string()));
        std::stringstream s;
        s << in.rdbuf();
        return parse(s.str());
    }
    /// The reason `fingerprint` is listed, or "" when it is not.
    [[nodiscard]] std::string_view reason(std::string_view fingerprint) const {
        if (fingerprint.empty()) return {};
        const auto it = entries_.find(std::string(fingerprint));
        return it == entries_.end() ? std::string_view{} : std::string_view(it->second);
    }
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

private:
    std::unordered_map<std::string, std::string> entries_;
};

namespace detail::suspicious {

// Confusable characters mapped to the letter they imitate, multi-letter imitations first.
inline std::string skeleton(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const std::string_view rest = s.substr(i);
        if (rest.starts_with("rn")) out += 'm', ++i;
        else if (rest.starts_with("vv")) out += 'w', ++i;
        else if (rest.starts_with("cl")) out += 'd', ++i;
        else {
            switch (s[i]) {
                case '0': out += 'o'; break;
                case '1': case 'i': case '|': out += 'l'; break;
                case '3': out += 'e'; break;
                case '4': out += 'a'; break;
                case '5': out += 's'; break;
                case '7': out += 't'; break;
                case '8': out += 'b'; break;
                case '9': out += 'g'; break;
                default: out += s[i];
            }
        }
    }
    return out;
}

// Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps); 3 for anything
// farther than 2 or longer than a DNS label.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
    if (a.size() > b.size() + 2 || b.size() > a.size() + 2 || a.size() > 63 || b.size() > 63) return 3;
    std::array<std::array<std::size_t, 64>, 64> d{};
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

// Character statistics of a label: does it look machine-made?
inline bool looks_generated(std::string_view label) {
    if (label.size() < 10) return false;
    std::array<int, 256> counts{};
    std::size_t vowels = 0, digits = 0, letters = 0, run = 0, longest = 0;
    for (char c : label) {
        ++counts[static_cast<unsigned char>(c)];
        const bool digit = c >= '0' && c <= '9', letter = c >= 'a' && c <= 'z';
        const bool vowel = c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
        digits += digit;
        letters += letter;
        vowels += vowel;
        run = letter && !vowel ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    double entropy = 0;
    for (int n : counts)
        if (n > 0) {
            const double p = static_cast<double>(n) / static_cast<double>(label.size());
            entropy -= p * std::log2(p);
        }
    const int signs = (entropy >= 3.2) + (letters > 0 && static_cast<double>(vowels) < 0.25 * static_cast<double>(letters)) +
                      (longest >= 5) + (digits >= 2 && letters > 0);
    return signs >= 3;
}

inline bool ip_literal(std::string_view name) {
    if (name.find(':') != std::string_view::npos) return true;  // IPv6
    int dots = 0;
    for (char c : name) {
        if (c == '.') ++dots;
        else if (c < '0' || c > '9') return false;
    }
    return dots == 3;
}

// RFC 6125 §6.4.3: a pattern covers a name when equal, or "*." + the name's parent (one label).
inline bool covers(std::string_view pattern, std::string_view name) {
    const auto lower_equal = [](std::string_view a, std::string_view b) {
        return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
                   return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
               });
    };
    if (lower_equal(pattern, name)) return true;
    if (!pattern.starts_with("*.")) return false;
    const auto dot = name.find('.');
    return dot != std::string_view::npos && dot > 0 && lower_equal(pattern.substr(2), name.substr(dot + 1));
}

}  // namespace detail::suspicious

/// A brand whose look-alikes are told: its name and the registered domains that are its own.
struct brand {
    std::string name;
    std::vector<std::string> domains;
};

/// Often-imitated brands (APWG's and vendors' phishing reports name these most); `load_brands` reads
/// a user's list instead.
inline std::vector<brand> default_brands() {
    return {{"paypal", {"paypal.com", "paypalobjects.com"}},
            {"apple", {"apple.com", "icloud.com"}},
            {"microsoft", {"microsoft.com", "microsoftonline.com", "live.com", "office.com", "office365.com", "outlook.com"}},
            {"amazon", {"amazon.com", "amazonaws.com", "media-amazon.com", "ssl-images-amazon.com", "amazon-adsystem.com"}},
            {"facebook", {"facebook.com", "fbcdn.net"}},
            {"netflix", {"netflix.com", "nflxvideo.net", "nflximg.net"}},
            {"linkedin", {"linkedin.com", "licdn.com"}},
            {"dropbox", {"dropbox.com", "dropboxapi.com"}},
            {"instagram", {"instagram.com", "cdninstagram.com"}},
            {"docusign", {"docusign.com", "docusign.net"}},
            {"chase", {"chase.com"}},
            {"wellsfargo", {"wellsfargo.com"}},
            {"adobe", {"adobe.com"}},
            {"google", {"google.com", "googleapis.com", "gstatic.com", "googlevideo.com", "google-analytics.com", "googleusercontent.com",
                        "googlesyndication.com", "googleadservices.com", "googletagmanager.com", "google.co.uk"}}};
}

/// A brand list: one brand per line, its name then its own registered domains, blank-separated.
inline result<std::vector<brand>> load_brands(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) return error(errc::io_error, fmt::format("cannot read the brand list {}", path.string()));
    std::vector<brand> out;
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        brand b;
        if (!(words >> b.name) || b.name.starts_with('#')) continue;
        for (std::string d; words >> d;) b.domains.push_back(d);
        out.push_back(std::move(b));
    }
    return out;
}

class suspicious_tls {
public:
    struct options {
        std::vector<brand> brands = default_brands();
        std::shared_ptr<const fingerprint_blocklist> blocklist;  ///< none: no block list reason
        std::shared_ptr<const tls_baseline> baseline;            ///< none: no prevalence or dynamics reasons
        std::shared_ptr<const public_suffix_list> suffixes;      ///< none: the last two labels are the domain
    };
    static constexpr std::array<std::string_view, 5> number_columns{"first_seen", "tls_cert_self_signed", "tls_cert_not_before",
                                                                    "tls_cert_not_after", "tls_client_version"};
    static constexpr std::array<std::string_view, 8> text_columns{"handshake", "server_name", "ja3", "ja4", "cert_names",
                                                                  "cert_subject_cn", "originator", "tls_version_name"};

    suspicious_tls() : suspicious_tls(options{}) {}
    explicit suspicious_tls(options o) : o_(std::move(o)) {}

    result<void> bind(std::span<const std::string> columns) {
        if (auto r = find_columns(columns, number_columns, numbers_, "suspicious TLS", "extract handshake_metadata"); !r) return r;
        if (auto r = find_columns(columns, text_columns, texts_, "suspicious TLS", "extract handshake_metadata"); !r) return r;
        if (const auto it = std::find(columns.begin(), columns.end(), "resp_ip_bytes"); it != columns.end())
            resp_bytes_ = static_cast<std::size_t>(it - columns.begin());
        return {};
    }
    [[nodiscard]] std::span<const std::string> outputs() const noexcept { return outputs_; }
    [[nodiscard]] std::span<const std::string> text_outputs() const noexcept { return text_outputs_; }

    void score(std::span<const double> row, std::span<const std::string_view> texts, std::span<double> out,
               std::span<std::string_view> text_out) const noexcept {
        const auto number = [&](std::size_t i) { return row[numbers_[i]]; };
        const auto text = [&](std::size_t i) { return texts[texts_[i]]; };
        reasons_.clear();
        text_out[0] = {};
        const std::string_view handshake = text(0);
        if (handshake != "tls" && handshake != "quic") {
            out[0] = std::numeric_limits<double>::quiet_NaN();
            return;
        }
        int points = 0;
        const auto fire = [&](std::string_view reason, int p, std::string_view detail = {}) {
            if (!reasons_.empty()) reasons_ += ';';
            reasons_ += reason;
            if (!detail.empty()) (reasons_ += '=') += detail;
            points += p;
        };
        try {
            judge_certificate(number(0), number(1), number(2), number(3), text(1), text(4), text(5), fire);
            if (!std::isnan(number(4))) judge_name(text(1), fire);  // the ClientHello was seen
            for (std::string_view fingerprint : {text(2), text(3)})
                if (o_.blocklist)
                    if (const auto why = o_.blocklist->reason(fingerprint); !why.empty()) {
                        fire("blocklisted", 60, why);
                        break;
                    }
            judge_baseline(text(6), text(3), text(1), resp_bytes_ < row.size() ? row[resp_bytes_] : std::nan(""), fire);
        } catch (const std::bad_alloc&) {  // a reason string could not grow: score what was found
        }
        out[0] = std::min(points, 100);
        text_out[0] = reasons_;
    }

private:
    template <class Fire>
    void judge_certificate(double first_seen, double self_signed, double not_before, double not_after, std::string_view server_name,
                           std::string_view names, std::string_view subject_cn, Fire& fire) const {
        if (self_signed == 1) fire("cert_self_signed", 25);
        if (!std::isnan(not_after) && !std::isnan(first_seen) && not_after < first_seen) fire("cert_expired", 25);
        if (!std::isnan(not_before) && !std::isnan(first_seen) && first_seen < not_before) fire("cert_not_yet_valid", 10);
        else if (!std::isnan(not_before) && !std::isnan(first_seen) && first_seen - not_before <= 7 * 86400.0)
            fire("cert_new", 15, fmt::format("{}d", static_cast<int>((first_seen - not_before) / 86400)));
        // No certificate seen (TLS 1.3), no name, or an address (sni_ip says it): nothing to match.
        if (server_name.empty() || (names.empty() && subject_cn.empty()) || detail::suspicious::ip_literal(server_name)) return;
        bool covered = false;
        if (!names.empty()) {
            for (std::string_view rest = names; !rest.empty() && !covered;) {
                const auto comma = std::min(rest.find(','), rest.size());
                covered = detail::suspicious::covers(rest.substr(0, comma), server_name);
                rest.remove_prefix(std::min(comma + 1, rest.size()));
            }
        } else {
            covered = detail::suspicious::covers(subject_cn, server_name);
        }
        if (!covered) fire("cert_name_mismatch", 30);
    }

    template <class Fire>
    void judge_name(std::string_view name, Fire& fire) const {
        using namespace detail::suspicious;
        if (name.empty()) return fire("sni_absent", 10);
        if (ip_literal(name)) return fire("sni_ip", 20);
        std::string lower(name);
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower.find("xn--") != std::string::npos || lower.find('\\') != std::string::npos) fire("sni_idn", 10);
        const std::string domain = registered(lower);
        const std::string_view label = std::string_view(domain).substr(0, domain.find('.'));
        for (const brand& b : o_.brands) {
            if (std::find(b.domains.begin(), b.domains.end(), domain) != b.domains.end()) continue;
            bool imitates = label != b.name && skeleton(label) == skeleton(b.name);
            imitates = imitates || (b.name.size() >= 5 && label != b.name && edit_distance(label, b.name) == 1);
            for (std::string_view rest = label; !imitates && !rest.empty();) {  // "paypal-login"
                const auto dash = std::min(rest.find('-'), rest.size());
                imitates = rest.substr(0, dash) == b.name && label.find('-') != std::string_view::npos;
                rest.remove_prefix(std::min(dash + 1, rest.size()));
            }
            for (const auto& own : b.domains)  // "paypal.com.secure.example"
                imitates = imitates || (lower.size() > domain.size() && lower.find(own + ".") != std::string::npos);
            if (imitates) {
                fire("sni_lookalike", 40, b.name);
                break;
            }
        }
        for (std::string_view rest = label; !rest.empty();) {
            const auto dash = std::min(rest.find('-'), rest.size());
            if (looks_generated(rest.substr(0, dash))) {
                fire("sni_dga", 30);
                break;
            }
            rest.remove_prefix(std::min(dash + 1, rest.size()));
        }
    }

    template <class Fire>
    void judge_baseline(std::string_view client, std::string_view ja4, std::string_view server_name, double resp_bytes, Fire& fire) const {
        if (!o_.baseline) return;
        const tls_baseline& b = *o_.baseline;
        if (!ja4.empty() && !client.empty() && b.clients() >= 100 && b.clients_with(ja4) <= 1) fire("rare_fingerprint", 15);
        if (!server_name.empty() && std::isfinite(resp_bytes)) {
            const auto [sessions, mean] = b.server(server_name);
            if (sessions >= 10 && std::abs(std::log10(resp_bytes + 1) - mean) > 3) fire("unusual_dynamics", 15);
        }
    }

    // The registered domain: the Public Suffix List's, else the last two labels.
    [[nodiscard]] std::string registered(const std::string& name) const {
        if (o_.suffixes) {
            auto d = o_.suffixes->registrable_domain(name);
            if (!d.empty()) return d;
        }
        const auto last = name.rfind('.');
        if (last == std::string::npos || last == 0) return name;
        const auto before = name.rfind('.', last - 1);
        return before == std::string::npos ? name : name.substr(before + 1);
    }

    options o_;
    std::array<std::size_t, number_columns.size()> numbers_{};
    std::array<std::size_t, text_columns.size()> texts_{};
    std::size_t resp_bytes_ = static_cast<std::size_t>(-1);
    std::vector<std::string> outputs_{"tls_suspicion"}, text_outputs_{"tls_suspicion_reasons"};
    mutable std::string reasons_;
};

static_assert(text_scorer<suspicious_tls>);

}  // namespace pktdyn
