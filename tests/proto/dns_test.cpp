#include "pktdyn/proto/dns.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "pktdyn/core/text.hpp"
#include "support/capture_builder.hpp"

namespace {

using pktdyn::dns_status;
using pktdyn::test::bytes;
using pktdyn::test::byte_writer;

/// A response written by hand, with its offsets noted:
///   12  question www.example.com A IN       ("example" label at 16)
///   33  answer   www.example.com (ptr 12) CNAME cdn.example.net, TTL 300
///   ..  answer   cdn.example.net (ptr)    A 93.184.216.34, TTL 60
///   ..  answer   cdn.example.net (ptr)    AAAA 2001:db8::1, TTL 60
///   ..  answer   www.example.com (ptr 12) MX 10 mail.example.com, TXT "v=spf1" "-all"
///   ..  authority example.com (ptr 16)    SOA ns1 (ptr) hostmaster (ptr) 2024010101 7200 900 1209600 3600
///   ..  additional <root> OPT size 1232, extended rcode 1, version 0, DO, option 10 (cookie) 8 bytes
struct response {
    bytes data;
    std::size_t cname_target = 0;
};

response make_response() {
    byte_writer w{true};
    w.u16(0xBEEF).u16(0x8183).u16(1).u16(5).u16(1).u16(1);  // QR RD RA, rcode 3 (NXDOMAIN low bits)
    w.dns_name("www.example.com");
    w.u16(1).u16(1);
    // CNAME
    w.u16(0xC00C).u16(5).u16(1).u32(300);
    const std::size_t rdlen_at = w.size();
    w.u16(0);
    const std::size_t cname_target = w.size();
    w.u8(3).text("cdn").u8(7).text("example").u8(3).text("net").u8(0);
    const auto rdlen = static_cast<std::uint16_t>(w.size() - cname_target);
    w.data()[rdlen_at] = std::byte{static_cast<std::uint8_t>(rdlen >> 8)};
    w.data()[rdlen_at + 1] = std::byte{static_cast<std::uint8_t>(rdlen)};
    const auto cdn_ptr = static_cast<std::uint16_t>(0xC000 | cname_target);
    // A, AAAA
    w.u16(cdn_ptr).u16(1).u16(1).u32(60).u16(4).u8(93).u8(184).u8(216).u8(34);
    w.u16(cdn_ptr).u16(28).u16(1).u32(60).u16(16).u16(0x2001).u16(0x0db8).u32(0).u32(0).u16(0).u16(1);
    // MX 10 mail.<ptr example.com at 16>
    w.u16(0xC00C).u16(15).u16(1).u32(3600).u16(2 + 5 + 2).u16(10).u8(4).text("mail").u16(0xC010);
    // TXT
    w.u16(0xC00C).u16(16).u16(1).u32(3600).u16(7 + 5).u8(6).text("v=spf1").u8(4).text("-all");
    // SOA in authority
    w.u16(0xC010).u16(6).u16(1).u32(3600).u16(6 + 13 + 20);
    w.u8(3).text("ns1").u16(0xC010).u8(10).text("hostmaster").u16(0xC010);
    w.u32(2024010101).u32(7200).u32(900).u32(1209600).u32(3600);
    // OPT: class = payload size, TTL = ext-rcode(8) version(8) DO(1) Z(15)
    w.u8(0).u16(41).u16(1232).u32(0x01008000).u16(12).u16(10).u16(8).u64(0x0102030405060708ull);
    return {w.data(), cname_target};
}

std::string decoded(const pktdyn::dns_name_ref& ref, pktdyn::dns_case c = pktdyn::dns_case::as_is) {
    pktdyn::dns_name n;
    const auto r = ref.decode(n, c);
    return r.status == dns_status::complete ? std::string(n.view()) : "<" + std::string(to_string(r.status)) + ">";
}

}  // namespace

