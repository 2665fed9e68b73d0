#include "pktdyn/flow/community_id.hpp"

#include <catch2/catch.hpp>
#include <string_view>

using namespace pktdyn;

namespace {
std::string hex(const std::array<std::uint8_t, 20>& d) {
    std::string s;
    for (auto b : d) s += fmt::format("{:02x}", b);
    return s;
}
std::span<const std::uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
}  // namespace

TEST_CASE("SHA-1 reproduces the FIPS 180 examples", "[flow][community_id]") {
    CHECK(hex(detail::sha1(bytes(""))) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK(hex(detail::sha1(bytes("abc"))) == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(hex(detail::sha1(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) ==
          "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST_CASE("base64 reproduces RFC 4648's test vectors", "[flow][community_id]") {
    for (const auto& [in, out] : {std::pair{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
                                  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}})
        CHECK(detail::base64(bytes(in)) == out);
}

TEST_CASE("Community IDs equal tshark's for TCP and ICMP, both directions", "[flow][community_id]") {
    // Expected values computed by tshark 4.0's communityid post-dissector on the same tuples.
    const auto tcp_a = ip_address::v4(128, 232, 110, 120), tcp_b = ip_address::v4(66, 35, 250, 204);
    CHECK(community_id_v1(tcp_a, tcp_b, 6, 34855, 80) == "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    CHECK(community_id_v1(tcp_b, tcp_a, 6, 80, 34855) == "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    const auto h89 = ip_address::v4(192, 168, 0, 89), h1 = ip_address::v4(192, 168, 0, 1);
    CHECK(community_id_v1(h89, h1, 1, 8, 0) == "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");  // echo request
    CHECK(community_id_v1(h1, h89, 1, 0, 0) == "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");  // its reply
    // Destination unreachable has no counterpart: one-way, so the direction counts.
    CHECK(community_id_v1(h89, h1, 1, 3, 1) == "1:LXCfhMUFbYXe+CEMrQuZCbiLY3o=");
    CHECK(community_id_v1(h1, h89, 1, 3, 1) == "1:o3zT92uTgnRWv/YrDVeXcWumpC4=");
}
