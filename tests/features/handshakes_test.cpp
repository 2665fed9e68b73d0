// handshake_metadata on flows built here: the expected values are written from the bytes the tests
// put on the wire (a JA3 string spelled out from the hello's fields, as Salesforce's README defines
// it), or from RFC 9001's published client Initial; the corpus tests compare with tshark and nDPI.
#include "pktdyn/features/handshakes.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "pktdyn/proto/decoder.hpp"
#include "support/capture_builder.hpp"
#include "support/packet_builder.hpp"
#include "support/quic_vectors.hpp"

using namespace pktdyn;
namespace pkt = pktdyn::test::pkt;

namespace {

constexpr std::size_t text(std::string_view column) {
    for (std::size_t i = 0; i < handshake_metadata::text_features.size(); ++i)
        if (handshake_metadata::text_features[i].column() == column) return i;
    return SIZE_MAX;
}
std::size_t number(std::string_view column) {
    for (std::size_t i = 0; i < handshake_metadata::features.size(); ++i)
        if (handshake_metadata::features[i].column() == column) return i;
    FAIL("no column " << column);
    return 0;
}

/// Feeds packets of one flow (client 10.0.0.1, server 10.0.0.2) to an accumulator.
struct flow {
    handshake_metadata hs;
    decoder dec;
    std::int64_t now_ms = 0;
    void tcp(bool from_client, std::uint32_t seq, std::uint16_t flags, const std::vector<std::byte>& payload, std::int64_t at_ms) {
        const auto ip = from_client ? pkt::ipv4(6, {10, 0, 0, 1}, {10, 0, 0, 2}, pkt::tcp(40000, 443, payload, {.seq = seq, .flags = flags}))
                                    : pkt::ipv4(6, {10, 0, 0, 2}, {10, 0, 0, 1}, pkt::tcp(443, 40000, payload, {.seq = seq, .flags = flags}));
        feed(pkt::ethernet(0x0800, ip), from_client, at_ms);
    }
    void udp(bool from_client, std::uint16_t server_port, const std::vector<std::byte>& payload, std::int64_t at_ms) {
        const auto ip = from_client ? pkt::ipv4(17, {10, 0, 0, 1}, {10, 0, 0, 2}, pkt::udp(40000, server_port, payload))
                                    : pkt::ipv4(17, {10, 0, 0, 2}, {10, 0, 0, 1}, pkt::udp(server_port, 40000, payload));
        feed(pkt::ethernet(0x0800, ip), from_client, at_ms);
    }
    void feed(const std::vector<std::byte>& frame, bool from_client, std::int64_t at_ms) {
        const packet_view v{from_ns(at_ms * 1'000'000), frame, static_cast<std::uint32_t>(frame.size()), link_type::ethernet, 0};
        const decoded_packet d = dec.decode(v);
        hs.update(flow_packet::from(d, v.time, from_client));
    }
    [[nodiscard]] std::vector<std::string> texts() const {
        std::vector<std::string> out(handshake_metadata::text_features.size());
        hs.write_text(out);
        return out;
    }
    [[nodiscard]] std::vector<double> numbers() const {
        std::vector<double> out(handshake_metadata::features.size());
        hs.write(out);
        return out;
    }
};

std::vector<std::byte> record(std::uint8_t type, const std::vector<std::byte>& body) {
    test::byte_writer w{true};
    w.u8(type).u16(0x0301).u16(static_cast<std::uint16_t>(body.size())).raw(body);
    return w.data();
}
std::vector<std::byte> handshake(std::uint8_t type, const std::vector<std::byte>& body) {
    test::byte_writer w{true};
    w.u8(type).u8(0).u16(static_cast<std::uint16_t>(body.size())).raw(body);
    return w.data();
}
std::vector<std::byte> extension(std::uint16_t type, const std::vector<std::byte>& data) {
    test::byte_writer w{true};
    w.u16(type).u16(static_cast<std::uint16_t>(data.size())).raw(data);
    return w.data();
}

// A TLS 1.2 ClientHello: ciphers 0x0a0a (GREASE), 0xc02f, 0x1301; extensions server_name
// "example.org", supported_groups x25519 and secp256r1, ec_point_formats uncompressed, ALPN h2 and http/1.1.
std::vector<std::byte> client_hello(const std::string& name = "example.org") {
    test::byte_writer sni{true}, groups{true}, formats{true}, alpn{true}, body{true}, exts{true};
    sni.u16(static_cast<std::uint16_t>(3 + name.size())).u8(0).u16(static_cast<std::uint16_t>(name.size())).raw(std::as_bytes(std::span(name)));
    groups.u16(4).u16(0x001d).u16(0x0017);
    formats.u8(1).u8(0);
    alpn.u16(12).u8(2).raw(std::as_bytes(std::span(std::string_view("h2")))).u8(8).raw(std::as_bytes(std::span(std::string_view("http/1.1"))));
    for (const auto& e : {extension(0, sni.data()), extension(10, groups.data()), extension(11, formats.data()), extension(16, alpn.data())})
        exts.raw(e);
    body.u16(0x0303).raw(test::bytes(32)).u8(0).u16(6).u16(0x0a0a).u16(0xc02f).u16(0x1301).u8(1).u8(0);
    body.u16(static_cast<std::uint16_t>(exts.data().size())).raw(exts.data());
    return handshake(1, body.data());
}
// Its JA3 string by Salesforce's definition: version, ciphers, extensions, groups, point formats,
// decimal, '-'-joined, GREASE dropped.
constexpr std::string_view client_ja3 = "771,49199-4865,0-10-11-16,29-23,0";

std::vector<std::byte> server_hello() {
    test::byte_writer body{true}, exts{true};
    exts.raw(extension(0xff01, {std::byte{0}}));
    body.u16(0x0303).raw(test::bytes(32)).u8(0).u16(0xc02f).u8(0);
    body.u16(static_cast<std::uint16_t>(exts.data().size())).raw(exts.data());
    return handshake(2, body.data());
}

}  // namespace

