// QUIC wire image: varints against RFC 9000 §A.1's examples, headers against RFC 9001 / RFC 9369
// Appendix A packets and hand-built packets laid out from RFC 9000 §17, frames against the
// RFC's decrypted payloads.
#include "pktdyn/proto/quic.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

#include <catch2/catch.hpp>

#include "support/capture_builder.hpp"
#include "support/quic_vectors.hpp"

namespace {
namespace qv = pktdyn::test::quic_vectors;
using namespace pktdyn::quic;

std::uint64_t varint_of(std::string_view hex_text, std::size_t* used = nullptr) {
    const auto b = qv::hex(hex_text);
    pktdyn::cursor c{b};
    const auto v = read_varint(c);
    if (used) *used = c.ok() ? c.position() : 0;
    return c.ok() ? v : ~std::uint64_t{0};
}

std::vector<std::byte> cat(std::initializer_list<std::vector<std::byte>> parts) {
    std::vector<std::byte> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}
}  // namespace

TEST_CASE("Varints decode RFC 9000 A.1's examples and fail when cut", "[proto][quic]") {
    std::size_t used = 0;
    CHECK(varint_of("c2197c5eff14e88c", &used) == 151288809941952652);
    CHECK(used == 8);
    CHECK(varint_of("9d7f3e7d", &used) == 494878333);
    CHECK(used == 4);
    CHECK(varint_of("7bbd", &used) == 15293);
    CHECK(used == 2);
    CHECK(varint_of("25", &used) == 37);
    CHECK(varint_of("4025", &used) == 37);  // non-minimal encodings are allowed
    CHECK(varint_of("ffffffffffffffff") == max_varint);
    CHECK(varint_of("00") == 0);
    CHECK(varint_of("c2197c5eff14e8") == ~std::uint64_t{0});  // one byte short
    CHECK(varint_of("40") == ~std::uint64_t{0});
    CHECK(varint_of("") == ~std::uint64_t{0});
    CHECK(varint_size(0x00) == 1);
    CHECK(varint_size(0x7f) == 2);
    CHECK(varint_size(0xbf) == 4);
    CHECK(varint_size(0xc0) == 8);
}

TEST_CASE("Version names follow nDPI's spelling", "[proto][quic]") {
    CHECK(name_of(0x00000001) == "V-1");
    CHECK(name_of(0x6b3343cf) == "V-2");
    CHECK(name_of(0xff00001d) == "Draft-29");
    CHECK(name_of(0xff000017) == "Draft-23");
    CHECK(name_of(0xfaceb001) == "MVFST-22");
    CHECK(name_of(0xfaceb002) == "MVFST-27");
    CHECK(name_of(0xfaceb00e) == "MVFST-EXP");
    CHECK(name_of(0x51303436) == "Q046");
    CHECK(name_of(0x54303531) == "T051");
    CHECK(name_of(0) == "Ver-Negotiation");
    CHECK(name_of(0x1a2a3a4a) == "Ver-Negotiation");  // reserved versions: nDPI's name
    CHECK(name_of(0x12345678) == "0x12345678");
    CHECK(classify(0x1a2a3a4a).family == version_family::forced_negotiation);
    CHECK(classify(0x51303530).initial_keys);
    CHECK_FALSE(classify(0x51303530).tls);
    CHECK(classify(0x54303531).tls);
    CHECK_FALSE(classify(0x51303436).ietf_long_header);
    CHECK(classify(0x709a50c4).v2_types);
}

TEST_CASE("The RFC 9001 A.2 client Initial parses as a long header", "[proto][quic]") {
    const auto p = qv::hex(qv::v1::client_packet);
    const auto h = long_header::parse(p);
    REQUIRE(h.ok());
    CHECK(h.type == packet_type::initial);
    CHECK(h.version == version_1);
    CHECK(h.fixed_bit);
    CHECK(std::vector<std::byte>(h.dcid.begin(), h.dcid.end()) == qv::hex(qv::dcid));
    CHECK(h.scid.empty());
    CHECK(h.token.empty());
    CHECK(h.length == 1182);  // "The unprotected header indicates a length of 1182 bytes"
    CHECK(h.pn_offset == 18);  // RFC: header[18..21] holds the packet number
    CHECK(h.size == p.size());
}

