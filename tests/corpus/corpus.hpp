// Test support for corpus tests: where the shared corpus and the tshark reference data are, and
// how to read them. Corpus tests are tagged [corpus]; without a corpus they pass with a warning.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pktdyn::test {

/// The corpus root (holding pcap/ and labels/), from PKTDYN_CORPUS or the build's default.
inline std::optional<std::filesystem::path> corpus_root() {
    const char* env = std::getenv("PKTDYN_CORPUS");
    std::filesystem::path p = env && *env ? env : PKTDYN_DEFAULT_CORPUS;
    if (std::filesystem::is_directory(p / "pcap")) return std::filesystem::weakly_canonical(p);
    return std::nullopt;
}

/// Where scripts/tshark_reference.py wrote its output (PKTDYN_REFERENCE_DIR overrides).
inline std::filesystem::path reference_dir() {
    const char* env = std::getenv("PKTDYN_REFERENCE_DIR");
    return env && *env ? env : PKTDYN_REFERENCE_DIR;
}

/// Columns of scripts/tshark_reference.py's per-packet TSV (PACKET_FIELDS, in order).
namespace col {
enum : std::size_t {
    time, cap_len, len, encap, interface_id,
    protocols, ip_src, ip_dst, ipv6_src, ipv6_dst,
    tcp_srcport, tcp_dstport, tcp_flags, tcp_seq, tcp_ack, tcp_window,
    udp_srcport, udp_dstport, udp_length, malformed,
    community_id, tcp_stream, udp_stream, tcp_len, ip_len, ipv6_plen, tcp_window_scaled,
    retransmission, fast_retransmission, spurious_retransmission, out_of_order, duplicate_ack, zero_window,
    zero_window_probe, keep_alive, window_full, lost_segment, ack_lost_segment, initial_rtt, ack_rtt,
    bytes_in_flight, tcp_hdr_len,
    count
};
}  // namespace col

/// Every capture of the corpus, as paths relative to pcap/, sorted.
inline std::vector<std::filesystem::path> corpus_captures(const std::filesystem::path& root) {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root / "pcap"))
        if (e.is_regular_file()) out.push_back(std::filesystem::relative(e.path(), root / "pcap"));
    std::sort(out.begin(), out.end());
    return out;
}

/// Splits a tab-separated line.
inline std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t tab = line.find('\t', start);
        out.push_back(line.substr(start, tab - start));
        if (tab == std::string::npos) return out;
        start = tab + 1;
    }
}

inline std::vector<std::vector<std::string>> read_tsv(const std::filesystem::path& p) {
    std::vector<std::vector<std::string>> rows;
    std::ifstream in(p);
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line[0] != '#') rows.push_back(split_tabs(line));
    return rows;
}

/// tshark's verdict on one capture: exit code and error text.
struct tshark_status {
    int exit_code = -1;
    std::string message;
};

inline std::optional<tshark_status> read_status(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::string stamp, code, message;
    if (!std::getline(in, stamp) || !std::getline(in, code)) return std::nullopt;
    std::getline(in, message);
    return tshark_status{std::stoi(code), message};
}

/// A file whose difference from the reference is understood.
struct known_difference {
    std::string kind;  ///< how the test checks the explanation (e.g. "libpcap": agrees with libpcap)
    std::string why;
};

/// Lines: "<path relative to pcap/>\t<kind>\t<why>"; '#' starts a comment.
inline std::map<std::string, known_difference> known_differences(const std::filesystem::path& list) {
    std::map<std::string, known_difference> out;
    for (const auto& row : read_tsv(list))
        if (row.size() >= 3) out[row[0]] = {row[1], row[2]};
    return out;
}

/// The two ALPN characters of JA4 as nDPI writes them (src/lib/protocols/tls.c at the corpus's
/// commit): the offered values joined by ',', the joined text's last character dropped, ',' made
/// '-', then its first two characters, '0' for a missing one. So "h2" alone gives "h0",
/// "http/1.1" "ht", "h2","http/1.1" "h2". FoxIO's JA4 takes the first and last character of the
/// first value instead.
template <class Values>
std::string ndpi_ja4_alpn(const Values& values) {
    std::string joined;
    for (const auto& v : values) {
        if (!joined.empty()) joined += ',';
        joined.append(v.begin(), v.end());
    }
    if (!joined.empty()) joined.pop_back();
    const auto at = [&](std::size_t i) { return i < joined.size() && joined[i] != '\0' ? (joined[i] == ',' ? '-' : joined[i]) : '0'; };
    return {at(0), at(1)};
}

}  // namespace pktdyn::test