TEST_CASE("handshake metadata reads a TLS handshake whose ClientHello segments arrive out of order", "[features][handshakes]") {
    flow f;
    const auto hello = record(22, client_hello());
    const auto server = record(22, server_hello());
    const auto data = record(23, test::bytes(100));
    f.tcp(true, 999, 0x002, {}, 0);  // SYN: the client's stream starts at 1000
    f.tcp(false, 4999, 0x012, {}, 10);
    // In three pieces, the last before the middle one: the stream holds it until the hole fills.
    const std::size_t a = hello.size() / 3, b = 2 * hello.size() / 3;
    const auto piece = [&](std::size_t from, std::size_t to) {
        return std::vector<std::byte>(hello.begin() + static_cast<std::ptrdiff_t>(from), hello.begin() + static_cast<std::ptrdiff_t>(to));
    };
    f.tcp(true, 1000, 0x018, piece(0, a), 19);
    f.tcp(true, 1000 + static_cast<std::uint32_t>(b), 0x018, piece(b, hello.size()), 20);
    f.tcp(true, 1000 + static_cast<std::uint32_t>(a), 0x018, piece(a, b), 21);
    f.tcp(false, 5000, 0x018, server, 50);
    f.tcp(true, 1000 + static_cast<std::uint32_t>(hello.size()), 0x018, data, 60);
    f.tcp(false, 5000 + static_cast<std::uint32_t>(server.size()), 0x018, data, 70);

    const auto t = f.texts();
    CHECK(t[text("handshake")] == "tls");
    CHECK(t[text("server_name")] == "example.org");
    CHECK(t[text("alpn_offered")] == "h2,http/1.1");
    CHECK(t[text("ja3_raw")] == client_ja3);
    CHECK(t[text("ja3")] == crypto::md5_hex(client_ja3));
    CHECK(t[text("ja3s_raw")] == "771,49199,65281");
    CHECK(t[text("tls_version_name")] == "TLSv1.2");
    CHECK(t[text("ja4")].rfind("t12d0204h2_", 0) == 0);  // TCP, TLS 1.2, SNI, 2 ciphers, 4 extensions, ALPN h2

    const auto n = f.numbers();
    CHECK(n[number("tls_client_version")] == 771);
    CHECK(n[number("tls_server_version")] == 771);
    CHECK(n[number("tls_cipher_suite")] == 0xc02f);
    CHECK(n[number("tls_client_cipher_suites")] == 2);
    CHECK(n[number("tls_client_extensions")] == 4);
    CHECK(n[number("tls_server_hello_delay_s")] == Approx(0.029));  // 21 ms → 50 ms
    CHECK(n[number("orig_tls_first_app_data_s")] == Approx(0.039));
    CHECK(n[number("orig_tls_record_length_1")] == static_cast<double>(hello.size() - 5));
    CHECK(n[number("orig_tls_record_type_1")] == 22);
    CHECK(n[number("orig_tls_record_type_2")] == 23);
    CHECK(n[number("orig_tls_record_time_s_1")] == Approx(0.019));  // the header came with the first piece
    CHECK(n[number("resp_tls_record_length_1")] == static_cast<double>(server.size() - 5));
    CHECK(std::isnan(n[number("orig_tls_record_length_3")]));
    CHECK(n[number("handshake_records")] == 4);
    CHECK(n[number("handshake_out_of_order")] == 1);  // the last piece waited for the middle one
    CHECK(n[number("handshake_incomplete")] == 0);
}

