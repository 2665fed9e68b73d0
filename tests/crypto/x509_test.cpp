// X.509 summaries of certificates made at test time by the `openssl` command line (a CA, a leaf it
// signs with SANs, a self-signed certificate, and one that is self-issued but signed by another key);
// every field is checked against what `openssl x509` / `openssl verify` print for the same file.
// Skips with a message where the openssl program is missing.
#include "pktdyn/crypto/x509.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace {

struct command_result {
    int status = -1;
    std::string out;
};

command_result run(const std::string& cmd) {
    command_result r;
    FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
    if (!p) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    r.status = ::pclose(p);
    return r;
}

bool have_openssl() { return run("openssl version").status == 0; }

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && s[i] == ' ') ++i;
    return s.substr(i);
}

/// The text after "key=" on openssl's one-line outputs ("subject=...", "serial=...").
std::string after_equals(const std::string& s) { return trim(s.substr(s.find('=') + 1)); }

/// "2026-11-25 14:10:00Z" (openssl -dateopt iso_8601) as Unix seconds, through libc's timegm.
std::int64_t iso_seconds(const std::string& s) {
    std::tm tm{};
    REQUIRE(std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                        &tm.tm_sec) == 6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<std::int64_t>(::timegm(&tm));
}

/// The value after `label` on a line of `openssl x509 -text`.
std::string text_field(const std::string& text, const std::string& label) {
    const auto at = text.find(label);
    if (at == std::string::npos) return {};
    const auto start = at + label.size();
    return trim(text.substr(start, text.find('\n', start) - start));
}

std::vector<std::byte> read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    const std::vector<char> c{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::vector<std::byte> b(c.size());
    std::memcpy(b.data(), c.data(), c.size());
    return b;
}

/// Checks every summary field of `pem` (and its DER) against openssl's own printout.
void check_against_openssl(const std::filesystem::path& pem, const std::string& expected_cn,
                           const std::vector<std::string>& expected_dns) {
    const std::string f = "'" + pem.string() + "'";
    const auto der_path = pem.string() + ".der";
    REQUIRE(run("openssl x509 -in " + f + " -outform DER -out '" + der_path + "'").status == 0);
    const auto der = read_file(der_path);
    const auto s = pktdyn::crypto::summarize_certificate(der);
    REQUIRE(s.has_value());

    const auto subject = after_equals(run("openssl x509 -in " + f + " -noout -subject -nameopt RFC2253").out);
    const auto issuer = after_equals(run("openssl x509 -in " + f + " -noout -issuer -nameopt RFC2253").out);
    const auto serial = after_equals(run("openssl x509 -in " + f + " -noout -serial").out);
    const auto dates = run("openssl x509 -in " + f + " -noout -startdate -enddate -dateopt iso_8601").out;
    const auto text = run("openssl x509 -in " + f + " -noout -text").out;
    const bool verifies = run("openssl verify -no-CApath -no-CAstore -check_ss_sig -CAfile " + f + " " + f).status == 0;

    CHECK(s->subject == subject);
    CHECK(s->issuer == issuer);
    CHECK(s->subject_cn == expected_cn);
    std::string serial_lower = serial;
    for (auto& c : serial_lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(s->serial_hex == serial_lower);
    const auto nb = dates.substr(0, dates.find('\n'));
    const auto na = dates.substr(dates.find('\n') + 1);
    CHECK(s->not_before == iso_seconds(after_equals(nb)));
    CHECK(s->not_after == iso_seconds(after_equals(na)));
    CHECK(s->signature_algorithm == text_field(text, "Signature Algorithm:"));
    CHECK(s->public_key_algorithm == text_field(text, "Public Key Algorithm:"));
    const auto bits = text_field(text, "Public-Key: (");
    CHECK(s->public_key_bits == std::stoi(bits));
    CHECK(s->version == std::stoi(text_field(text, "Version:")));
    CHECK(s->dns_names == expected_dns);
    // The DNS names openssl prints under the SAN extension, in order.
    std::vector<std::string> printed;
    const auto san = run("openssl x509 -in " + f + " -noout -ext subjectAltName").out;
    for (std::size_t at = san.find("DNS:"); at != std::string::npos; at = san.find("DNS:", at + 4)) {
        const auto end = san.find_first_of(",\n", at);
        printed.push_back(san.substr(at + 4, end - at - 4));
    }
    CHECK(s->dns_names == printed);
    CHECK(s->self_issued == (subject == issuer));
    CHECK(s->self_signed == (subject == issuer && verifies));
    CHECK(s->der_length == der.size());
}

}  // namespace