TEST_CASE("QUIC v2 long header types use RFC 9369's numbering", "[proto][quic]") {
    const auto client = qv::hex(qv::v2::client_packet), server = qv::hex(qv::v2::server_packet),
               retry = qv::hex(qv::v2::retry_packet), retry1 = qv::hex(qv::v1::retry_packet);
    const auto c = long_header::parse(client);
    REQUIRE(c.ok());
    CHECK(c.type == packet_type::initial);  // 0b01 in v2
    const auto s = long_header::parse(server);
    REQUIRE(s.ok());
    CHECK(s.type == packet_type::initial);
    CHECK(s.scid.size() == 8);
    CHECK(s.pn_offset == 18);
    const auto r = long_header::parse(retry);  // 0b00 in v2 is Retry
    REQUIRE(r.ok());
    CHECK(r.type == packet_type::retry);
    // v1's Retry (RFC 9001 A.4): token "token", then the 16-byte tag.
    const auto r1 = long_header::parse(retry1);
    REQUIRE(r1.ok());
    CHECK(r1.type == packet_type::retry);
    CHECK(std::string_view(reinterpret_cast<const char*>(r1.token.data()), r1.token.size()) == "token");
    CHECK(r1.retry_tag.size() == 16);
}

TEST_CASE("Coalesced packets in one datagram are walked up to the short header", "[proto][quic]") {
    // Server datagram: Initial (RFC 9001 A.3) + a Handshake packet + a short header packet.
    const auto initial = qv::hex(qv::v1::server_packet);
    pktdyn::test::byte_writer hs{true};
    hs.u8(0xe0).u32(1).u8(0).u8(8).u64(0xf067a5502a4262b5).u8(0x40).u8(20);  // Handshake, Length 20
    for (int i = 0; i < 20; ++i) hs.u8(static_cast<std::uint8_t>(i));
    pktdyn::test::byte_writer sh{true};
    sh.u8(0x60).u64(0x1122334455667788).u32(0xdeadbeef);  // spin set
    const auto datagram = cat({initial, hs.data(), sh.data()});

    datagram_walker w{datagram};
    long_header h;
    REQUIRE(w.next(h));
    CHECK(h.type == packet_type::initial);
    CHECK(h.size == initial.size());
    REQUIRE(w.next(h));
    CHECK(h.type == packet_type::handshake);
    CHECK(h.length == 20);
    CHECK_FALSE(w.next(h));
    CHECK(w.status() == parse_status::ok);
    CHECK(w.count() == 2);
    REQUIRE(w.rest().size() == sh.size());
    const auto s = short_header::parse(w.rest(), 8);
    REQUIRE(s.ok);
    CHECK(s.spin);
    CHECK(s.dcid.size() == 8);

    // A Length past the datagram stops the walk as truncated.
    auto cut = datagram;
    cut.resize(initial.size() + 10);
    datagram_walker t{cut};
    REQUIRE(t.next(h));
    CHECK_FALSE(t.next(h));
    CHECK(t.status() == parse_status::truncated);
    CHECK(t.count() == 1);
}

TEST_CASE("Version Negotiation packets list their versions", "[proto][quic]") {
    pktdyn::test::byte_writer w{true};
    w.u8(0xc3).u32(0).u8(4).u32(0x01020304).u8(0).u32(1).u32(0xff00001d).u32(0x1a2a3a4a);
    const auto h = long_header::parse(w.data());
    REQUIRE(h.ok());
    CHECK(h.type == packet_type::version_negotiation);
    REQUIRE(h.version_count() == 3);
    CHECK(h.supported_version(0) == 1);
    CHECK(h.supported_version(1) == 0xff00001d);
    CHECK(h.supported_version(2) == 0x1a2a3a4a);
    CHECK(h.supported_version(3) == 0);
    CHECK(looks_like_quic(w.data()).quic);

    pktdyn::test::byte_writer bad{true};
    bad.u8(0x80).u32(0).u8(0).u8(0).u16(1);  // a version list that is not a multiple of 4
    CHECK(long_header::parse(bad.data()).status == parse_status::malformed);
    pktdyn::test::byte_writer empty{true};
    empty.u8(0x80).u32(0).u8(0).u8(0);
    CHECK(long_header::parse(empty.data()).status == parse_status::malformed);
}