TEST_CASE("handshake metadata finds TLS after a plaintext STARTTLS exchange", "[features][handshakes]") {
    flow f;
    const std::string ok = "220 mail ESMTP\r\n", starttls = "STARTTLS\r\n";
    f.tcp(false, 5000, 0x018, std::vector<std::byte>(reinterpret_cast<const std::byte*>(ok.data()), reinterpret_cast<const std::byte*>(ok.data() + ok.size())), 0);
    f.tcp(true, 1000, 0x018, std::vector<std::byte>(reinterpret_cast<const std::byte*>(starttls.data()), reinterpret_cast<const std::byte*>(starttls.data() + starttls.size())), 1);
    f.tcp(true, 1010, 0x018, record(22, client_hello()), 2);
    CHECK(f.texts()[text("server_name")] == "example.org");
}

TEST_CASE("handshake metadata reads the SNI of RFC 9001's client Initial", "[features][handshakes]") {
    flow f;
    f.udp(true, 443, test::quic_vectors::hex(test::quic_vectors::v1::client_packet), 0);
    const auto t = f.texts();
    CHECK(t[text("handshake")] == "quic");
    CHECK(t[text("server_name")] == "example.com");  // RFC 9001 Appendix A.2's ClientHello
    CHECK(t[text("quic_version_name")] == "V-1");
    CHECK(t[text("ja4")].rfind("q13d", 0) == 0);
    CHECK(f.numbers()[number("quic_version")] == 1);
}

TEST_CASE("after Version Negotiation the QUIC version is the one the connection used", "[features][handshakes]") {
    // The client offers a greased version (RFC 9000 §15: 0x?a?a?a?a), the server answers with
    // Version Negotiation (version 0) listing v1, and the client starts again in v1 (RFC 9001's Initial).
    const auto dcid = test::quic_vectors::hex(test::quic_vectors::dcid);
    test::byte_writer greased{true};
    greased.u8(0xC0).u32(0x1a2a3a4a).u8(static_cast<std::uint8_t>(dcid.size())).raw(dcid).u8(0);  // no SCID
    greased.u8(0).u16(0x4000 | 1190).raw(test::bytes(1190));  // no token; a 1,200-byte datagram, as a client's Initial
    test::byte_writer negotiation{true};
    negotiation.u8(0x80).u32(0).u8(0).u8(static_cast<std::uint8_t>(dcid.size())).raw(dcid).u32(1);
    flow f;
    f.udp(true, 443, greased.data(), 0);
    f.udp(false, 443, negotiation.data(), 20);
    f.udp(true, 443, test::quic_vectors::hex(test::quic_vectors::v1::client_packet), 40);
    const auto t = f.texts();
    const auto n = f.numbers();
    CHECK(t[text("handshake")] == "quic");
    CHECK(n[number("quic_version")] == 1);
    CHECK(n[number("quic_first_version")] == 0x1a2a3a4a);
    CHECK(t[text("quic_version_name")] == "V-1");  // not Ver-Negotiation
    CHECK(t[text("server_name")] == "example.com");
}

TEST_CASE("handshake text values are pktdyn text: bytes a client sent cannot break a sink", "[features][handshakes]") {
    flow f;
    f.tcp(true, 1000, 0x018, record(22, client_hello("bad\xff\x1b[2Jname\\.example")), 0);
    CHECK(f.texts()[text("server_name")] == "bad\\xff\\x1b[2Jname\\\\.example");
}

