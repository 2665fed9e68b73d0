#include "pktdyn/proto/dns_transport.hpp"

#include <catch2/catch.hpp>

using pktdyn::dns_transport;

namespace {
constexpr std::uint8_t tcp = 6, udp = 17;
}

TEST_CASE("resolver addresses and host names name their provider", "[proto][dns_transport]") {
    // Addresses as the providers publish them (docs/handshakes.md lists the pages).
    CHECK(pktdyn::public_resolver_by_address(pktdyn::ip_address::v4(1, 1, 1, 1)) == "Cloudflare");
    CHECK(pktdyn::public_resolver_by_address(pktdyn::ip_address::v4(8, 8, 4, 4)) == "Google");
    CHECK(pktdyn::public_resolver_by_address(pktdyn::ip_address::v4(149, 112, 112, 112)) == "Quad9");
    CHECK(pktdyn::public_resolver_by_address(pktdyn::ip_address::v4(208, 67, 220, 220)) == "OpenDNS");
    CHECK(pktdyn::public_resolver_by_address(pktdyn::ip_address::v4(8, 8, 8, 9)).empty());

    // 2606:4700:4700::1111 and 2620:fe::fe written out byte by byte.
    pktdyn::ip_address cf;
    cf.version = 6;
    cf.bytes = {0x26, 0x06, 0x47, 0x00, 0x47, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x11};
    CHECK(pktdyn::public_resolver_by_address(cf) == "Cloudflare");
    pktdyn::ip_address q9;
    q9.version = 6;
    q9.bytes = {0x26, 0x20, 0x00, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0xfe};
    CHECK(pktdyn::public_resolver_by_address(q9) == "Quad9");
    pktdyn::ip_address v4_as_v6 = pktdyn::ip_address::v4(1, 1, 1, 1);
    v4_as_v6.version = 6;
    CHECK(pktdyn::public_resolver_by_address(v4_as_v6).empty());

    CHECK(pktdyn::public_resolver_by_host("dns.google") == "Google");
    CHECK(pktdyn::public_resolver_by_host("DNS.Google.") == "Google");
    CHECK(pktdyn::public_resolver_by_host("mozilla.cloudflare-dns.com") == "Cloudflare");
    CHECK(pktdyn::public_resolver_by_host("abc123.dns.nextdns.io") == "NextDNS");
    CHECK(pktdyn::public_resolver_by_host("dns.quad9.net") == "Quad9");
    CHECK(pktdyn::public_resolver_by_host("doh.opendns.com") == "OpenDNS");
    CHECK(pktdyn::public_resolver_by_host("notcloudflare-dns.com").empty());
    CHECK(pktdyn::public_resolver_by_host("www.google.com").empty());
    CHECK(pktdyn::public_resolver_by_host("").empty());
}

TEST_CASE("a flow's DNS transport comes from its port, server and SNI", "[proto][dns_transport]") {
    const auto other = pktdyn::ip_address::v4(192, 0, 2, 1);
    const auto google = pktdyn::ip_address::v4(8, 8, 8, 8);
    CHECK(pktdyn::classify_dns_transport(udp, 53, other).transport == dns_transport::dns);
    CHECK(pktdyn::classify_dns_transport(tcp, 53, other).transport == dns_transport::dns);
    CHECK(pktdyn::classify_dns_transport(udp, 5353, other).transport == dns_transport::mdns);
    CHECK(pktdyn::classify_dns_transport(udp, 5355, other).transport == dns_transport::llmnr);
    CHECK(pktdyn::classify_dns_transport(tcp, 853, other).transport == dns_transport::dot);
    CHECK(pktdyn::classify_dns_transport(udp, 853, other).transport == dns_transport::doq);
    CHECK(pktdyn::classify_dns_transport(tcp, 443, other).transport == dns_transport::none);
    CHECK(pktdyn::classify_dns_transport(tcp, 443, other, "www.example.com").transport == dns_transport::none);

    const auto by_address = pktdyn::classify_dns_transport(tcp, 443, google);
    CHECK(by_address.transport == dns_transport::doh);
    CHECK(by_address.provider == "Google");
    CHECK(by_address.by_address);
    CHECK_FALSE(by_address.by_name);

    const auto by_name = pktdyn::classify_dns_transport(udp, 443, other, "cloudflare-dns.com");
    CHECK(by_name.transport == dns_transport::doh);
    CHECK(by_name.provider == "Cloudflare");
    CHECK(by_name.by_name);

    const auto dot = pktdyn::classify_dns_transport(tcp, 853, google, "dns.google");
    CHECK(dot.transport == dns_transport::dot);
    CHECK(dot.provider == "Google");
    CHECK(pktdyn::classify_dns_transport(1, 53, other).transport == dns_transport::none);
    CHECK(pktdyn::to_string(dns_transport::doh) == "doh");
}