TEST_CASE("Long headers with oversized connection IDs or cut anywhere fail cleanly", "[proto][quic]") {
    pktdyn::test::byte_writer w{true};
    w.u8(0xc0).u32(1).u8(21);
    for (int i = 0; i < 21; ++i) w.u8(0);
    w.u8(0).u8(0).u8(0x41).u8(0).u8(0);
    CHECK(long_header::parse(w.data()).status == parse_status::malformed);

    const auto p = qv::hex(qv::v1::client_packet);
    for (std::size_t n = 0; n < p.size(); ++n) {
        std::vector<std::byte> cut(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(n));
        const auto h = long_header::parse(cut);
        CHECK(h.status == parse_status::truncated);
        datagram_walker dw{cut};
        long_header x;
        CHECK_FALSE(dw.next(x));
    }
    const auto q046 = qv::hex("c051303436");
    CHECK(long_header::parse(q046).status == parse_status::unsupported);
}

TEST_CASE("looks_like_quic accepts QUIC first packets and rejects other UDP payloads", "[proto][quic]") {
    const auto client = qv::hex(qv::v1::client_packet);
    const auto d = looks_like_quic(client);
    CHECK(d.quic);
    CHECK(d.type == packet_type::initial);
    CHECK(d.version == 1);
    CHECK(looks_like_quic(qv::hex(qv::v2::client_packet)).quic);
    CHECK(looks_like_quic(qv::hex(qv::v1::server_packet)).quic);  // short, but has an SCID
    // A DNS query, a TLS record, an unknown version, a long header without the fixed bit.
    CHECK_FALSE(looks_like_quic(qv::hex("abcd01000001000000000000076578616d706c6503636f6d0000010001")).quic);
    CHECK_FALSE(looks_like_quic(qv::hex("16030100a1010000")).quic);
    auto unknown = client;
    unknown[1] = std::byte{0x12};
    CHECK_FALSE(looks_like_quic(unknown).quic);
    auto no_fixed = client;
    no_fixed[0] &= std::byte{0xbf};
    CHECK_FALSE(looks_like_quic(no_fixed).quic);
    // A short client Initial without SCID is not a client's first datagram (< 1200 bytes).
    std::vector<std::byte> small(client.begin(), client.begin() + 200);
    CHECK_FALSE(looks_like_quic(small).quic);
    // gQUIC Q043 public header: flags 0x09, 8-byte CID, "Q043".
    pktdyn::test::byte_writer g{true};
    g.u8(0x09).u64(0x0102030405060708).u32(0x51303433).u8(1).u32(0);
    const auto gq = looks_like_quic(g.data());
    CHECK(gq.quic);
    CHECK_FALSE(gq.long_header);
    CHECK(gq.version == 0x51303433);
}

TEST_CASE("Frames of the RFC's Initial payloads walk to the end", "[proto][quic]") {
    // RFC 9001 A.2 plaintext: CRYPTO at 0, 241 bytes, then PADDING to 1162 bytes.
    auto client = qv::hex(qv::v1::client_crypto_frame);
    const std::size_t frame_size = client.size();
    client.resize(1162);
    frame_walker w{client};
    initial_frame f;
    REQUIRE(w.next(f));
    CHECK(f.type == frame_type::crypto);
    CHECK(f.offset == 0);
    CHECK(f.data.size() == 241);
    REQUIRE(w.next(f));
    CHECK(f.type == frame_type::padding);
    CHECK(f.padding == 1162 - frame_size);
    CHECK_FALSE(w.next(f));
    CHECK(w.ok());

    // RFC 9001 A.3 plaintext: ACK (largest 0, delay 0, no more ranges), then CRYPTO 90 bytes.
    const auto server = qv::hex(qv::v1::server_payload);
    frame_walker s{server};
    REQUIRE(s.next(f));
    CHECK(f.type == frame_type::ack);
    CHECK(f.largest_acknowledged == 0);
    CHECK(f.ack_ranges == 1);
    REQUIRE(s.next(f));
    CHECK(f.type == frame_type::crypto);
    CHECK(f.data.size() == 90);
    CHECK(std::to_integer<int>(f.data[0]) == 2);  // ServerHello
    CHECK_FALSE(s.next(f));
    CHECK(s.ok());
}

