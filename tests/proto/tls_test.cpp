// TLS / DTLS parsers against messages built here byte by byte from RFC 8446 / RFC 5246 / RFC 6347
// layouts (the builder below follows the RFCs' structures, not pktdyn's parser), plus a ClientHello
// cut at every byte offset.
#include "pktdyn/proto/tls.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "support/capture_builder.hpp"

namespace {

using pktdyn::test::byte_writer;
using pktdyn::test::bytes;
namespace tls = pktdyn::tls;

void u24(byte_writer& w, std::uint32_t v) { w.u8(static_cast<std::uint8_t>(v >> 16)).u16(static_cast<std::uint16_t>(v)); }

bytes text_bytes(std::string_view s) {
    byte_writer w{true};
    w.text(s);
    return w.data();
}

/// A ClientHello built from parts, remembering where each extension ends (offsets in the message,
/// header included) so the truncation test knows what must be readable at each cut.
struct built_hello {
    bytes message;
    std::size_t ciphers_end = 0;                 ///< offset just past the cipher suites
    std::vector<std::size_t> extension_ends;     ///< offset just past each extension
    std::size_t sni_end = 0, alpn_end = 0, versions_end = 0;
};

built_hello build_client_hello(bool dtls = false) {
    struct ext { std::uint16_t type; bytes data; };
    std::vector<ext> exts;
    {  // server_name: list<host_name "www.example.com">
        byte_writer d{true};
        d.u16(18).u8(0).u16(15).text("www.example.com");
        exts.push_back({0x0000, d.data()});
    }
    exts.push_back({0x0a0a, {}});  // GREASE
    {  // ALPN: h2, http/1.1
        byte_writer d{true};
        d.u16(12).u8(2).text("h2").u8(8).text("http/1.1");
        exts.push_back({0x0010, d.data()});
    }
    {  // supported_versions: GREASE, 1.3, 1.2
        byte_writer d{true};
        d.u8(6).u16(0x3a3a).u16(0x0304).u16(0x0303);
        exts.push_back({0x002b, d.data()});
    }
    {  // supported_groups: x25519, secp256r1
        byte_writer d{true};
        d.u16(4).u16(0x001d).u16(0x0017);
        exts.push_back({0x000a, d.data()});
    }
    {  // ec_point_formats: uncompressed
        byte_writer d{true};
        d.u8(1).u8(0);
        exts.push_back({0x000b, d.data()});
    }
    {  // signature_algorithms
        byte_writer d{true};
        d.u16(6).u16(0x0403).u16(0x0804).u16(0x0401);
        exts.push_back({0x000d, d.data()});
    }
    {  // key_share: x25519 with 32 bytes
        byte_writer d{true};
        d.u16(36).u16(0x001d).u16(32);
        for (int i = 0; i < 32; ++i) d.u8(static_cast<std::uint8_t>(i));
        exts.push_back({0x0033, d.data()});
    }
    {  // session_ticket carrying a ticket, early_data, pre_shared_key (opaque here)
        byte_writer d{true};
        d.u32(0xdeadbeef);
        exts.push_back({0x0023, d.data()});
        exts.push_back({0x002a, {}});
        byte_writer p{true};
        p.u16(0).u16(0);
        exts.push_back({0x0029, p.data()});
    }

    byte_writer ext_block{true};
    std::vector<std::size_t> ends_in_block;
    std::size_t sni_end = 0, alpn_end = 0, versions_end = 0;
    for (const auto& e : exts) {
        ext_block.u16(e.type).u16(static_cast<std::uint16_t>(e.data.size())).raw(e.data);
        ends_in_block.push_back(ext_block.size());
        if (e.type == 0x0000) sni_end = ext_block.size();
        if (e.type == 0x0010) alpn_end = ext_block.size();
        if (e.type == 0x002b) versions_end = ext_block.size();
    }

    byte_writer body{true};
    body.u16(dtls ? 0xfefd : 0x0303);
    for (int i = 0; i < 32; ++i) body.u8(static_cast<std::uint8_t>(0xa0 + i));
    body.u8(4).u32(0x01020304);  // session id
    if (dtls) body.u8(3).u8(7).u8(8).u8(9);  // cookie
    body.u16(8).u16(0x1a1a).u16(0x1301).u16(0xc02b).u16(0x002f);
    const std::size_t ciphers_end_in_body = body.size();
    body.u8(1).u8(0);
    body.u16(static_cast<std::uint16_t>(ext_block.size()));
    const std::size_t block_start_in_body = body.size();
    body.raw(ext_block.data());

    byte_writer msg{true};
    msg.u8(1);
    u24(msg, static_cast<std::uint32_t>(body.size()));
    if (dtls) {
        msg.u16(0);
        u24(msg, 0);
        u24(msg, static_cast<std::uint32_t>(body.size()));
    }
    const std::size_t header = msg.size();
    msg.raw(body.data());

    built_hello h;
    h.message = msg.data();
    h.ciphers_end = header + ciphers_end_in_body;
    for (auto e : ends_in_block) h.extension_ends.push_back(header + block_start_in_body + e);
    h.sni_end = header + block_start_in_body + sni_end;
    h.alpn_end = header + block_start_in_body + alpn_end;
    h.versions_end = header + block_start_in_body + versions_end;
    return h;
}

std::vector<std::string_view> names(const tls::name_list& l) { return {l.begin(), l.end()}; }
std::vector<std::uint16_t> values(const tls::u16_list& l) { return {l.begin(), l.end()}; }

}  // namespace