TEST_CASE("a response's header, questions and records read as written", "[proto][dns]") {
    const auto m = make_response();
    pktdyn::dns_record_reader rd{m.data};
    REQUIRE(rd.has_header());
    const auto& h = rd.header();
    CHECK(h.id == 0xBEEF);
    CHECK(h.qr());
    CHECK(h.opcode() == 0);
    CHECK_FALSE(h.aa());
    CHECK_FALSE(h.tc());
    CHECK(h.rd());
    CHECK(h.ra());
    CHECK(h.rcode() == 3);
    CHECK(pktdyn::dns_rcode_name(h.rcode()) == "NXDOMAIN");
    CHECK(h.record_count() == 8);

    std::vector<pktdyn::dns_record> records;
    for (const auto& r : rd) records.push_back(r);
    REQUIRE(rd.status() == dns_status::complete);
    REQUIRE(records.size() == 8);
    CHECK(rd.position() == m.data.size());

    CHECK(records[0].section == pktdyn::dns_section::question);
    CHECK(decoded(records[0].name) == "www.example.com");
    CHECK(records[0].type == pktdyn::dns_type::a);
    CHECK(records[0].class_code() == 1);

    CHECK(records[1].section == pktdyn::dns_section::answer);
    CHECK(records[1].type == pktdyn::dns_type::cname);
    CHECK(records[1].ttl == 300);
    CHECK(decoded(records[1].name) == "www.example.com");
    REQUIRE(records[1].target());
    CHECK(decoded(*records[1].target()) == "cdn.example.net");
    CHECK(records[1].rdata_offset == m.cname_target);

    CHECK(decoded(records[2].name) == "cdn.example.net");
    CHECK(records[2].ttl == 60);
    REQUIRE(records[2].address());
    CHECK(records[2].address()->to_string() == "93.184.216.34");
    CHECK(records[3].address()->to_string() == "2001:db8::1");
    CHECK_FALSE(records[1].address());

    CHECK(records[4].mx_preference() == 10);
    CHECK(decoded(*records[4].target()) == "mail.example.com");

    std::vector<std::string> texts;
    CHECK(records[5].for_each_text([&](std::string_view s) { texts.emplace_back(s); }));
    CHECK(texts == std::vector<std::string>{"v=spf1", "-all"});

    CHECK(records[6].section == pktdyn::dns_section::authority);
    const auto soa = records[6].soa();
    REQUIRE(soa);
    CHECK(decoded(soa->mname) == "ns1.example.com");
    CHECK(decoded(soa->rname) == "hostmaster.example.com");
    CHECK(soa->serial == 2024010101);
    CHECK(soa->expire == 1209600);
    CHECK(soa->minimum == 3600);

    CHECK(records[7].section == pktdyn::dns_section::additional);
    CHECK(decoded(records[7].name) == ".");
    const auto opt = records[7].opt();
    REQUIRE(opt);
    CHECK(opt->udp_payload_size == 1232);
    CHECK(opt->extended_rcode == 1);
    CHECK(opt->version == 0);
    CHECK(opt->dnssec_ok);
    CHECK(opt->rcode(h) == 19);  // (1 << 4) | 3
    CHECK(pktdyn::dns_rcode_name(opt->rcode(h)) == "BADMODE");
    int options = 0;
    CHECK(opt->for_each_option([&](std::uint16_t code, std::span<const std::byte> data) {
        CHECK(code == 10);
        CHECK(data.size() == 8);
        ++options;
    }));
    CHECK(options == 1);
}

TEST_CASE("rcode and type names follow the IANA registries", "[proto][dns]") {
    CHECK(pktdyn::dns_rcode_name(0) == "NOERROR");
    CHECK(pktdyn::dns_rcode_name(1) == "FORMERR");
    CHECK(pktdyn::dns_rcode_name(2) == "SERVFAIL");
    CHECK(pktdyn::dns_rcode_name(5) == "REFUSED");
    CHECK(pktdyn::dns_rcode_name(16) == "BADVERS");
    CHECK(pktdyn::dns_rcode_name(23) == "BADCOOKIE");
    CHECK(pktdyn::dns_rcode_name(12).empty());
    CHECK(pktdyn::dns_rcode_name(4095).empty());
    CHECK(pktdyn::dns_type_name(28) == "AAAA");
    CHECK(pktdyn::dns_type_name(65) == "HTTPS");
    CHECK(pktdyn::dns_type_name(9999).empty());
}

TEST_CASE("a response cut at every byte yields the records before the cut and reads nothing past it", "[proto][dns]") {
    const auto m = make_response();
    std::vector<std::size_t> ends;  // where each record ends
    {
        pktdyn::dns_record_reader rd{m.data};
        pktdyn::dns_record r;
        while (rd.next(r)) ends.push_back(rd.position());
    }
    for (std::size_t n = 0; n < m.data.size(); ++n) {
        const bytes cut(m.data.begin(), m.data.begin() + static_cast<std::ptrdiff_t>(n));
        pktdyn::dns_record_reader rd{cut};
        INFO("cut at " << n);
        CHECK(rd.has_header() == (n >= 12));
        std::size_t count = 0;
        for (const auto& r : rd) {
            pktdyn::dns_name name;
            (void)r.name.decode(name);  // names point back into the cut message only
            if (auto t = r.target()) (void)t->decode(name);
            (void)r.soa();
            ++count;
        }
        CHECK(rd.status() == dns_status::truncated);
        const auto expected = static_cast<std::size_t>(std::count_if(ends.begin(), ends.end(), [&](std::size_t e) { return e <= n; }));
        CHECK(count == expected);
    }
}

