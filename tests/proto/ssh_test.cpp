#include "pktdyn/proto/ssh.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/capture_builder.hpp"
#include "support/ssh_vectors.hpp"

namespace {

using pktdyn::ssh_status;
using pktdyn::test::bytes;
using namespace pktdyn::test::hassh_readme;

bytes text(std::string_view s) {
    pktdyn::test::byte_writer w{true};
    w.text(s);
    return w.data();
}

/// Parses text kept alive for the rest of the test run (the result's views point into it).
pktdyn::ssh_identification parse_text(std::string_view s, std::uint32_t preamble = 32) {
    static std::vector<std::unique_ptr<bytes>> kept;
    kept.push_back(std::make_unique<bytes>(text(s)));
    return pktdyn::ssh_identification::parse(*kept.back(), preamble);
}

/// A KEXINIT binary packet written from RFC 4253 §6 and §7.1, padded to a multiple of 8 with at
/// least 4 bytes of padding.
bytes kexinit_packet(const std::array<std::string_view, 10>& lists, bool first_follows = false) {
    pktdyn::test::byte_writer payload{true};
    payload.u8(20);
    for (int i = 0; i < 16; ++i) payload.u8(static_cast<std::uint8_t>(0xA0 + i));  // cookie
    for (auto l : lists) payload.u32(static_cast<std::uint32_t>(l.size())).text(l);
    payload.u8(first_follows ? 1 : 0).u32(0);
    std::size_t padding = 8 - (5 + payload.size()) % 8;
    if (padding < 4) padding += 8;
    pktdyn::test::byte_writer w{true};
    w.u32(static_cast<std::uint32_t>(1 + payload.size() + padding)).u8(static_cast<std::uint8_t>(padding));
    w.raw(payload.data());
    for (std::size_t i = 0; i < padding; ++i) w.u8(0);
    return w.data();
}

std::array<std::string_view, 10> client_lists() {
    return {cyberduck_kex, "ssh-rsa,ssh-dss", cyberduck_enc, cyberduck_enc, cyberduck_mac, cyberduck_mac,
            cyberduck_cmp, cyberduck_cmp, "", ""};
}
std::array<std::string_view, 10> server_lists() {
    // Client-to-server lists differ from server-to-client ones so a mix-up shows.
    return {openssh53_kex, "ssh-rsa,ssh-dss", "aes128-ctr", openssh53_enc, "hmac-sha1", openssh53_mac, "none",
            openssh53_cmp, "", ""};
}

}  // namespace

TEST_CASE("an identification line splits into protocol version, software and comments", "[proto][ssh]") {
    const auto b = text("SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7\r\n\x00\x00\x01\x2c");
    const auto id = pktdyn::ssh_identification::parse(b);
    REQUIRE(id.status == ssh_status::complete);
    CHECK(id.line == "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7");
    CHECK(id.proto_version == "2.0");
    CHECK(id.software == "OpenSSH_7.4p1");
    CHECK(id.comments == "Debian-10+deb9u7");
    CHECK(id.length == 40);
    CHECK(id.is_v2());
    CHECK_FALSE(id.bare_lf);
    CHECK(id.preamble_lines == 0);

    const auto old = parse_text("SSH-1.99-OpenSSH_3.9p1\n");
    REQUIRE(old.status == ssh_status::complete);
    CHECK(old.proto_version == "1.99");
    CHECK(old.is_v2());  // RFC 4253 §5.1: 1.99 means "2.0 and 1.x"
    CHECK(old.software == "OpenSSH_3.9p1");
    CHECK(old.comments.empty());
    CHECK(old.bare_lf);

    CHECK_FALSE(parse_text("SSH-1.5-OpenSSH_6.2\r\n").is_v2());
    CHECK(parse_text("SSH-2.0\r\n").status == ssh_status::malformed);
}

TEST_CASE("lines a server sends before its identification are skipped and counted", "[proto][ssh]") {
    const auto b = text("Welcome to the box\r\nauthorised use only\r\nSSH-2.0-dropbear_2019.78\r\n");
    const auto id = pktdyn::ssh_identification::parse(b);
    REQUIRE(id.status == ssh_status::complete);
    CHECK(id.preamble_lines == 2);
    CHECK(id.preamble_bytes == 41);
    CHECK(id.software == "dropbear_2019.78");
    CHECK(id.length == b.size());

    // A client may not send such lines (RFC 4253 §4.2): with none allowed the bytes are not SSH.
    CHECK(pktdyn::ssh_identification::parse(b, 0).status == ssh_status::not_ssh);
}

TEST_CASE("bytes that are not an identification are told apart from bytes still to come", "[proto][ssh]") {
    using pktdyn::ssh_identification;
    CHECK(parse_text("").status == ssh_status::need_more);
    CHECK(parse_text("SS").status == ssh_status::need_more);
    CHECK(parse_text("SSH-2.0-Open").status == ssh_status::need_more);
    CHECK(parse_text("GET / HTTP/1.1\r\n", 0).status == ssh_status::not_ssh);
    const auto tls = bytes{std::byte{0x16}, std::byte{0x03}, std::byte{0x01}, std::byte{0x02}, std::byte{0x00}};
    CHECK(ssh_identification::parse(tls).status == ssh_status::not_ssh);

    // 255 bytes with the CR LF is the most RFC 4253 allows.
    const std::string longest = "SSH-2.0-" + std::string(245, 'x') + "\r\n";
    REQUIRE(longest.size() == 255);
    CHECK(parse_text(longest).status == ssh_status::complete);
    const std::string too_long = "SSH-2.0-" + std::string(246, 'x') + "\r\n";
    CHECK(parse_text(too_long).status == ssh_status::too_long);
    CHECK(parse_text(too_long.substr(0, 255)).status == ssh_status::too_long);
    CHECK(parse_text(too_long.substr(0, 254)).status == ssh_status::need_more);
}