TEST_CASE("is_grease is true for exactly the sixteen RFC 8701 values", "[proto][tls]") {
    int n = 0;
    for (std::uint32_t v = 0; v <= 0xffff; ++v) n += tls::is_grease(static_cast<std::uint16_t>(v));
    CHECK(n == 16);
    for (int v : {0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa,
                            0xbaba, 0xcaca, 0xdada, 0xeaea, 0xfafa})
        CHECK(tls::is_grease(static_cast<std::uint16_t>(v)));
    CHECK_FALSE(tls::is_grease(0x0a1a));
    CHECK_FALSE(tls::is_grease(0x0303));
}

TEST_CASE("version names follow nDPI's spelling", "[proto][tls]") {
    std::array<char, 12> buf{};
    CHECK(tls::version_name(0x0303, buf) == "TLSv1.2");
    CHECK(tls::version_name(0x0304, buf) == "TLSv1.3");
    CHECK(tls::version_name(0x0301, buf) == "TLSv1");
    CHECK(tls::version_name(0x0300, buf) == "SSLv3");
    CHECK(tls::version_name(0xfeff, buf) == "DTLSv1.0");
    CHECK(tls::version_name(0xfefd, buf) == "DTLSv1.2");
    CHECK(tls::version_name(0xfefc, buf) == "DTLSv1.3");
    CHECK(tls::version_name(0x0100, buf) == "TLS (0100)");  // as labels/flows_detail.csv shows
    CHECK(tls::version_name(0x7a7a, buf) == "GREASE");
}

TEST_CASE("a TLS record header gives type, version, length and the fragment present", "[proto][tls]") {
    byte_writer w{true};
    w.u8(22).u16(0x0301).u16(4).u32(0x01000000);
    const auto r = tls::parse_record(w.data());
    CHECK(r.status == tls::parse_status::complete);
    CHECK(r.type == tls::content_type::handshake);
    CHECK(r.version == 0x0301);
    CHECK(r.length == 4);
    CHECK(r.fragment.size() == 4);
    CHECK(r.wire_size() == 9);
    CHECK(tls::looks_like_record(w.data()));

    const bytes cut(w.data().begin(), w.data().begin() + 7);
    const auto t = tls::parse_record(cut);
    CHECK(t.status == tls::parse_status::truncated);
    CHECK(t.fragment.size() == 2);
    const bytes header_only(w.data().begin(), w.data().begin() + 3);
    CHECK(tls::parse_record(header_only).header_size == 0);
    CHECK_FALSE(tls::looks_like_record(header_only));

    byte_writer big{true};
    big.u8(23).u16(0x0303).u16(0x5000);
    CHECK(tls::parse_record(big.data()).status == tls::parse_status::malformed);
    CHECK_FALSE(tls::looks_like_record(big.data()));
    CHECK_FALSE(tls::looks_like_record(text_bytes("GET / HTTP/1.1\r\n")));
    CHECK_FALSE(tls::looks_like_record(text_bytes("SSH-2.0-OpenSSH_9.2")));
}

