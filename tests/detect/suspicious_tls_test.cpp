#include "pktdyn/detect/suspicious_tls.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "support/named_row.hpp"

using namespace pktdyn;

namespace {
// A TLS flow's row with the columns suspicious TLS reads; its ClientHello seen.
struct row : test::named_row {
    row() : named_row(suspicious_tls::number_columns, suspicious_tls::text_columns, std::array<std::string_view, 1>{"resp_ip_bytes"}) {
        set("first_seen", 1.7e9).set("tls_client_version", 0x0303).set("handshake", "tls").set("originator", "10.0.0.1");
    }
};
std::pair<std::string, double> judge(const row& r, suspicious_tls::options o = {}) {
    suspicious_tls s(std::move(o));
    REQUIRE(s.bind(r.names));
    std::vector<double> out(1);
    std::vector<std::string_view> text(1);
    s.score(r.numbers, r.texts, out, text);
    return {std::string(text[0]), out[0]};
}
}  // namespace

TEST_CASE("an ordinary session has no reason; a flow that is not TLS has no score", "[detect][suspicious_tls]") {
    row r;
    r.set("server_name", "www.example.org").set("cert_names", "example.org,*.example.org").set("tls_cert_not_before", 1.6e9);
    r.set("tls_cert_not_after", 1.8e9).set("tls_cert_self_signed", 0);
    CHECK(judge(r) == std::pair<std::string, double>{"", 0});
    r.set("handshake", "ssh");
    CHECK(std::isnan(judge(r).second));
}

TEST_CASE("certificates: self-signed, expired, not yet valid, days old, names not covering the server name", "[detect][suspicious_tls]") {
    row r;
    r.set("server_name", "login.example.org").set("cert_names", "example.org,*.other.org").set("tls_cert_self_signed", 1);
    r.set("tls_cert_not_before", 1.7e9 - 2 * 86400).set("tls_cert_not_after", 1.7e9 + 86400 * 60);
    CHECK(judge(r).first == "cert_self_signed;cert_new=2d;cert_name_mismatch");
    CHECK(judge(r).second == 70);
    r.set("cert_names", "*.example.org");  // one leftmost wildcard label covers login.example.org
    CHECK(judge(r).first == "cert_self_signed;cert_new=2d");
    r.set("tls_cert_not_after", 1.69e9).set("tls_cert_not_before", 1.6e9);
    CHECK(judge(r).first == "cert_self_signed;cert_expired");
    r.set("tls_cert_not_before", 1.75e9).set("tls_cert_not_after", 1.8e9);
    CHECK(judge(r).first == "cert_self_signed;cert_not_yet_valid");
    row cn;  // no subjectAltName: the subject's CN counts; an address as the name is not matched
    cn.set("server_name", "a.example.org").set("cert_subject_cn", "b.example.org");
    CHECK(judge(cn).first == "cert_name_mismatch");
    cn.set("server_name", "192.0.2.7");
    CHECK(judge(cn).first == "sni_ip");
}

TEST_CASE("server names: absent, an address, punycode, look-alikes of a brand, machine-made", "[detect][suspicious_tls]") {
    const auto reasons = [](std::string_view name) {
        row r;
        r.set("server_name", name);
        return judge(r).first;
    };
    CHECK(reasons("") == "sni_absent");
    CHECK(reasons("2001:db8::1") == "sni_ip");
    CHECK(reasons("xn--80ak6aa92e.com") == "sni_idn");
    CHECK(reasons("www.paypa1.com") == "sni_lookalike=paypal");        // a confusable digit
    CHECK(reasons("paypall.com") == "sni_lookalike=paypal");           // one edit
    CHECK(reasons("rnicrosoft.com") == "sni_lookalike=microsoft");     // rn for m
    CHECK(reasons("paypal-login.net") == "sni_lookalike=paypal");      // the brand as a part
    CHECK(reasons("paypal.com.account.example") == "sni_lookalike=paypal");
    CHECK(reasons("www.paypal.com").empty());                           // the brand itself
    CHECK(reasons("www.paypalobjects.com").empty());                    // one of its own
    CHECK(reasons("maple.example").empty());                            // two edits from apple
    CHECK(reasons("xjw9kq2mzpqr.com") == "sni_dga");
    CHECK(reasons("r3.googlevideo.com").empty());
    CHECK(reasons("updates.cloudflare-dns.com").empty());
    // No ClientHello seen (the flow started mid-way): the name is not judged at all.
    row midway;
    midway.set("tls_client_version", std::nan(""));
    CHECK(judge(midway).first.empty());
}

TEST_CASE("a JA3 or JA4 on the block list, read in abuse.ch SSLBL's CSV format", "[detect][suspicious_tls]") {
    auto list = fingerprint_blocklist::load(std::filesystem::path(PKTDYN_SOURCE_DIR) / "tests/detect/data/sslbl_ja3.csv");
    REQUIRE(list);
    CHECK(list->size() == 97);  // the file's "# END (97) entries"
    CHECK(list->reason("b386946a5a44d1ddcc843bc75336dfce") == "Dridex");
    CHECK(list->reason("8515076cbbca9dce33151b798f782456") == "BitRAT");
    CHECK(list->reason("00000000000000000000000000000000").empty());
    const auto plain = fingerprint_blocklist::parse("# JA4, one a line\nt13d1517h2_8daaf6152771_b0da82dd1658\n");
    CHECK(plain.reason("t13d1517h2_8daaf6152771_b0da82dd1658") == "listed");

    row r;
    r.set("server_name", "example.org").set("ja3", "b386946a5a44d1ddcc843bc75336dfce");
    suspicious_tls::options o;
    o.blocklist = std::make_shared<const fingerprint_blocklist>(std::move(*list));
    CHECK(judge(r, o).first == "blocklisted=Dridex");
    CHECK(judge(r, o).second == 60);
}

TEST_CASE("a fingerprint few of this network's clients use, and a session unlike its server's usual", "[detect][suspicious_tls]") {
    auto b = std::make_shared<tls_baseline>();
    for (int c = 0; c < 150; ++c) {
        const std::string client = "10.0.0." + std::to_string(c);
        b->observe(client, "t13d1516h2_common", "cdn.example.org", 20'000);
        if (c == 0) b->observe(client, "t13d0912h1_odd", "cdn.example.org", 20'000);
    }
    CHECK(b->clients() == Approx(150).epsilon(0.05));
    CHECK(b->clients_with("t13d1516h2_common") >= 150);
    suspicious_tls::options o;
    o.baseline = b;
    row r;
    r.set("server_name", "cdn.example.org").set("ja4", "t13d1516h2_common").set("resp_ip_bytes", 25'000);
    CHECK(judge(r, o).first.empty());
    r.set("ja4", "t13d0912h1_odd");
    CHECK(judge(r, o).first == "rare_fingerprint");
    r.set("ja4", "t13d1516h2_common").set("resp_ip_bytes", 90e6);  // 4,500 times the usual
    CHECK(judge(r, o).first == "unusual_dynamics");
}
