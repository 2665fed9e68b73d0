// pktdyn — registered domains from the Public Suffix List (publicsuffix.org; Debian's `publicsuffix`
// package installs it at /usr/share/publicsuffix/public_suffix_list.dat).
//
// `registrable_domain("www.example.co.uk")` is "example.co.uk": the public suffix (the name's
// longest match among the list's rules, "*" wildcards and "!" exceptions, by the list's published
// algorithm; an unlisted TLD is its own suffix) plus one more label; "" when the name is a public
// suffix itself, empty, or starts with a dot. Names as DNS carries them: ASCII, labels already in
// punycode ("xn--..."), any letter case, a trailing dot ignored; UTF-8 names are converted to
// punycode first (RFC 3492), so rules and names meet in one form. The list's ICANN and private
// sections both count, as the list's own tests expect.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/core/result.hpp"
#include "pktdyn/core/text.hpp"

namespace pktdyn {

namespace detail::psl {
namespace text_detail = pktdyn::detail::text;
/// One label to its ASCII form: lowercase, and "xn--" + RFC 3492 punycode when it holds non-ASCII
/// UTF-8 (a byte that is not valid UTF-8 is taken as the code point of its value).
inline std::string ascii_label(std::string_view label) {
    std::vector<std::uint32_t> cps;
    bool ascii = true;
    for (std::size_t i = 0; i < label.size();) {
        // A valid UTF-8 sequence (core/text.hpp's rules) is one code point; any other byte stands
        // for itself, so that it stays distinct.
        const std::size_t n = text_detail::utf8_length(label, i);
        const auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(label[i + k])); };
        std::uint32_t cp = byte(0);
        if (n == 2) cp = (byte(0) & 0x1Fu) << 6 | (byte(1) & 0x3Fu);
        else if (n == 3) cp = (byte(0) & 0x0Fu) << 12 | (byte(1) & 0x3Fu) << 6 | (byte(2) & 0x3Fu);
        else if (n == 4) cp = (byte(0) & 0x07u) << 18 | (byte(1) & 0x3Fu) << 12 | (byte(2) & 0x3Fu) << 6 | (byte(3) & 0x3Fu);
        else if (cp >= 'A' && cp <= 'Z') cp += 32;
        ascii &= cp < 0x80;
        cps.push_back(cp);
        i += n == 0 ? 1 : n;
    }
    std::string out;
    if (ascii) {
        for (auto cp : cps) out.push_back(static_cast<char>(cp));
        return out;
    }
    // RFC 3492 §6.3, with its parameters (§5).
    constexpr std::uint32_t base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700;
    const auto digit = [](std::uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); };
    const auto adapt = [&](std::uint32_t delta, std::uint32_t points, bool first) {
        delta = first ? delta / damp : delta / 2;
        delta += delta / points;
        std::uint32_t k = 0;
        while (delta > ((base - tmin) * tmax) / 2) {
            delta /= base - tmin;
            k += base;
        }
        return k + (base - tmin + 1) * delta / (delta + skew);
    };
    out = "xn--";
    std::uint32_t basic = 0;
    for (auto cp : cps)
        if (cp < 0x80) out.push_back(static_cast<char>(cp)), ++basic;
    if (basic > 0) out.push_back('-');
    std::uint32_t n = 128, delta = 0, bias = 72, handled = basic;
    while (handled < cps.size()) {
        std::uint32_t m = 0xFFFFFFFFu;
        for (auto cp : cps)
            if (cp >= n && cp < m) m = cp;
        delta += (m - n) * (handled + 1);
        n = m;
        for (auto cp : cps) {
            if (cp < n) ++delta;
            if (cp != n) continue;
            std::uint32_t q = delta;
            for (std::uint32_t k = base;; k += base) {
                const std::uint32_t t = k <= bias ? tmin : k >= bias + tmax ? tmax : k - bias;
                if (q < t) break;
                out.push_back(digit(t + (q - t) % (base - t)));
                q = (q - t) / (base - t);
            }
            out.push_back(digit(q));
            bias = adapt(delta, handled + 1, handled == basic);
            delta = 0;
            ++handled;
        }
        ++delta;
        ++n;
    }
    return out;
}