TEST_CASE("a DTLS record header carries epoch and the 48-bit sequence number", "[proto][tls]") {
    byte_writer w{true};
    w.u8(22).u16(0xfefd).u16(1).u16(0x0203).u32(0x04050607).u16(2).u8(0xaa).u8(0xbb);
    const auto r = tls::parse_dtls_record(w.data());
    CHECK(r.status == tls::parse_status::complete);
    CHECK(r.type == tls::content_type::handshake);
    CHECK(r.version == 0xfefd);
    CHECK(r.epoch == 1);
    CHECK(r.sequence == 0x020304050607ull);
    CHECK(r.length == 2);
    CHECK(r.header_size == 13);
    CHECK(r.fragment.size() == 2);
    CHECK(tls::looks_like_dtls_record(w.data()));
    CHECK_FALSE(tls::looks_like_record(w.data()));  // version 0xfefd is not TLS
}

TEST_CASE("the record walker yields consecutive records and stops in a cut one", "[proto][tls]") {
    byte_writer w{true};
    w.u8(22).u16(0x0303).u16(2).u16(0x0e00);   // handshake
    w.u8(20).u16(0x0303).u16(1).u8(1);           // change_cipher_spec
    w.u8(21).u16(0x0303).u16(2).u8(2).u8(40);    // alert fatal handshake_failure
    w.u8(23).u16(0x0303).u16(100).u32(0);        // application data, cut
    tls::record_walker walk{w.data()};
    std::vector<tls::content_type> types;
    std::optional<tls::record> last;
    while (auto r = walk.next()) {
        types.push_back(r->type);
        last = r;
        if (r->type == tls::content_type::change_cipher_spec) CHECK(tls::is_change_cipher_spec(r->fragment));
        if (r->type == tls::content_type::alert) {
            const auto a = tls::alert::parse(r->fragment);
            REQUIRE(a);
            CHECK(a->level == tls::alert::fatal);
            CHECK(a->description == 40);
        }
    }
    CHECK(types == std::vector{tls::content_type::handshake, tls::content_type::change_cipher_spec,
                               tls::content_type::alert, tls::content_type::application_data});
    CHECK(walk.status() == tls::parse_status::truncated);
    CHECK(walk.consumed() == 7 + 6 + 7);
    CHECK(last->fragment.size() == 4);
}

TEST_CASE("handshake headers of TLS and DTLS, and the handshake walker", "[proto][tls]") {
    byte_writer w{true};
    w.u8(14).u8(0).u16(0);              // ServerHelloDone
    w.u8(20).u8(0).u16(3).u8(1).u8(2).u8(3);  // Finished-like body
    w.u8(11).u8(0).u16(10).u8(0);       // cut
    tls::handshake_walker walk{w.data()};
    auto a = walk.next();
    REQUIRE(a);
    CHECK(a->type == tls::handshake_type::server_hello_done);
    CHECK(a->length == 0);
    auto b = walk.next();
    REQUIRE(b);
    CHECK(b->body.size() == 3);
    auto c = walk.next();
    REQUIRE(c);
    CHECK(c->status == tls::parse_status::truncated);
    CHECK_FALSE(walk.next());
    CHECK(walk.consumed() == 4 + 7);

    byte_writer d{true};
    d.u8(1).u8(0).u16(300).u16(5).u8(0).u16(100).u8(0).u16(50);
    for (int i = 0; i < 50; ++i) d.u8(0);
    const auto m = tls::parse_dtls_handshake(d.data());
    CHECK(m.status == tls::parse_status::complete);
    CHECK(m.length == 300);
    CHECK(m.message_seq == 5);
    CHECK(m.fragment_offset == 100);
    CHECK(m.fragment_length == 50);
    CHECK_FALSE(m.whole());
    CHECK(m.body.size() == 50);
    CHECK(tls::client_hello::parse(m).status == tls::parse_status::malformed);  // not the first fragment

    byte_writer bad{true};
    bad.u8(1).u8(0).u16(10).u16(0).u8(0).u16(8).u8(0).u16(8);  // offset + length > length
    CHECK(tls::parse_dtls_handshake(bad.data()).status == tls::parse_status::malformed);
}

