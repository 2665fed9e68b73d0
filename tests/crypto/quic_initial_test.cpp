// QUIC Initial protection removal against the published examples: RFC 9001 Appendix A (v1) and
// RFC 9369 Appendix A (v2), both for the DCID 0x8394c8f03e515708 (tests/support/quic_vectors.hpp).
#include "pktdyn/crypto/quic_initial.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "support/quic_vectors.hpp"

namespace {

namespace qv = pktdyn::test::quic_vectors;
using pktdyn::crypto::initial_error;
using pktdyn::crypto::sender;

template <std::size_t N>
std::vector<std::byte> bytes_of(const std::array<std::uint8_t, N>& a) {
    std::vector<std::byte> v(N);
    std::transform(a.begin(), a.end(), v.begin(), [](std::uint8_t b) { return std::byte{b}; });
    return v;
}

struct published {
    std::uint32_t version;
    std::string_view initial_secret, client_secret, client_key, client_iv, client_hp, server_secret, server_key,
        server_iv, server_hp, client_packet, server_packet, client_unprotected_header;
};

const published rfc9001{pktdyn::quic::version_1,
                        qv::v1::initial_secret,
                        qv::v1::client_initial_secret,
                        qv::v1::client_key,
                        qv::v1::client_iv,
                        qv::v1::client_hp,
                        qv::v1::server_initial_secret,
                        qv::v1::server_key,
                        qv::v1::server_iv,
                        qv::v1::server_hp,
                        qv::v1::client_packet,
                        qv::v1::server_packet,
                        qv::v1::client_unprotected_header};
const published rfc9369{pktdyn::quic::version_2,
                        qv::v2::initial_secret,
                        qv::v2::client_initial_secret,
                        qv::v2::client_key,
                        qv::v2::client_iv,
                        qv::v2::client_hp,
                        qv::v2::server_initial_secret,
                        qv::v2::server_key,
                        qv::v2::server_iv,
                        qv::v2::server_hp,
                        qv::v2::client_packet,
                        qv::v2::server_packet,
                        qv::v2::client_unprotected_header};

void check_keys(const published& p) {
    pktdyn::crypto::initial_secrets s;
    const auto dcid = qv::hex(qv::dcid);
    REQUIRE(pktdyn::crypto::derive_initial_secrets(p.version, dcid, s));
    CHECK(bytes_of(s.initial) == qv::hex(p.initial_secret));
    CHECK(bytes_of(s.client) == qv::hex(p.client_secret));
    CHECK(bytes_of(s.client_keys.key) == qv::hex(p.client_key));
    CHECK(bytes_of(s.client_keys.iv) == qv::hex(p.client_iv));
    CHECK(bytes_of(s.client_keys.hp) == qv::hex(p.client_hp));
    CHECK(bytes_of(s.server) == qv::hex(p.server_secret));
    CHECK(bytes_of(s.server_keys.key) == qv::hex(p.server_key));
    CHECK(bytes_of(s.server_keys.iv) == qv::hex(p.server_iv));
    CHECK(bytes_of(s.server_keys.hp) == qv::hex(p.server_hp));
}

void check_client_and_server_initials(const published& p) {
    pktdyn::crypto::initial_decryptor dec;
    const auto dcid = qv::hex(qv::dcid);
    const auto client = qv::hex(p.client_packet);
    const auto h = pktdyn::quic::long_header::parse(client);
    REQUIRE(h.ok());
    REQUIRE(h.type == pktdyn::quic::packet_type::initial);
    CHECK(std::equal(h.dcid.begin(), h.dcid.end(), dcid.begin(), dcid.end()));
    REQUIRE(dec.set_connection(h.version, h.dcid) == initial_error::none);

    std::vector<std::byte> out(client.size());
    pktdyn::crypto::opened_initial o;
    REQUIRE(dec.open(h, sender::client, out, o) == initial_error::none);
    CHECK(o.packet_number == 2);
    CHECK(o.pn_length == 4);
    // The unprotected header's first byte is the RFC's (0xc3 for v1, 0xd3 for v2).
    CHECK(o.first_byte == std::to_integer<std::uint8_t>(qv::hex(p.client_unprotected_header)[0]));
    // RFC A.2: 1162 bytes of frames: the CRYPTO frame, then PADDING.
    REQUIRE(o.payload.size() == 1162);
    const auto frame = qv::hex(qv::v1::client_crypto_frame);
    CHECK(std::equal(frame.begin(), frame.end(), o.payload.begin()));
    CHECK(std::all_of(o.payload.begin() + static_cast<std::ptrdiff_t>(frame.size()), o.payload.end(),
                      [](std::byte b) { return b == std::byte{0}; }));

    // RFC A.3: the server's Initial, with keys from the same client DCID.
    const auto server = qv::hex(p.server_packet);
    const auto sh = pktdyn::quic::long_header::parse(server);
    REQUIRE(sh.ok());
    REQUIRE(dec.open(sh, sender::server, out, o) == initial_error::none);
    CHECK(o.packet_number == 1);
    CHECK(o.pn_length == 2);
    const auto payload = qv::hex(qv::v1::server_payload);
    CHECK(std::vector<std::byte>(o.payload.begin(), o.payload.end()) == payload);
}

}  // namespace

