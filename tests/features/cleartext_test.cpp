#include "pktdyn/features/cleartext.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

using namespace pktdyn;

namespace {
// One payload packet of a flow: direction 0 the originator's.
void send(cleartext_evidence& e, int direction, std::string_view text) {
    flow_packet p;
    p.direction = direction;
    p.payload = std::as_bytes(std::span(text.data(), text.size()));
    p.payload_length = static_cast<std::uint32_t>(text.size());
    p.tcp = true;
    e.update(p);
}
struct columns {
    std::vector<std::string> text = std::vector<std::string>(4);
    std::vector<double> numbers = std::vector<double>(2);
};
columns written(const cleartext_evidence& e) {
    columns c;
    e.write_text(c.text);
    e.write(c.numbers);
    return c;
}
}  // namespace

TEST_CASE("credentials in the clear: FTP, POP3, IMAP, SMTP, HTTP basic, telnet", "[features][cleartext]") {
    SECTION("FTP: USER then PASS after a 220 greeting") {
        cleartext_evidence e;
        send(e, 1, "220 ProFTPD ready\r\n");
        send(e, 0, "USER anonymous\r\n");
        send(e, 1, "331 Password required\r\n");
        send(e, 0, "PASS guest@\r\n");
        const auto c = written(e);
        CHECK(c.text[3] == "ftp");
        CHECK(c.text[0] == "USER anonymous..");
        CHECK(c.text[1] == "text");
    }
    SECTION("POP3: USER then PASS after +OK") {
        cleartext_evidence e;
        send(e, 1, "+OK POP3 ready\r\n");
        send(e, 0, "USER bob\r\nPASS secret\r\n");
        CHECK(written(e).text[3] == "pop3");
    }
    SECTION("IMAP: a tagged LOGIN") {
        cleartext_evidence e;
        send(e, 1, "* OK IMAP4rev1 ready\r\n");
        send(e, 0, "a001 login bob secret\r\n");
        CHECK(written(e).text[3] == "imap");
    }
    SECTION("SMTP: AUTH PLAIN") {
        cleartext_evidence e;
        send(e, 1, "220 mail ESMTP\r\n");
        send(e, 0, "EHLO me\r\n");
        send(e, 0, "AUTH PLAIN AGJvYgBzZWNyZXQ=\r\n");
        CHECK(written(e).text[3] == "smtp");
    }
    SECTION("AUTH alone lists mechanisms and CRAM-MD5 answers a challenge: neither is a password; POP3's AUTH PLAIN is") {
        cleartext_evidence listing;
        send(listing, 1, "+OK POP3 ready\r\n");
        send(listing, 0, "CAPA\r\n");
        send(listing, 0, "AUTH\r\n");
        send(listing, 0, "AUTH CRAM-MD5\r\n");
        CHECK(written(listing).text[3].empty());
        send(listing, 0, "AUTH PLAIN AGJvYgBzZWNyZXQ=\r\n");
        CHECK(written(listing).text[3] == "pop3");
    }
    SECTION("HTTP: an Authorization: Basic header") {
        cleartext_evidence e;
        send(e, 0, "GET /admin HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\n\r\n");
        const auto c = written(e);
        CHECK(c.text[3] == "http-basic");
        CHECK(c.text[1] == "http");
    }
    SECTION("telnet: the server negotiates options, the client types") {
        cleartext_evidence e;
        send(e, 1, "\xff\xfd\x18\xff\xfd\x20");
        send(e, 0, "\xff\xfc\x18");
        send(e, 0, "root\r\n");
        const auto c = written(e);
        CHECK(c.text[2] == "telnet");
        CHECK(c.text[3] == "telnet");
    }
}

TEST_CASE("an upgrade to TLS first means the credentials that follow are not in the clear", "[features][cleartext]") {
    cleartext_evidence imap;
    send(imap, 1, "* OK ready\r\n");
    send(imap, 0, "a1 STARTTLS\r\n");
    send(imap, 0, "a2 LOGIN bob secret\r\n");  // as if it were readable: it would follow the upgrade
    CHECK(written(imap).text[3].empty());
    CHECK(written(imap).numbers[0] == 1);

    cleartext_evidence ftp;
    send(ftp, 1, "220 ready\r\n");
    send(ftp, 0, "AUTH TLS\r\n");
    send(ftp, 0, "USER bob\r\nPASS x\r\n");
    CHECK(written(ftp).text[3].empty());
    CHECK(written(ftp).numbers[0] == 1);
}

TEST_CASE("first payloads named: TLS, SSH, SSL 2.0 and binary; SSL 2.0 offered and answered", "[features][cleartext]") {
    cleartext_evidence tls;
    send(tls, 0, std::string_view("\x16\x03\x01\x02\x00\x01", 6));
    CHECK(written(tls).text[1] == "tls");

    cleartext_evidence ssh;
    send(ssh, 1, "SSH-2.0-OpenSSH_9.2\r\n");
    CHECK(written(ssh).text[2] == "ssh");

    // An SSL 2.0 CLIENT-HELLO (header 0x80 0x2e, type 1, version 0x0002) and a SERVER-HELLO (type 4).
    cleartext_evidence ssl2;
    send(ssl2, 0, std::string_view("\x80\x2e\x01\x00\x02\x00\x15", 7));
    CHECK(written(ssl2).text[1] == "sslv2");
    CHECK(written(ssl2).numbers[1] == 1);
    send(ssl2, 1, std::string_view("\x83\x2e\x04\x00\x01\x00\x02", 7));
    CHECK(written(ssl2).numbers[1] == 2);

    // A TLS-era hello in SSL 2.0's format (version 0x0301) is not SSL 2.0.
    cleartext_evidence compatible;
    send(compatible, 0, std::string_view("\x80\x2e\x01\x03\x01\x00\x15", 7));
    CHECK(written(compatible).numbers[1] == 0);

    cleartext_evidence binary;
    send(binary, 0, std::string_view("\x00\x01\x02\x03", 4));
    CHECK(written(binary).text[1] == "binary");
    CHECK(written(binary).text[0] == "....");
}