TEST_CASE("names escape odd bytes and can be lowercased", "[proto][dns]") {
    byte_writer w{true};
    w.u16(1).u16(0).u16(1).u16(0).u16(0).u16(0);
    w.u8(3).text("a.b").u8(2).text("\\ ").u8(2).u8(7).u8(0xE4).u8(3).text("WwW").u8(0);
    w.u16(1).u16(1);
    pktdyn::dns_record_reader rd{w.data()};
    pktdyn::dns_record r;
    REQUIRE(rd.next(r));
    // pktdyn text's escapes (core/text.hpp): "\\" for a backslash, \xHH for a dot inside a label,
    // space, controls and bytes above 0x7e.
    CHECK(decoded(r.name) == "a\\x2eb.\\\\\\x20.\\x07\\xe4.WwW");
    CHECK(decoded(r.name, pktdyn::dns_case::lower) == "a\\x2eb.\\\\\\x20.\\x07\\xe4.www");
    CHECK(pktdyn::unescape_text(decoded(r.name)) == std::string("a.b.\\ .\x07\xe4.WwW"));
}

TEST_CASE("compression loops, forward pointers, bad label types and long names are malformed", "[proto][dns]") {
    const auto header = [](byte_writer& w) { w.u16(1).u16(0).u16(1).u16(0).u16(0).u16(0); };
    const auto question_name = [](byte_writer& w) {
        pktdyn::dns_record_reader rd{w.data()};
        pktdyn::dns_record r;
        pktdyn::dns_name n;
        if (!rd.next(r)) return std::pair{rd.status(), pktdyn::dns_name_result{}};
        return std::pair{rd.status(), r.name.decode(n)};
    };

    SECTION("a pointer to itself") {
        byte_writer w{true};
        header(w);
        w.u16(0xC00C).u16(1).u16(1);
        CHECK(question_name(w).second.status == dns_status::malformed);
    }
    SECTION("two pointers to each other") {
        byte_writer w{true};
        header(w);
        w.u8(1).text("a").u16(0xC010).u16(0xC00C).u16(1).u16(1);  // 12: "a" -> 16, 16: -> 12
        pktdyn::dns_name n;
        CHECK(pktdyn::dns_name_ref{w.data(), 12}.decode(n).status == dns_status::malformed);
        CHECK(pktdyn::dns_name_ref{w.data(), 16}.decode(n).status == dns_status::malformed);
    }
    SECTION("a pointer forward or past the end") {
        byte_writer w{true};
        header(w);
        w.u16(0xC0FF).u16(1).u16(1);
        CHECK(question_name(w).second.status == dns_status::malformed);
        byte_writer v{true};
        header(v);
        v.u16(0xC011).u16(1).u16(1).u8(0);  // 17 is after the pointer, inside the message
        CHECK(question_name(v).second.status == dns_status::malformed);
    }
    SECTION("label types 01 and 10 (lengths of 64 and more)") {
        byte_writer w{true};
        header(w);
        w.u8(64).text(std::string(64, 'a')).u8(0).u16(1).u16(1);
        CHECK(question_name(w).first == dns_status::malformed);
        byte_writer v{true};
        header(v);
        v.u8(0x80).u8(0).u16(1).u16(1);
        CHECK(question_name(v).first == dns_status::malformed);
    }
    SECTION("names of 255 octets pass, 256 do not") {
        byte_writer w{true};
        header(w);
        for (int i = 0; i < 3; ++i) w.u8(63).text(std::string(63, 'a'));
        w.u8(61).text(std::string(61, 'b')).u8(0).u16(1).u16(1);  // 3*64 + 62 + 1 = 255
        const auto ok = question_name(w);
        CHECK(ok.first == dns_status::complete);
        CHECK(ok.second.status == dns_status::complete);
        CHECK(ok.second.wire_length == 255);
        CHECK(ok.second.labels == 4);

        byte_writer v{true};
        header(v);
        for (int i = 0; i < 3; ++i) v.u8(63).text(std::string(63, 'a'));
        v.u8(62).text(std::string(62, 'b')).u8(0).u16(1).u16(1);  // 256
        CHECK(question_name(v).first == dns_status::malformed);

        // Over 255 only once a pointer is followed: the skip cannot see it, the decode can.
        byte_writer x{true};
        x.u16(1).u16(0).u16(2).u16(0).u16(0).u16(0);
        for (int i = 0; i < 3; ++i) x.u8(63).text(std::string(63, 'a'));
        x.u8(61).text(std::string(61, 'b')).u8(0).u16(1).u16(1);
        x.u8(1).text("c").u16(0xC00C).u16(1).u16(1);
        pktdyn::dns_record_reader rd{x.data()};
        pktdyn::dns_record r;
        REQUIRE(rd.next(r));
        REQUIRE(rd.next(r));
        pktdyn::dns_name n;
        CHECK(r.name.decode(n).status == dns_status::malformed);
    }
    SECTION("a name running past the bytes is truncated") {
        byte_writer w{true};
        header(w);
        w.u8(10).text("abc");
        CHECK(question_name(w).first == dns_status::truncated);
    }
    SECTION("escapes that do not fit the buffer clip the text") {
        byte_writer w{true};
        header(w);
        for (int i = 0; i < 3; ++i) w.u8(63).raw(bytes(63, std::byte{1}));
        w.u8(0).u16(1).u16(1);
        pktdyn::dns_record_reader rd{w.data()};
        pktdyn::dns_record r;
        REQUIRE(rd.next(r));
        pktdyn::dns_name n;
        CHECK(r.name.decode(n).status == dns_status::complete);
        CHECK(n.clipped);
        CHECK(n.view().size() == 63 * 4 + 1);  // the first label's 63 "\x01" and its dot; no half escape
        CHECK(n.view().substr(0, 8) == "\\x01\\x01");
    }
}