TEST_CASE("a ClientHello gives its fields and decoded extensions", "[proto][tls]") {
    const auto built = build_client_hello();
    const auto h = tls::client_hello::parse_message(built.message);
    CHECK(h.status == tls::parse_status::complete);
    CHECK(h.legacy_version == 0x0303);
    REQUIRE(h.random.size() == 32);
    CHECK(h.random[0] == std::byte{0xa0});
    CHECK(h.session_id.size() == 4);
    CHECK(values(h.cipher_suites) == std::vector<std::uint16_t>{0x1a1a, 0x1301, 0xc02b, 0x002f});
    CHECK(h.compression_methods.size() == 1);
    CHECK(h.has_extensions);
    std::vector<std::uint16_t> types;
    for (const auto& e : h.extensions) types.push_back(e.type);
    CHECK(types == std::vector<std::uint16_t>{0x0000, 0x0a0a, 0x0010, 0x002b, 0x000a, 0x000b, 0x000d, 0x0033, 0x0023,
                                              0x002a, 0x0029});
    CHECK(h.extensions.size() == 11);
    CHECK(h.extensions.contains(0x000d));
    CHECK_FALSE(h.extensions.contains(0x0015));
    CHECK(h.has_server_name);
    CHECK(h.server_name == "www.example.com");
    CHECK(names(h.alpn) == std::vector<std::string_view>{"h2", "http/1.1"});
    CHECK(h.alpn.front() == "h2");
    CHECK(values(h.supported_versions) == std::vector<std::uint16_t>{0x3a3a, 0x0304, 0x0303});
    CHECK(h.max_version() == 0x0304);
    CHECK(values(h.supported_groups) == std::vector<std::uint16_t>{0x001d, 0x0017});
    CHECK(h.ec_point_formats.size() == 1);
    CHECK(values(h.signature_algorithms) == std::vector<std::uint16_t>{0x0403, 0x0804, 0x0401});
    std::vector<std::uint16_t> groups;
    for (const auto& k : h.key_shares) {
        groups.push_back(k.group);
        CHECK(k.key.size() == 32);
    }
    CHECK(groups == std::vector<std::uint16_t>{0x001d});
    CHECK(h.has_session_ticket);
    CHECK(h.session_ticket_nonempty);
    CHECK(h.has_early_data);
    CHECK(h.has_pre_shared_key);
    CHECK_FALSE(h.has_encrypted_client_hello);
}

TEST_CASE("a DTLS ClientHello has a cookie before the cipher suites", "[proto][tls]") {
    const auto built = build_client_hello(true);
    const auto h = tls::client_hello::parse_message(built.message, true);
    CHECK(h.status == tls::parse_status::complete);
    CHECK(h.dtls);
    CHECK(h.legacy_version == 0xfefd);
    CHECK(h.cookie.size() == 3);
    CHECK(h.cipher_suites.size() == 4);
    CHECK(h.server_name == "www.example.com");
}