TEST_CASE("the client KEXINIT of the hassh README example gives its HASSH text", "[proto][ssh]") {
    const auto packet = kexinit_packet(client_lists());
    const auto k = pktdyn::ssh_kexinit::parse(packet);
    REQUIRE(k.status == ssh_status::complete);
    CHECK(k.lists_read == 10);
    CHECK(k.packet.wire_length() == packet.size());
    CHECK(k.cookie.size() == 16);
    CHECK(std::to_integer<int>(k.cookie[15]) == 0xAF);
    CHECK(k[pktdyn::ssh_kexinit::kex] == cyberduck_kex);
    CHECK(k[pktdyn::ssh_kexinit::server_host_key] == "ssh-rsa,ssh-dss");
    CHECK(k[pktdyn::ssh_kexinit::languages_s2c].empty());
    CHECK_FALSE(k.first_kex_packet_follows);
    CHECK(pktdyn::hassh_algorithms(k, false) ==
          std::string(cyberduck_kex) + ";" + std::string(cyberduck_enc) + ";" + std::string(cyberduck_mac) + ";" +
              std::string(cyberduck_cmp));
}

TEST_CASE("the server KEXINIT of the hassh README example gives its server-to-client lists", "[proto][ssh]") {
    const auto server_packet = kexinit_packet(server_lists(), true);
    const auto k = pktdyn::ssh_kexinit::parse(server_packet);
    REQUIRE(k.status == ssh_status::complete);
    CHECK(k.first_kex_packet_follows);
    CHECK(pktdyn::hassh_algorithms(k, false).starts_with(std::string(openssh53_kex) + ";aes128-ctr;hmac-sha1;none"));
}

TEST_CASE("a handshake cut at every byte never reads past the cut and keeps what it read", "[proto][ssh]") {
    pktdyn::test::byte_writer w{true};
    w.text("banner line\r\nSSH-2.0-OpenSSH_9.6 Ubuntu\r\n").raw(kexinit_packet(client_lists()));
    const bytes& full = w.data();
    const auto whole_id = pktdyn::ssh_identification::parse(full);
    REQUIRE(whole_id.status == ssh_status::complete);
    const auto whole = pktdyn::ssh_kexinit::parse(std::span{full}.subspan(whole_id.length));
    REQUIRE(whole.status == ssh_status::complete);

    for (std::size_t n = 0; n < full.size(); ++n) {
        const bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));  // exact size: ASan sees overruns
        const auto id = pktdyn::ssh_identification::parse(cut);
        if (n < whole_id.length) {
            INFO("cut at " << n);
            CHECK(id.status == ssh_status::need_more);
            continue;
        }
        REQUIRE(id.status == ssh_status::complete);
        const auto k = pktdyn::ssh_kexinit::parse(std::span{cut}.subspan(id.length));
        INFO("cut at " << n);
        CHECK(k.status == ssh_status::need_more);
        for (std::size_t i = 0; i < k.lists_read; ++i) CHECK(k.lists[i] == whole.lists[i]);
        CHECK(pktdyn::hassh_algorithms(k, false).empty() == (k.lists_read < 8));
        if (k.packet.packet_length) CHECK(k.packet.packet_length == whole.packet.packet_length);
    }
}

TEST_CASE("inconsistent packets are malformed and other messages are named", "[proto][ssh]") {
    using pktdyn::ssh_kexinit;
    pktdyn::test::byte_writer padding_too_long{true};
    padding_too_long.u32(8).u8(7).u8(20).raw(bytes(6));
    CHECK(ssh_kexinit::parse(padding_too_long.data()).status == ssh_status::malformed);

    pktdyn::test::byte_writer huge{true};
    huge.u32(0x01000000).u8(4);
    CHECK(ssh_kexinit::parse(huge.data()).status == ssh_status::too_long);

    pktdyn::test::byte_writer newkeys{true};
    newkeys.u32(12).u8(10).u8(21).raw(bytes(10));
    CHECK(ssh_kexinit::parse(newkeys.data()).status == ssh_status::other_message);

    // A name-list length running past the packet: malformed even before the packet is complete.
    pktdyn::test::byte_writer overrun{true};
    overrun.u32(100).u8(4).u8(20).raw(bytes(16)).u32(500).text("curve");
    const auto k = ssh_kexinit::parse(overrun.data());
    CHECK(k.status == ssh_status::malformed);
    CHECK(k.lists_read == 0);

    // A whole packet whose lists stop early.
    pktdyn::test::byte_writer short_lists{true};
    short_lists.u32(1 + 1 + 16 + 4 + 4).u8(4).u8(20).raw(bytes(16)).u32(0).raw(bytes(4 - 0));
    const auto s = ssh_kexinit::parse(short_lists.data());
    CHECK(s.status == ssh_status::malformed);
}