TEST_CASE("an rdata length past the message is truncated, one inside it bounds typed views", "[proto][dns]") {
    byte_writer w{true};
    w.u16(1).u16(0x8000).u16(0).u16(2).u16(0).u16(0);
    w.u8(0).u16(1).u16(1).u32(5).u16(3).u8(1).u8(2).u8(3);  // A with 3 bytes: no address
    w.u8(0).u16(16).u16(1).u32(5).u16(2).u8(5).u8('x');     // TXT string longer than its rdata
    pktdyn::dns_record_reader rd{w.data()};
    pktdyn::dns_record r;
    REQUIRE(rd.next(r));
    CHECK_FALSE(r.address());
    REQUIRE(rd.next(r));
    CHECK_FALSE(r.for_each_text([](std::string_view) {}));
    CHECK(rd.status() == dns_status::complete);

    byte_writer v{true};
    v.u16(1).u16(0x8000).u16(0).u16(1).u16(0).u16(0);
    v.u8(0).u16(1).u16(1).u32(5).u16(40).u8(1);
    pktdyn::dns_record_reader cut{v.data()};
    CHECK_FALSE(cut.next(r));
    CHECK(cut.status() == dns_status::truncated);
}

TEST_CASE("mDNS class bits are split off", "[proto][dns]") {
    byte_writer w{true};
    w.u16(0).u16(0x8400).u16(0).u16(1).u16(0).u16(0);
    w.dns_name("printer.local");
    w.u16(1).u16(0x8001).u32(120).u16(4).u32(0xC0A80105);
    pktdyn::dns_record_reader rd{w.data()};
    pktdyn::dns_record r;
    REQUIRE(rd.next(r));
    CHECK(r.rclass == 0x8001);
    CHECK(r.class_code() == 1);
    CHECK(r.mdns_flag());
    CHECK(r.address()->to_string() == "192.168.1.5");
}

TEST_CASE("DNS over TCP splits length-prefixed messages and reports a partial last one", "[proto][dns]") {
    const auto m = make_response();
    byte_writer w{true};
    w.u16(static_cast<std::uint16_t>(m.data.size())).raw(m.data);
    w.u16(static_cast<std::uint16_t>(m.data.size())).raw(m.data);
    w.u16(static_cast<std::uint16_t>(m.data.size())).raw(std::span{m.data}.first(20));
    pktdyn::dns_tcp_reader tr{w.data()};
    pktdyn::dns_tcp_message msg;
    REQUIRE(tr.next(msg));
    CHECK(msg.complete);
    CHECK(msg.message.size() == m.data.size());
    CHECK(pktdyn::dns_record_reader{msg.message}.header().id == 0xBEEF);
    REQUIRE(tr.next(msg));
    CHECK(msg.complete);
    CHECK(tr.consumed() == 2 * (2 + m.data.size()));
    REQUIRE(tr.next(msg));
    CHECK_FALSE(msg.complete);
    CHECK(msg.length == m.data.size());
    CHECK(msg.message.size() == 20);
    CHECK(pktdyn::dns_record_reader{msg.message}.header().id == 0xBEEF);
    CHECK_FALSE(tr.next(msg));
    CHECK(tr.need_more());
    CHECK(tr.consumed() == 2 * (2 + m.data.size()));

    const bytes one{std::byte{0}};
    pktdyn::dns_tcp_reader half{one};
    CHECK_FALSE(half.next(msg));
    CHECK(half.need_more());
    pktdyn::dns_tcp_reader none{std::span<const std::byte>{}};
    CHECK_FALSE(none.next(msg));
    CHECK_FALSE(none.need_more());
}