TEST_CASE("a ClientHello without extensions, and malformed ones", "[proto][tls]") {
    byte_writer b{true};
    b.u16(0x0301);
    for (int i = 0; i < 32; ++i) b.u8(0);
    b.u8(0).u16(4).u16(0x002f).u16(0x0035).u8(1).u8(0);
    const auto plain = tls::client_hello::parse(b.data());
    CHECK(plain.status == tls::parse_status::complete);
    CHECK_FALSE(plain.has_extensions);
    CHECK(plain.cipher_suites.size() == 2);
    CHECK(plain.extensions.empty());
    CHECK(plain.max_version() == 0x0301);

    // An extensions block longer than the message that is all there: malformed.
    byte_writer m{true};
    m.raw(b.data()).u16(20).u16(0x0000).u16(10).u16(0);
    CHECK(tls::client_hello::parse(m.data()).status == tls::parse_status::malformed);
    // The same bytes as the prefix of a longer declared body: truncated.
    CHECK(tls::client_hello::parse(m.data(), false, m.size() + 14).status == tls::parse_status::truncated);
    // An extension longer than its (complete) block: malformed even when the message is cut later.
    byte_writer inner{true};
    inner.raw(b.data()).u16(6).u16(0x0000).u16(10).u16(0);
    CHECK(tls::client_hello::parse(inner.data(), false, inner.size() + 20).status == tls::parse_status::malformed);

    // An odd cipher suites length.
    byte_writer odd{true};
    odd.u16(0x0303);
    for (int i = 0; i < 32; ++i) odd.u8(0);
    odd.u8(0).u16(3).u16(0x002f).u8(0).u8(1).u8(0);
    CHECK(tls::client_hello::parse(odd.data()).status == tls::parse_status::malformed);

    // A server_name extension whose inner list length contradicts it.
    byte_writer sni{true};
    sni.raw(b.data()).u16(9).u16(0x0000).u16(5).u16(9).u8(0).u16(0);
    const auto s = tls::client_hello::parse(sni.data());
    CHECK(s.status == tls::parse_status::malformed);
    CHECK(s.server_name.empty());

    // Bytes after the extensions block.
    byte_writer trail{true};
    trail.raw(b.data()).u16(4).u16(0x0017).u16(0).u8(0);
    CHECK(tls::client_hello::parse(trail.data()).status == tls::parse_status::malformed);
}

TEST_CASE("a ClientHello cut at every byte offset yields what was fully present", "[proto][tls]") {
    const auto built = build_client_hello();
    const auto& full = built.message;
    for (std::size_t n = 0; n <= full.size(); ++n) {
        const bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));  // exact size: ASan sees over-reads
        const auto h = tls::client_hello::parse_message(cut);
        INFO("cut at " << n << " of " << full.size());
        if (n == full.size()) {
            CHECK(h.status == tls::parse_status::complete);
        } else {
            CHECK(h.status == tls::parse_status::truncated);
        }
        if (n >= built.ciphers_end) CHECK(h.cipher_suites.size() == 4);
        std::size_t whole = 0;
        for (auto e : built.extension_ends) whole += e <= n;
        CHECK(h.extensions.size() == whole);
        CHECK(h.has_server_name == (n >= built.sni_end));
        if (n >= built.sni_end) CHECK(h.server_name == "www.example.com");
        CHECK(h.has_alpn == (n >= built.alpn_end));
        CHECK(h.has_supported_versions == (n >= built.versions_end));
        for (auto v : h.cipher_suites) (void)v;
        for (auto k : h.key_shares) (void)k;
        for (auto a : h.alpn) (void)a;
    }
}