TEST_CASE("ACK with ECN, PING, CONNECTION_CLOSE parse and other frames are malformed in an Initial",
          "[proto][quic]") {
    pktdyn::test::byte_writer w{true};
    w.u8(0x01);                                                   // PING
    w.u8(0x03).u8(10).u8(0x40).u8(0x20).u8(1).u8(2).u8(1).u8(3);  // ACK-ECN: 1 extra range
    w.u8(4).u8(5).u8(6);                                          // ECT0 ECT1 CE
    w.u8(0x1c).u8(0x0a).u8(0x06).u8(3).text("bye");               // CONNECTION_CLOSE
    frame_walker fw{w.data()};
    initial_frame f;
    REQUIRE(fw.next(f));
    CHECK(f.type == frame_type::ping);
    REQUIRE(fw.next(f));
    CHECK(f.type == frame_type::ack);
    CHECK(f.ecn);
    CHECK(f.largest_acknowledged == 10);
    CHECK(f.ack_delay == 32);
    CHECK(f.ack_ranges == 2);
    CHECK(f.ecn_counts == std::array<std::uint64_t, 3>{4, 5, 6});
    REQUIRE(fw.next(f));
    CHECK(f.type == frame_type::connection_close);
    CHECK(f.error_code == 10);
    CHECK(f.frame_type_closed == 6);
    CHECK(f.data.size() == 3);
    CHECK_FALSE(fw.next(f));
    CHECK(fw.ok());

    for (std::string_view bad : {"08", "1d00000000", "1e", "0600ff", "02000000ffffffff", "1c0000ff"}) {
        const auto b = qv::hex(bad);
        frame_walker x{b};
        while (x.next(f)) {
        }
        CHECK_FALSE(x.ok());
    }
}

TEST_CASE("crypto_stream reassembles out of order and overlapping frames", "[proto][quic]") {
    std::vector<std::byte> hello(300);
    hello[0] = std::byte{1};
    hello[2] = std::byte{1};
    hello[3] = std::byte{40};  // 24-bit length 296: 4 + 296 = 300 bytes
    for (std::size_t i = 4; i < hello.size(); ++i) hello[i] = static_cast<std::byte>(i);
    const std::span<const std::byte> all{hello};

    crypto_stream<1024> s;
    s.add(200, all.subspan(200, 100));
    CHECK(s.contiguous().empty());
    CHECK(s.has_gap());
    s.add(0, all.subspan(0, 3));
    CHECK(s.first_message_size() == 0);  // 3 bytes do not hold the header yet
    s.add(50, all.subspan(50, 160));     // overlaps the first frame
    s.add(2, all.subspan(2, 60));
    CHECK(s.contiguous().size() == 300);
    CHECK(s.first_message_size() == 300);
    CHECK(s.first_message_complete());
    CHECK_FALSE(s.has_gap());
    CHECK(std::equal(all.begin(), all.end(), s.contiguous().begin()));
    CHECK(s.conflicting_bytes() == 0);
    CHECK(s.frames() == 4);

    // Overlap with other bytes: the first ones stay, the disagreement is counted.
    std::vector<std::byte> liar(10, std::byte{0xee});
    s.add(10, liar);
    CHECK(s.conflicting_bytes() == 10);
    CHECK(s.contiguous()[10] == hello[10]);
}

