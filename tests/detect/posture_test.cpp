#include "pktdyn/detect/posture.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "support/named_row.hpp"

using namespace pktdyn;

namespace {
// A row holding the columns the posture reads, on TCP port 443 unless set otherwise.
struct row : test::named_row {
    row() : named_row(encryption_posture::number_columns, encryption_posture::text_columns) {
        set("protocol", 6).set("responder_port", 443).set("first_seen", 1.7e9).set("ssl2", 0);
    }
    row& tls() {
        set("handshake", "tls").set("orig_payload_kind", "tls").set("resp_payload_kind", "tls");
        return *this;
    }
};

struct verdict {
    std::string posture, reasons;
    double score;
};
verdict judge(const row& r) {
    encryption_posture p;
    REQUIRE(p.bind(r.names));
    std::vector<double> out(p.outputs().size());
    std::vector<std::string_view> text(p.text_outputs().size());
    p.score(r.numbers, r.texts, out, text);
    return {std::string(text[0]), std::string(text[1]), out[0]};
}
}  // namespace

TEST_CASE("a TLS 1.3 flow with a strong suite is encrypted, with no reason and score 0", "[detect][posture]") {
    row r;
    r.tls().set("tls_client_version", 0x0303).set("tls_server_version", 0x0304).set("tls_cipher_suite", 0x1301);
    r.set("ja3_raw", "771,4865-4866-4867-49195,0-23-65281,29-23,0");
    const auto v = judge(r);
    CHECK(v.posture == "encrypted");
    CHECK(v.reasons.empty());
    CHECK(v.score == 0);
}

TEST_CASE("old versions, weak suites chosen and offered, and bad certificates each add their points", "[detect][posture]") {
    SECTION("TLS 1.0 with a CBC-SHA1 suite") {
        row r;
        r.tls().set("tls_server_version", 0x0301).set("tls_cipher_suite", 0x002F);  // TLS_RSA_WITH_AES_128_CBC_SHA
        const auto v = judge(r);
        CHECK(v.reasons == "tls1.0;suite_chosen=cbc_sha1");
        CHECK(v.score == 55);
        CHECK(v.posture == "broken");
    }
    SECTION("SSL 3.0 with RC4 chosen") {
        row r;
        r.tls().set("tls_server_version", 0x0300).set("tls_cipher_suite", 0x0005);  // TLS_RSA_WITH_RC4_128_SHA
        CHECK(judge(r).reasons == "ssl3;suite_chosen=rc4");
        CHECK(judge(r).score == 100);  // 70 + 50, at most 100
    }
    SECTION("a ClientHello offering NULL, export-RC4 and 3DES suites, no ServerHello, nothing above TLS 1.1") {
        row r;
        r.tls().set("tls_client_version", 0x0302).set("ja3_raw", "770,1-3-10-47,0,,");
        CHECK(judge(r).reasons == "old_tls_offered;suite_offered=null;suite_offered=export;suite_offered=rc4;suite_offered=des");
        CHECK(judge(r).score == 90);
        CHECK(judge(r).posture == "broken");
        r.set("ja3_raw", "770,10-47,0,,");
        CHECK(judge(r).reasons == "old_tls_offered;suite_offered=des");
        CHECK(judge(r).posture == "weak");
    }
    SECTION("an anonymous suite chosen, an expired self-signed certificate") {
        row r;
        r.tls().set("tls_server_version", 0x0303).set("tls_cipher_suite", 0x0034);  // TLS_DH_anon_WITH_AES_128_CBC_SHA
        r.set("tls_cert_self_signed", 1).set("tls_cert_not_after", 1.6e9);
        CHECK(judge(r).reasons == "suite_chosen=anon;cert_self_signed;cert_expired");
    }
    SECTION("a certificate valid at the flow's time is not expired") {
        row r;
        r.tls().set("tls_server_version", 0x0303).set("tls_cipher_suite", 0xC02F).set("tls_cert_not_after", 1.8e9);
        CHECK(judge(r).reasons.empty());
    }
}