TEST_CASE("a ServerHello gives the selected version, cipher and ALPN", "[proto][tls]") {
    byte_writer b{true};
    b.u16(0x0303);
    for (int i = 0; i < 32; ++i) b.u8(static_cast<std::uint8_t>(i));
    b.u8(0).u16(0x1302).u8(0);
    b.u16(4 + 2 + 4 + 36 + 4 + 5);
    b.u16(0x002b).u16(2).u16(0x0304);
    b.u16(0x0033).u16(36).u16(0x001d).u16(32);
    for (int i = 0; i < 32; ++i) b.u8(0);
    b.u16(0x0010).u16(5).u16(3).u8(2).text("h2");
    const auto h = tls::server_hello::parse(b.data());
    CHECK(h.status == tls::parse_status::complete);
    CHECK(h.legacy_version == 0x0303);
    CHECK(h.selected_version == 0x0304);
    CHECK(h.version() == 0x0304);
    CHECK(h.cipher_suite == 0x1302);
    CHECK(h.has_alpn);
    CHECK(h.alpn == "h2");
    CHECK(h.key_share_group == 0x001d);
    CHECK(h.extensions.size() == 3);
    CHECK_FALSE(h.hello_retry_request);

    // Cut at every offset of the whole message: truncated, never out of bounds.
    byte_writer msg{true};
    msg.u8(2).u8(0).u16(static_cast<std::uint16_t>(b.size())).raw(b.data());
    for (std::size_t n = 0; n < msg.size(); ++n) {
        const bytes part(msg.data().begin(), msg.data().begin() + static_cast<std::ptrdiff_t>(n));
        const auto x = tls::server_hello::parse_message(part);
        INFO("cut at " << n);
        CHECK(x.status == tls::parse_status::truncated);
        CHECK(x.has_alpn == false);
    }
    // Cut inside the ALPN extension: the first two extensions remain, the status says truncated.
    const bytes cut(b.data().begin(), b.data().end() - 3);
    const auto t = tls::server_hello::parse(cut, false, b.size());
    CHECK(t.status == tls::parse_status::truncated);
    CHECK(t.selected_version == 0x0304);
    CHECK_FALSE(t.has_alpn);
    CHECK(t.extensions.size() == 2);
}

TEST_CASE("a HelloRetryRequest is a ServerHello with RFC 8446's special random", "[proto][tls]") {
    // RFC 8446 §4.1.3: SHA-256 of "HelloRetryRequest".
    const std::uint8_t hrr[32] = {0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
                                  0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};
    byte_writer b{true};
    b.u8(2).u8(0).u16(0);  // header, length fixed below
    b.u16(0x0303);
    for (auto x : hrr) b.u8(x);
    b.u8(0).u16(0x1301).u8(0).u16(12).u16(0x002b).u16(2).u16(0x0304).u16(0x0033).u16(2).u16(0x0017);
    auto msg = b.data();
    msg[3] = static_cast<std::byte>(msg.size() - 4);
    const auto h = tls::server_hello::parse_message(msg);
    CHECK(h.status == tls::parse_status::complete);
    CHECK(h.hello_retry_request);
    CHECK(h.key_share_group == 0x0017);
    CHECK(h.version() == 0x0304);
}

TEST_CASE("a Certificate message lists its DER certificates in order", "[proto][tls]") {
    byte_writer b{true};
    b.u8(0).u16(3 + 5 + 3 + 2);
    b.u8(0).u16(5).u8(0x30).u8(3).u8(1).u8(2).u8(3);
    b.u8(0).u16(2).u8(0x30).u8(0);
    const auto l = tls::certificate_list::parse(b.data());
    CHECK(l.status == tls::parse_status::complete);
    std::vector<std::size_t> sizes;
    for (auto c : l) sizes.push_back(c.size());
    CHECK(sizes == std::vector<std::size_t>{5, 2});

    const bytes cut(b.data().begin(), b.data().end() - 1);
    const auto t = tls::certificate_list::parse(cut, false, b.size());
    CHECK(t.status == tls::parse_status::truncated);
    CHECK(t.size() == 1);

    // TLS 1.3: request context, then each certificate followed by its extensions.
    byte_writer t13{true};
    t13.u8(0).u8(0).u16(3 + 2 + 2 + 4);
    t13.u8(0).u16(2).u8(0x30).u8(0).u16(4).u16(5).u16(0);
    const auto l13 = tls::certificate_list::parse(t13.data(), true);
    CHECK(l13.status == tls::parse_status::complete);
    REQUIRE(l13.size() == 1);
    CHECK((*l13.begin()).size() == 2);

    byte_writer zero{true};
    zero.u8(0).u16(3).u8(0).u16(0);
    CHECK(tls::certificate_list::parse(zero.data()).status == tls::parse_status::malformed);
}

TEST_CASE("an encrypted alert is not read as a clear one", "[proto][tls]") {
    byte_writer w{true};
    w.u32(0x01020304);
    CHECK_FALSE(tls::alert::parse(w.data()));
    CHECK_FALSE(tls::is_change_cipher_spec(w.data()));
}