TEST_CASE("crypto_stream drops what lies beyond its capacity and says so", "[proto][quic]") {
    crypto_stream<64> s;
    std::vector<std::byte> data(100, std::byte{7});
    data[0] = std::byte{1};
    data[2] = std::byte{1};  // length 256: larger than the buffer
    s.add(0, data);
    CHECK(s.contiguous().size() == 64);
    CHECK(s.bytes_dropped() == 36);
    CHECK_FALSE(s.first_message_complete());
    CHECK(s.first_message_too_large());
    s.add(1000, data);
    CHECK(s.bytes_dropped() == 136);
    s.add(~std::uint64_t{0} - 2, data);  // an offset near the top does not wrap
    CHECK(s.bytes_dropped() == 236);
    s.reset();
    CHECK(s.contiguous().empty());
    CHECK(s.bytes_dropped() == 0);
}

TEST_CASE("collect_crypto feeds an Initial payload's CRYPTO frames into the stream", "[proto][quic]") {
    // Two packets, frames reversed (as Chrome sends them): CRYPTO(5, "world") then CRYPTO(0, ...).
    pktdyn::test::byte_writer a{true}, b{true};
    a.u8(0x06).u8(9).u8(4).text("tail").u8(0).u8(0);  // PADDING after
    b.u8(0x06).u8(0).u8(9).u8(1).u8(0).u8(0).u8(9).text("hello").u8(0x01);
    crypto_stream<256> s;
    CHECK(collect_crypto(a.data(), s));
    CHECK(s.contiguous().empty());
    CHECK(collect_crypto(b.data(), s));
    CHECK(s.contiguous().size() == 13);
    CHECK(s.first_message_complete());  // type 1, length 9: 13 bytes
    CHECK(std::string_view(reinterpret_cast<const char*>(s.contiguous().data()) + 4, 9) == "hellotail");
}

TEST_CASE("Spin bit edges seen in one direction estimate the RTT", "[proto][quic]") {
    spin_tracker t;
    CHECK(t.result().state == spin_state::unseen);
    // 5 packets per half period of 100 ms: value flips every 100 ms (edges at 100, 200, 300, 400).
    const std::int64_t ms = 1'000'000;
    for (int i = 0; i < 25; ++i) t.observe((i / 5) % 2 == 1, i * 20 * ms);
    const auto r = t.result();
    CHECK(r.state == spin_state::in_use);
    CHECK(r.edges == 4);
    CHECK(r.samples == 3);
    CHECK(r.min_ns == 100 * ms);
    CHECK(r.mean_ns == 100 * ms);
    CHECK(r.max_ns == 100 * ms);

    spin_tracker constant;
    for (int i = 0; i < 20; ++i) constant.observe(false, i * ms);
    CHECK(constant.result().state == spin_state::constant);
    CHECK(constant.result().samples == 0);

    spin_tracker greased;  // flips on every packet
    for (int i = 0; i < 20; ++i) greased.observe(i % 2 == 1, i * ms);
    CHECK(greased.result().state == spin_state::random);
    CHECK(greased.result().samples == 0);
}

TEST_CASE("A spin bit counts only when both directions spin", "[proto][quic]") {
    const std::int64_t ms = 1'000'000;
    // Client and server both spinning: RTT 40 ms; each direction flips every 40 ms.
    spin_rtt both;
    for (int i = 0; i < 40; ++i) {
        both.observe(true, (i / 4) % 2 == 1, i * 10 * ms);
        both.observe(false, (i / 4) % 2 == 0, i * 10 * ms + 5 * ms);
    }
    const auto r = both.result();
    CHECK(r.state == spin_state::in_use);
    CHECK(r.mean_ns == 40 * ms);
    CHECK(r.samples >= 8);

    // The client flips (randomly, here in runs of 1-3) while the server's bit never changes.
    spin_rtt greased;
    const bool pattern[] = {false, true, true, false, true, false, false, false, true, true, false, true};
    for (int i = 0; i < 12; ++i) {
        greased.observe(true, pattern[i], i * ms);
        greased.observe(false, false, i * ms);
    }
    CHECK(greased.result().state == spin_state::random);
    CHECK(greased.result().samples == 0);

    spin_rtt off;
    for (int i = 0; i < 10; ++i) off.observe(i % 2 == 0, false, i * ms);
    CHECK(off.result().state == spin_state::constant);
    CHECK(spin_rtt{}.result().state == spin_state::unseen);
}