TEST_CASE("certificate summaries agree with the openssl command line", "[crypto][x509]") {
    if (!have_openssl()) {
        WARN("openssl program not found: X.509 comparison skipped");
        return;
    }
    pktdyn::test::temp_dir dir;
    const auto d = "'" + dir.path().string() + "/";
    // A CA (RSA 2048, SHA-256), self-signed.
    REQUIRE(run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + d + "ca.key' -out " + d +
                "ca.pem' -subj '/O=pktdyn test/CN=pktdyn Test CA' -days 30 -sha256").status == 0);
    // A leaf (EC P-256) signed by the CA with SHA-384, a chosen serial and three SANs.
    REQUIRE(run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + d + "leaf.key' -out " +
                d + "leaf.csr' -subj '/C=DE/CN=leaf.example'").status == 0);
    {
        std::ofstream ext(dir.path() / "leaf.ext");
        ext << "subjectAltName=DNS:leaf.example,IP:192.0.2.1,DNS:*.leaf.example\n";
    }
    REQUIRE(run("openssl x509 -req -in " + d + "leaf.csr' -CA " + d + "ca.pem' -CAkey " + d +
                "ca.key' -set_serial 0x00f234abcd -days 10 -sha384 -extfile " + d + "leaf.ext' -out " + d + "leaf.pem'")
                .status == 0);
    // Self-signed EC P-384 with a SAN.
    REQUIRE(run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes -keyout " + d + "self.key' -out " +
                d + "self.pem' -subj '/CN=self.example' -addext 'subjectAltName=DNS:self.example' -days 1")
                .status == 0);
    // Self-issued (subject = issuer = the CA's name) but signed by the CA's key, not its own.
    REQUIRE(run("openssl req -new -newkey rsa:1024 -nodes -keyout " + d + "twin.key' -out " + d +
                "twin.csr' -subj '/O=pktdyn test/CN=pktdyn Test CA'").status == 0);
    REQUIRE(run("openssl x509 -req -in " + d + "twin.csr' -CA " + d + "ca.pem' -CAkey " + d +
                "ca.key' -set_serial 7 -days 5 -out " + d + "twin.pem'").status == 0);

    SECTION("the CA") { check_against_openssl(dir.path() / "ca.pem", "pktdyn Test CA", {}); }
    SECTION("the leaf") { check_against_openssl(dir.path() / "leaf.pem", "leaf.example", {"leaf.example", "*.leaf.example"}); }
    SECTION("the self-signed certificate") { check_against_openssl(dir.path() / "self.pem", "self.example", {"self.example"}); }
    SECTION("the self-issued certificate signed by another key") {
        check_against_openssl(dir.path() / "twin.pem", "pktdyn Test CA", {});
    }
    SECTION("the facts the comparison relies on") {
        (void)run("openssl x509 -in " + d + "ca.pem' -outform DER -out " + d + "ca.pem.der'");
        (void)run("openssl x509 -in " + d + "twin.pem' -outform DER -out " + d + "twin.pem.der'");
        const auto ca2 = pktdyn::crypto::summarize_certificate(read_file(dir.path() / "ca.pem.der"));
        const auto twin2 = pktdyn::crypto::summarize_certificate(read_file(dir.path() / "twin.pem.der"));
        REQUIRE(ca2.has_value());
        REQUIRE(twin2.has_value());
        CHECK(ca2->self_signed);
        CHECK(twin2->self_issued);
        CHECK_FALSE(twin2->self_signed);
        CHECK(twin2->serial_hex == "07");
    }
}

TEST_CASE("malformed DER gives an error value, never a crash", "[crypto][x509]") {
    CHECK_FALSE(pktdyn::crypto::summarize_certificate({}).has_value());
    const std::vector<std::byte> junk{std::byte{0x30}, std::byte{0x82}, std::byte{0xff}, std::byte{0xff}, std::byte{0x02}};
    const auto r = pktdyn::crypto::summarize_certificate(junk);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == pktdyn::errc::corrupt);

    if (!have_openssl()) return;
    pktdyn::test::temp_dir dir;
    const auto d = "'" + dir.path().string() + "/";
    REQUIRE(run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + d + "k' -outform DER -out " +
                d + "c.der' -subj '/CN=cut.example' -days 1").status == 0);
    const auto der = read_file(dir.path() / "c.der");
    REQUIRE(pktdyn::crypto::summarize_certificate(der).has_value());
    for (std::size_t n = 0; n < der.size(); ++n) {  // every cut: an error, and ASan sees no over-read
        const std::vector<std::byte> cut(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(n));
        CHECK_FALSE(pktdyn::crypto::summarize_certificate(cut).has_value());
    }
    for (std::size_t i = 0; i < der.size(); ++i) {  // every byte flipped: a value or an error
        auto bad = der;
        bad[i] ^= std::byte{0xff};
        (void)pktdyn::crypto::summarize_certificate(bad);
    }
}