TEST_CASE("Initial keys reproduce RFC 9001 Appendix A.1", "[crypto][quic_initial]") { check_keys(rfc9001); }

TEST_CASE("Initial keys reproduce RFC 9369 Appendix A.1 for QUIC v2", "[crypto][quic_initial]") { check_keys(rfc9369); }

TEST_CASE("The client and server Initials of RFC 9001 A.2 and A.3 decrypt to the published payloads",
          "[crypto][quic_initial]") {
    check_client_and_server_initials(rfc9001);
}

TEST_CASE("The client and server Initials of RFC 9369 A.2 and A.3 decrypt to the published payloads",
          "[crypto][quic_initial]") {
    check_client_and_server_initials(rfc9369);
}

TEST_CASE("Initial salts are known for v1, v2, drafts 22 to 34, mvfst and Google T050 T051 Q050",
          "[crypto][quic_initial]") {
    using pktdyn::crypto::initial_salt;
    CHECK(initial_salt(1) != nullptr);
    CHECK(initial_salt(0x6b3343cf) != nullptr);
    CHECK(initial_salt(0x709a50c4) == initial_salt(0x6b3343cf));
    CHECK(initial_salt(0xff000022) == initial_salt(1));  // draft 34 uses v1's salt
    CHECK(initial_salt(0xff00001d) != initial_salt(1));
    CHECK(initial_salt(0xff00001d) == initial_salt(0xff000020));  // drafts 29-32 share one
    CHECK(initial_salt(0xff000017) == initial_salt(0xff00001c));  // drafts 23-28 share one
    CHECK(initial_salt(0xfaceb002) == initial_salt(0xff00001b));  // mvfst 27 follows draft 27
    CHECK(initial_salt(0x54303531) != nullptr);
    CHECK(initial_salt(0x51303530) != nullptr);
    CHECK(initial_salt(0x51303436) == nullptr);  // Q046 has no Initial protection
    CHECK(initial_salt(0xff000015) == nullptr);  // draft 21: another header format
    CHECK(initial_salt(0x1a2a3a4a) == initial_salt(0xff00001d));  // reserved: as draft 29
    CHECK(initial_salt(0x12345678) == nullptr);
    CHECK(initial_salt(0) == nullptr);
}

TEST_CASE("The draft 23 to 28 salt reproduces the draft-ietf-quic-tls-28 Appendix A.1 initial secret",
          "[crypto][quic_initial]") {
    // draft-ietf-quic-tls (version 0xff00001c) Appendix A: initial_secret for the same DCID.
    pktdyn::crypto::initial_secrets s;
    REQUIRE(pktdyn::crypto::derive_initial_secrets(0xff00001c, qv::hex(qv::dcid), s));
    CHECK(bytes_of(s.initial) == qv::hex("524e374c6da8cf8b496f4bcb696783507aafee6198b202b4bc823ebf7514a423"));
    CHECK(bytes_of(s.client_keys.key) == qv::hex("af7fd7efebd21878ff66811248983694"));
    CHECK(bytes_of(s.server_keys.hp) == qv::hex("a8ed82e6664f865aedf6106943f95fb8"));
}