TEST_CASE("handshake metadata reads SSH identification lines and the KEXINITs behind them", "[features][handshakes]") {
    const auto kexinit = [](std::string_view enc) {
        test::byte_writer payload{true};
        payload.u8(20).raw(test::bytes(16));
        for (std::string_view list : {std::string_view("curve25519-sha256"), std::string_view("ssh-ed25519"), enc, enc,
                                      std::string_view("hmac-sha2-256"), std::string_view("hmac-sha2-256"),
                                      std::string_view("none"), std::string_view("none"), std::string_view(""), std::string_view("")})
            payload.u32(static_cast<std::uint32_t>(list.size())).raw(std::as_bytes(std::span(list)));
        payload.u8(0).u32(0);
        const std::size_t padding = 8 - (5 + payload.data().size()) % 8 + 8;
        test::byte_writer packet{true};
        packet.u32(static_cast<std::uint32_t>(1 + payload.data().size() + padding)).u8(static_cast<std::uint8_t>(padding));
        packet.raw(payload.data()).raw(test::bytes(padding));
        return packet.data();
    };
    const auto text_bytes = [](std::string_view s) {
        return std::vector<std::byte>(reinterpret_cast<const std::byte*>(s.data()), reinterpret_cast<const std::byte*>(s.data() + s.size()));
    };
    flow f;
    const auto server_line = text_bytes("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
    const auto client_line = text_bytes("SSH-2.0-libssh_0.10\r\n");
    f.tcp(false, 5000, 0x018, server_line, 0);
    f.tcp(true, 1000, 0x018, client_line, 1);
    const auto client_kex = kexinit("aes128-ctr");
    // The client's KEXINIT in two segments.
    f.tcp(true, 1000 + static_cast<std::uint32_t>(client_line.size()), 0x018, std::vector<std::byte>(client_kex.begin(), client_kex.begin() + 30), 2);
    f.tcp(true, 1030 + static_cast<std::uint32_t>(client_line.size()), 0x018, std::vector<std::byte>(client_kex.begin() + 30, client_kex.end()), 3);
    f.tcp(false, 5000 + static_cast<std::uint32_t>(server_line.size()), 0x018, kexinit("chacha20-poly1305@openssh.com"), 4);
    const auto t = f.texts();
    CHECK(t[text("handshake")] == "ssh");
    CHECK(t[text("ssh_client_banner")] == "SSH-2.0-libssh_0.10");
    CHECK(t[text("ssh_server_banner")] == "SSH-2.0-OpenSSH_9.2p1 Debian-2");
    CHECK(t[text("hassh_raw")] == "curve25519-sha256;aes128-ctr;hmac-sha2-256;none");
    CHECK(t[text("hassh_server_raw")] == "curve25519-sha256;chacha20-poly1305@openssh.com;hmac-sha2-256;none");
    CHECK(t[text("hassh")] == crypto::md5_hex("curve25519-sha256;aes128-ctr;hmac-sha2-256;none"));
}

TEST_CASE("handshake metadata reads a DNS query and its answers", "[features][handshakes]") {
    test::byte_writer query{true};
    query.u16(0x1234).u16(0x0100).u16(1).u16(0).u16(0).u16(0);
    query.dns_name("www.example.com");
    query.u16(1).u16(1);
    test::byte_writer response{true};
    response.u16(0x1234).u16(0x8180).u16(1).u16(2).u16(0).u16(0);
    response.dns_name("www.example.com");
    response.u16(1).u16(1);
    for (auto [last, ttl] : {std::pair{34, 300u}, std::pair{35, 60u}})
        response.u16(0xc00c).u16(1).u16(1).u32(ttl).u16(4).u8(93).u8(184).u8(216).u8(static_cast<std::uint8_t>(last));
    flow f;
    f.udp(true, 53, query.data(), 0);
    f.udp(false, 53, response.data(), 5);
    const auto t = f.texts();
    CHECK(t[text("handshake")] == "dns");
    CHECK(t[text("dns_query")] == "www.example.com");
    CHECK(t[text("dns_qtype")] == "A");
    CHECK(t[text("dns_answers")] == "93.184.216.34,93.184.216.35");
    const auto n = f.numbers();
    CHECK(n[number("dns_queries")] == 1);
    CHECK(n[number("dns_responses")] == 1);
    CHECK(n[number("dns_rcode")] == 0);
    CHECK(n[number("dns_answer_records")] == 2);
    CHECK(n[number("dns_ttl_min_s")] == 60);
}

TEST_CASE("handshake metadata leaves a flow without a handshake empty", "[features][handshakes]") {
    flow f;
    const std::string get = "GET / HTTP/1.1\r\n\r\n";
    for (int i = 0; i < 40; ++i)
        f.tcp(true, 1000 + static_cast<std::uint32_t>(i * get.size()), 0x018,
              std::vector<std::byte>(reinterpret_cast<const std::byte*>(get.data()), reinterpret_cast<const std::byte*>(get.data() + get.size())), i);
    CHECK(f.hs.kind() == handshake_kind::none);
    for (const auto& s : f.texts()) CHECK(s.empty());
    for (double v : f.numbers()) CHECK(std::isnan(v));
}