TEST_CASE("plaintext on ports that expect TLS or SSH, and credentials in the clear", "[detect][posture]") {
    row http_on_443;
    http_on_443.set("orig_payload_kind", "http").set("resp_payload_kind", "http");
    CHECK(judge(http_on_443).reasons == "plaintext_on_tls_port=http");
    CHECK(judge(http_on_443).posture == "cleartext");
    CHECK(judge(http_on_443).score == 60);

    row binary_on_443;  // another protocol, perhaps encrypted its own way: a smaller finding
    binary_on_443.set("orig_payload_kind", "binary").set("resp_payload_kind", "binary");
    CHECK(judge(binary_on_443).reasons == "unrecognised_on_tls_port");
    CHECK(judge(binary_on_443).score == 20);

    row telnet_on_22;
    telnet_on_22.set("responder_port", 22).set("orig_payload_kind", "text").set("resp_payload_kind", "telnet").set("cleartext_auth", "telnet");
    CHECK(judge(telnet_on_22).reasons == "plaintext_on_ssh_port=text;cleartext_auth=telnet");

    row pop3;
    pop3.set("responder_port", 110).set("orig_payload_kind", "text").set("resp_payload_kind", "text").set("cleartext_auth", "pop3");
    CHECK(judge(pop3).reasons == "cleartext_auth=pop3");
    CHECK(judge(pop3).posture == "cleartext");

    row dns;  // cleartext, but nothing to fix by these rules
    dns.set("protocol", 17).set("responder_port", 53).set("handshake", "dns").set("orig_payload_kind", "binary");
    CHECK(judge(dns).posture == "cleartext");
    CHECK(judge(dns).score == 0);

    row empty;  // no payload: not judged
    CHECK(judge(empty).posture.empty());
}

TEST_CASE("SSH: version 1, and weak algorithms negotiated as RFC 4253 chooses them", "[detect][posture]") {
    row r;
    r.set("responder_port", 22).set("handshake", "ssh").set("orig_payload_kind", "ssh").set("resp_payload_kind", "ssh");
    r.set("ssh_client_banner", "SSH-2.0-OpenSSH_9.2").set("ssh_server_banner", "SSH-2.0-OpenSSH_9.2");
    SECTION("OpenSSH's defaults: nothing weak (its umac-64 MAC is unused under chacha20-poly1305)") {
        r.set("hassh_raw", "curve25519-sha256,diffie-hellman-group14-sha256;chacha20-poly1305@openssh.com,aes128-ctr;"
                           "umac-64-etm@openssh.com,hmac-sha2-256;none");
        r.set("hassh_server_raw", "curve25519-sha256;chacha20-poly1305@openssh.com,aes256-gcm@openssh.com;umac-64-etm@openssh.com;none");
        CHECK(judge(r).reasons.empty());
    }
    SECTION("a client preferring CBC, MD5 and group14-sha1, all of which the server lists") {
        r.set("hassh_raw", "diffie-hellman-group14-sha1,curve25519-sha256;aes128-cbc,aes128-ctr;hmac-md5,hmac-sha2-256;none");
        r.set("hassh_server_raw", "curve25519-sha256,diffie-hellman-group14-sha1;aes128-ctr,aes128-cbc;hmac-sha2-256,hmac-md5;none");
        CHECK(judge(r).reasons == "ssh_weak_kex=diffie-hellman-group14-sha1;ssh_weak_cipher=aes128-cbc;ssh_weak_mac=hmac-md5");
        CHECK(judge(r).score == 100);
    }
    SECTION("weak algorithms the server does not list are not chosen") {
        r.set("hassh_raw", "diffie-hellman-group1-sha1,curve25519-sha256;3des-cbc,aes128-ctr;hmac-md5,hmac-sha2-256;none");
        r.set("hassh_server_raw", "curve25519-sha256;aes128-ctr;hmac-sha2-256;none");
        CHECK(judge(r).reasons.empty());
    }
    SECTION("only the server's lists seen: a weak algorithm it offers counts 10") {
        r.set("hassh_server_raw", "curve25519-sha256;aes128-ctr,arcfour;hmac-sha2-256;none");
        CHECK(judge(r).reasons == "ssh_weak_cipher=arcfour");
        CHECK(judge(r).score == 10);
    }
    SECTION("SSH-1, and a server offering 1.99") {
        r.set("ssh_client_banner", "SSH-1.5-client");
        CHECK(judge(r).reasons == "ssh1");
        r.set("ssh_client_banner", "SSH-2.0-client").set("ssh_server_banner", "SSH-1.99-OpenSSH_3.4");
        CHECK(judge(r).reasons == "ssh1_offered");
    }
}

TEST_CASE("binding names the column posture lacks", "[detect][posture]") {
    encryption_posture p;
    std::vector<std::string> names{"protocol"};
    const auto r = p.bind(names);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message(), Catch::Contains("'responder_port'") && Catch::Contains("cleartext_evidence"));
}
