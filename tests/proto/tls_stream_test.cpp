#include "pktdyn/proto/tls_stream.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "support/capture_builder.hpp"

using namespace pktdyn;

namespace {
struct collector {
    std::vector<tls::stream_record> records;
    std::vector<std::vector<std::byte>> messages;
    bool on_record(const tls::stream_record& r) {
        records.push_back(r);
        return true;
    }
    const tls::stream_reader* reader = nullptr;
    std::size_t after_ccs = 0;
    void on_handshake(std::span<const std::byte> m) {
        if (reader && reader->encrypted()) ++after_ccs;
        else messages.emplace_back(m.begin(), m.end());
    }
};

std::vector<std::byte> message(std::uint8_t type, std::size_t body_length, std::uint8_t fill) {
    test::byte_writer w{true};
    w.u8(type).u8(static_cast<std::uint8_t>(body_length >> 16)).u16(static_cast<std::uint16_t>(body_length));
    w.raw(test::bytes(body_length, std::byte{fill}));
    return w.data();
}
std::vector<std::byte> record(std::uint8_t type, std::span<const std::byte> body) {
    test::byte_writer w{true};
    w.u8(type).u16(0x0303).u16(static_cast<std::uint16_t>(body.size())).raw(body);
    return w.data();
}
std::vector<std::byte> concat(std::initializer_list<std::vector<std::byte>> parts) {
    std::vector<std::byte> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}
}  // namespace

TEST_CASE("tls::stream_reader finds every record and handshake message wherever the stream is cut",
          "[proto][tls_stream]") {
    // Two messages in one record, a third split over two records, a CCS, then an encrypted "handshake".
    const auto hello = message(1, 300, 0x11), key_exchange = message(16, 40, 0x22), certificate = message(11, 5000, 0x33);
    const auto first_record = record(22, concat({hello, key_exchange}));
    const auto cert_a = record(22, std::span(certificate).first(3000)), cert_b = record(22, std::span(certificate).subspan(3000));
    const std::vector<std::byte> ccs_body{std::byte{1}};
    const auto stream = concat({first_record, cert_a, cert_b, record(20, ccs_body), record(22, test::bytes(40)),
                                record(23, test::bytes(100))});
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        for (std::size_t second_cut : {cut, std::min(stream.size(), cut + 7)}) {
            tls::stream_reader reader;
            collector c;
            c.reader = &reader;
            const std::span<const std::byte> s(stream);
            CHECK(reader.feed(s.first(cut), c));
            CHECK(reader.feed(s.subspan(cut, second_cut - cut), c));
            CHECK(reader.feed(s.subspan(second_cut), c));
            REQUIRE(c.records.size() == 6);
            CHECK(c.records[0].length == hello.size() + key_exchange.size());
            CHECK(c.records[3].content_type == 20);
            CHECK(c.records[5].content_type == 23);
            CHECK(c.records[5].length == 100);
            REQUIRE(c.messages.size() == 3);  // the record after the CCS comes flagged as encrypted
            CHECK(c.after_ccs == 10);         // its 40 zero bytes read as ten empty messages of type 0
            CHECK(c.messages[0] == hello);
            CHECK(c.messages[1] == key_exchange);
            CHECK(c.messages[2] == certificate);
            CHECK(reader.encrypted());
        }
    }
}

TEST_CASE("tls::stream_reader stops at bytes that are not TLS records", "[proto][tls_stream]") {
    const std::string http = "GET / HTTP/1.1\r\n";
    tls::stream_reader reader;
    collector c;
    CHECK_FALSE(reader.feed(std::as_bytes(std::span(http)), c));
    CHECK(reader.not_tls());
    CHECK(c.records.empty());
}

TEST_CASE("tls::stream_reader hands over a message longer than its buffer cut at the buffer's length",
          "[proto][tls_stream]") {
    const auto big = message(11, tls::stream_reader::max_message + 100, 0x44);
    std::vector<std::byte> stream;
    for (std::size_t at = 0; at < big.size(); at += 16000) {
        const auto r = record(22, std::span(big).subspan(at, std::min<std::size_t>(16000, big.size() - at)));
        stream.insert(stream.end(), r.begin(), r.end());
    }
    tls::stream_reader reader;
    collector c;
    CHECK(reader.feed(stream, c));
    REQUIRE(c.messages.size() == 1);
    CHECK(c.messages[0].size() == tls::stream_reader::max_message);
    CHECK(std::equal(c.messages[0].begin(), c.messages[0].end(), big.begin()));
}