/// A name's labels in ASCII form, joined by '.'; "" for none.
inline std::string ascii_name(std::string_view name) {
    std::string out;
    std::size_t at = 0;
    while (at <= name.size()) {
        const std::size_t end = std::min(name.find('.', at), name.size());
        if (at != 0) out.push_back('.');
        out += ascii_label(name.substr(at, end - at));
        at = end + 1;
    }
    return out;
}
}  // namespace detail::psl

class public_suffix_list {
public:
    static constexpr const char* debian_path = "/usr/share/publicsuffix/public_suffix_list.dat";

    /// Reads the list's text: a rule per line, `//` comments, blank lines; only each line's first
    /// word counts (the format's rule).
    [[nodiscard]] static public_suffix_list parse(std::string_view text) {
        public_suffix_list l;
        std::size_t at = 0;
        while (at < text.size()) {
            const std::size_t end = std::min(text.find('\n', at), text.size());
            std::string_view line = text.substr(at, end - at);
            at = end + 1;
            const std::size_t word = line.find_first_of(" \t\r");
            if (word != std::string_view::npos) line = line.substr(0, word);
            if (line.empty() || line.starts_with("//")) continue;
            if (line.starts_with("!")) l.exceptions_.insert(detail::psl::ascii_name(line.substr(1)));
            else if (line.starts_with("*.")) l.wildcards_.insert(detail::psl::ascii_name(line.substr(2)));
            else l.rules_.insert(detail::psl::ascii_name(line));
        }
        return l;
    }
    /// Reads the list from a file (Debian's by default); an error names the file.
    [[nodiscard]] static result<public_suffix_list> load(const std::filesystem::path& path = debian_path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) return error{errc::io_error, fmt::format("cannot read the Public Suffix List {} (Debian: apt install publicsuffix)", path.string())};
        std::stringstream text;
        text << in.rdbuf();
        auto l = parse(text.str());
        if (l.rules_.empty()) return error{errc::corrupt, fmt::format("{}: no rules", path.string())};
        return l;
    }

    /// The public suffix plus one label ("" when there is none; see the top of this header).
    [[nodiscard]] std::string registrable_domain(std::string_view name) const {
        if (!name.empty() && name.back() == '.') name.remove_suffix(1);
        if (name.empty() || name.front() == '.') return {};
        const std::string ascii = detail::psl::ascii_name(name);
        std::vector<std::size_t> starts{0};  // where each label starts
        for (std::size_t i = 0; i < ascii.size(); ++i)
            if (ascii[i] == '.') starts.push_back(i + 1);
        const std::size_t labels = starts.size();
        const auto suffix = [&](std::size_t first) { return std::string_view(ascii).substr(starts[first]); };
        std::size_t suffix_labels = 1;  // the implicit "*" rule
        bool exception = false;
        for (std::size_t k = 0; k < labels && !exception; ++k)
            if (exceptions_.contains(std::string(suffix(k)))) {
                suffix_labels = labels - k - 1;  // an exception's leftmost label is not part of the suffix
                exception = true;
            }
        if (!exception)
            for (std::size_t k = 0; k < labels; ++k) {
                const std::string s(suffix(k));
                if (rules_.contains(s)) suffix_labels = std::max(suffix_labels, labels - k);
                if (k > 0 && wildcards_.contains(s)) suffix_labels = std::max(suffix_labels, labels - k + 1);
            }
        if (labels <= suffix_labels) return {};
        return std::string(suffix(labels - suffix_labels - 1));
    }

    [[nodiscard]] std::size_t rule_count() const noexcept { return rules_.size() + wildcards_.size() + exceptions_.size(); }

private:
    std::unordered_set<std::string> rules_, wildcards_, exceptions_;
};

}  // namespace pktdyn