TEST_CASE("A damaged byte or a wrong DCID fails authentication, not the parser", "[crypto][quic_initial]") {
    const auto client = qv::hex(qv::v1::client_packet);
    std::vector<std::byte> out(client.size());
    pktdyn::crypto::opened_initial o;
    for (std::size_t at : {std::size_t{1}, std::size_t{30}, std::size_t{600}, client.size() - 1}) {
        auto damaged = client;
        damaged[at] ^= std::byte{0x01};
        const auto h = pktdyn::quic::long_header::parse(damaged);
        if (!h.ok()) continue;  // a damaged length byte no longer parses: fine too
        pktdyn::crypto::initial_decryptor dec;
        REQUIRE(dec.set_connection(1, qv::hex(qv::dcid)) == initial_error::none);
        CHECK(dec.open(h, sender::client, out, o) == initial_error::authentication_failed);
    }
    pktdyn::crypto::initial_decryptor wrong;
    const std::vector<std::byte> other(8, std::byte{0x11});
    REQUIRE(wrong.set_connection(1, other) == initial_error::none);
    CHECK(wrong.open(pktdyn::quic::long_header::parse(client), sender::client, out, o) ==
          initial_error::authentication_failed);
    // Server keys do not open the client's packet.
    pktdyn::crypto::initial_decryptor dec;
    REQUIRE(dec.set_connection(1, qv::hex(qv::dcid)) == initial_error::none);
    CHECK(dec.open(pktdyn::quic::long_header::parse(client), sender::server, out, o) ==
          initial_error::authentication_failed);
}

TEST_CASE("open reports clear errors for what it cannot decrypt", "[crypto][quic_initial]") {
    pktdyn::crypto::initial_decryptor dec;
    const auto client = qv::hex(qv::v1::client_packet);
    const auto h = pktdyn::quic::long_header::parse(client);
    std::vector<std::byte> out(client.size());
    pktdyn::crypto::opened_initial o;
    CHECK(dec.open(h, sender::client, out, o) == initial_error::no_keys);
    REQUIRE(dec.set_connection(1, h.dcid) == initial_error::none);
    std::vector<std::byte> small(100);
    CHECK(dec.open(h, sender::client, small, o) == initial_error::output_too_small);
    const auto retry = qv::hex(qv::v1::retry_packet);
    CHECK(dec.open(pktdyn::quic::long_header::parse(retry), sender::server, out, o) ==
          initial_error::not_initial);
    const auto short_packet = qv::hex("4cfe4189655e5cd55c41f69080575d7999c25a5bfb");  // RFC 9001 A.5
    CHECK(dec.open(pktdyn::quic::long_header::parse(short_packet), sender::server, out, o) ==
          initial_error::not_long_header);
    pktdyn::crypto::initial_decryptor other;
    CHECK(other.set_connection(0x51303436, h.dcid) == initial_error::unsupported_version);
    CHECK_FALSE(other.ready());
    CHECK(pktdyn::crypto::to_string(initial_error::authentication_failed) == "authentication failed");
}

TEST_CASE("A protected Initial cut at every length gives a clean error and never reads past the cut",
          "[crypto][quic_initial]") {
    const auto client = qv::hex(qv::v1::client_packet);
    pktdyn::crypto::initial_decryptor dec;
    REQUIRE(dec.set_connection(1, qv::hex(qv::dcid)) == initial_error::none);
    pktdyn::crypto::opened_initial o;
    std::vector<std::byte> out(client.size());
    for (std::size_t n = 0; n < client.size(); ++n) {
        // A copy of exactly n bytes, so ASan sees any read past the cut.
        std::vector<std::byte> cut(client.begin(), client.begin() + static_cast<std::ptrdiff_t>(n));
        const auto h = pktdyn::quic::long_header::parse(cut);
        const auto e = dec.open(h, sender::client, out, o);
        CHECK(e != initial_error::none);
        if (n >= 6) CHECK((e == initial_error::truncated || e == initial_error::not_long_header));
    }
    // Whole, it still opens (the failed attempts changed no state).
    CHECK(dec.open(pktdyn::quic::long_header::parse(client), sender::client, out, o) == initial_error::none);
}

TEST_CASE("A decryptor moves and keeps its keys", "[crypto][quic_initial]") {
    pktdyn::crypto::initial_decryptor a;
    REQUIRE(a.set_connection(1, qv::hex(qv::dcid)) == initial_error::none);
    pktdyn::crypto::initial_decryptor b = std::move(a);
    CHECK(b.ready());
    CHECK_FALSE(a.ready());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    const auto client = qv::hex(qv::v1::client_packet);
    std::vector<std::byte> out(client.size());
    pktdyn::crypto::opened_initial o;
    CHECK(b.open(pktdyn::quic::long_header::parse(client), sender::client, out, o) == initial_error::none);
    pktdyn::crypto::initial_decryptor c;
    c = std::move(b);
    CHECK(c.open(pktdyn::quic::long_header::parse(client), sender::client, out, o) == initial_error::none);
}

TEST_CASE("A v2 server Initial opens with keys first set for v1 from the same DCID", "[crypto][quic_initial]") {
    // Compatible version negotiation (RFC 9369 §4): the client starts in v1, the server answers
    // in v2; the decryptor re-derives for v2 from the DCID it kept.
    pktdyn::crypto::initial_decryptor dec;
    REQUIRE(dec.set_connection(1, qv::hex(qv::dcid)) == initial_error::none);
    const auto server = qv::hex(qv::v2::server_packet);
    std::vector<std::byte> out(server.size());
    pktdyn::crypto::opened_initial o;
    CHECK(dec.open(pktdyn::quic::long_header::parse(server), sender::server, out, o) == initial_error::none);
    CHECK(dec.version() == pktdyn::quic::version_2);
}

TEST_CASE("Initials protected by scripts/make_quic_seeds.py (python3-cryptography) open and reassemble",
          "[crypto][quic_initial]") {
    // An independent implementation of RFC 9001 §5 made these; the drafts-29 seed also reverses
    // its CRYPTO frames, as Chrome does.
    const std::filesystem::path dir = std::filesystem::path(PKTDYN_SOURCE_DIR) / "tests/fuzz/corpus/quic";
    for (const char* name : {"v1_client_initial", "v2_client_initial", "draft29_reordered_crypto"}) {
        INFO(name);
        std::ifstream in(dir / name, std::ios::binary);
        std::vector<char> raw{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        REQUIRE(raw.size() > 1);
        std::vector<std::byte> datagram(raw.size() - 1);
        std::transform(raw.begin() + 1, raw.end(), datagram.begin(), [](char c) { return static_cast<std::byte>(c); });
        const auto h = pktdyn::quic::long_header::parse(datagram);
        REQUIRE(h.ok());
        pktdyn::crypto::initial_decryptor dec;
        REQUIRE(dec.set_connection(h.version, h.dcid) == initial_error::none);
        std::vector<std::byte> out(h.size);
        pktdyn::crypto::opened_initial o;
        REQUIRE(dec.open(h, sender::client, out, o) == initial_error::none);
        pktdyn::quic::crypto_stream<4096> stream;
        CHECK(pktdyn::quic::collect_crypto(o.payload, stream, h.version));
        REQUIRE(stream.first_message_complete());
        const auto ch = stream.contiguous();
        const std::string_view text{reinterpret_cast<const char*>(ch.data()), ch.size()};
        CHECK(text.find("example.com") != std::string_view::npos);
    }
}
