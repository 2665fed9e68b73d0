#include "pktdyn/proto/decoder.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "support/packet_builder.hpp"

using namespace pktdyn;
namespace pkt = pktdyn::test::pkt;

namespace {
const pkt::v4addr a{10, 0, 0, 1}, b{10, 0, 0, 2}, c{192, 168, 1, 1}, d{192, 168, 1, 2};

decoded_packet run(const test::bytes& frame, link_type link = link_type::ethernet, decode_options o = {},
                   std::uint32_t original = 0) {
    decoder dec{o};
    return dec.decode(packet_view{{}, frame, original ? original : static_cast<std::uint32_t>(frame.size()), link, 0});
}

std::vector<layer_kind> kinds(const decoded_packet& p) {
    std::vector<layer_kind> k;
    for (const layer& l : p) k.push_back(l.kind);
    return k;
}
}  // namespace

TEST_CASE("Ethernet / IPv4 / TCP decodes every header field and the payload", "[proto][decoder]") {
    const auto frame = pkt::ethernet(0x0800, pkt::ipv4(6, a, b, pkt::tcp(40000, 443, pkt::text("hello"),
                                                                       {.seq = 7, .ack = 9, .flags = 0x018, .window = 512})));
    const auto p = run(frame);
    CHECK(p.status == decode_status::ok);
    CHECK(p.issue == decode_issue::none);
    CHECK(kinds(p) == std::vector{layer_kind::ethernet, layer_kind::ipv4, layer_kind::tcp, layer_kind::payload});
    CHECK(p.outer_ip.source == ip_address::v4(10, 0, 0, 1));
    CHECK(p.inner_ip().destination == ip_address::v4(10, 0, 0, 2));
    CHECK(p.transport == ip_protocol::tcp);
    CHECK(p.has_transport);
    CHECK(p.source_port == 40000);
    CHECK(p.destination_port == 443);
    CHECK(p.tcp.seq == 7);
    CHECK(p.tcp.ack == 9);
    CHECK(p.tcp.flags == (tcp_flag::psh | tcp_flag::ack));
    CHECK(p.tcp.window == 512);
    CHECK(p.payload_offset == 14 + 20 + 20);
    CHECK(p.payload_length == 5);
    CHECK(p.payload_captured == 5);
    CHECK(p.tunnels == 0);
}

TEST_CASE("Ethernet padding is never payload", "[proto][decoder]") {
    auto frame = pkt::ethernet(0x0800, pkt::ipv4(6, a, b, pkt::tcp(1, 2, {}, {.flags = 0x010})));
    frame.resize(60);  // minimum Ethernet frame: 6 bytes of padding
    const auto p = run(frame);
    CHECK(p.status == decode_status::ok);
    CHECK(p.payload_length == 0);
    CHECK(p.payload_captured == 0);
    CHECK(kinds(p).back() == layer_kind::tcp);
}

TEST_CASE("VLAN and QinQ tags are walked and their ids kept", "[proto][decoder]") {
    const auto frame = pkt::ethernet(0x88A8, pkt::vlan(100, 0x8100, pkt::vlan(200, 0x0800, pkt::ipv4(17, a, b, pkt::udp(53, 5353, pkt::text("q"))))));
    const auto p = run(frame);
    CHECK(p.status == decode_status::ok);
    CHECK(p.vlan_count == 2);
    CHECK(p.vlan_ids[0] == 100);
    CHECK(p.vlan_ids[1] == 200);
    CHECK(p.transport == ip_protocol::udp);
    CHECK(p.udp.length == 9);
    CHECK(p.payload_length == 1);
}

TEST_CASE("MPLS label stacks are walked and the payload guessed from its first nibble", "[proto][decoder]") {
    const auto inner = pkt::ipv4(6, a, b, pkt::tcp(1, 2, {}));
    const auto p = run(pkt::ethernet(0x8847, pkt::mpls(16, false, pkt::mpls(17, true, inner))));
    CHECK(p.status == decode_status::ok);
    CHECK(p.mpls_count == 2);
    CHECK(p.mpls_top_label == 16);
    CHECK(p.inner_ip().version == 4);

    const auto pw = pkt::cat({pkt::ethernet(0x8847, pkt::mpls(30, true, test::bytes(4))),  // control word
                              pkt::ethernet(0x0800, inner)});
    const auto q = run(pw);
    CHECK(q.status == decode_status::ok);
    CHECK(q.transport == ip_protocol::tcp);
}

TEST_CASE("tunnels are followed to the innermost header, keeping the outer one", "[proto][decoder]") {
    const auto inner_tcp = pkt::ipv4(6, c, d, pkt::tcp(1234, 80, pkt::text("GET")));
    SECTION("VXLAN") {
        const auto p = run(pkt::ethernet(0x0800, pkt::ipv4(17, a, b, pkt::udp(50000, 4789, pkt::vxlan(42, pkt::ethernet(0x0800, inner_tcp))))));
        CHECK(p.status == decode_status::ok);
        CHECK(p.tunnels == 1);
        CHECK(p.tunnel == tunnel_id{layer_kind::vxlan, 42});
        CHECK(p.outer_ip.source == ip_address::v4(10, 0, 0, 1));
        CHECK(p.inner_ip().source == ip_address::v4(192, 168, 1, 1));
        CHECK(p.transport == ip_protocol::tcp);
        CHECK(p.destination_port == 80);
        CHECK(kinds(p) == std::vector{layer_kind::ethernet, layer_kind::ipv4, layer_kind::udp, layer_kind::vxlan,
                                      layer_kind::ethernet, layer_kind::ipv4, layer_kind::tcp, layer_kind::payload});
    }
    SECTION("Geneve with options") {
        const auto p = run(pkt::ethernet(0x0800, pkt::ipv4(17, a, b, pkt::udp(1, 6081, pkt::geneve(7, 0x0800, inner_tcp, 3)))));
        CHECK(p.status == decode_status::ok);
        CHECK(p.tunnel == tunnel_id{layer_kind::geneve, 7});
        CHECK(p.destination_port == 80);
    }
    SECTION("GRE with a key, and 4in4 / 6in4") {
        const auto g = run(pkt::ethernet(0x0800, pkt::ipv4(47, a, b, pkt::gre(0x0800, inner_tcp, 0xBEEF, 5))));
        CHECK(g.status == decode_status::ok);
        CHECK(g.tunnel == tunnel_id{layer_kind::gre, 0xBEEF});
        CHECK(g.inner_ip().source == ip_address::v4(192, 168, 1, 1));
        const auto ipip = run(pkt::ethernet(0x0800, pkt::ipv4(4, a, b, inner_tcp)));
        CHECK(ipip.tunnels == 1);
        CHECK(ipip.destination_port == 80);
        const auto six_in_four = run(pkt::ethernet(0x0800, pkt::ipv4(41, a, b, pkt::ipv6(6, pkt::v6(1), pkt::v6(2), pkt::tcp(5, 6, {})))));
        CHECK(six_in_four.inner_ip().version == 6);
        CHECK(six_in_four.outer_ip.version == 4);
        CHECK(six_in_four.source_port == 5);
    }
    SECTION("GTP-U") {
        const auto p = run(pkt::ethernet(0x0800, pkt::ipv4(17, a, b, pkt::udp(2152, 2152, pkt::gtp_u(0x1234, inner_tcp)))));
        CHECK(p.status == decode_status::ok);
        CHECK(p.tunnel == tunnel_id{layer_kind::gtp_u, 0x1234});
        CHECK(p.destination_port == 80);
    }
    SECTION("the tunnel limit is counted as too deep") {
        const auto p = run(pkt::ethernet(0x0800, pkt::ipv4(4, a, b, pkt::ipv4(4, a, b, inner_tcp))), link_type::ethernet,
                           decode_options{.max_tunnels = 1});
        CHECK(p.status == decode_status::too_deep);
        CHECK(p.issue == decode_issue::too_many_tunnels);
    }
    SECTION("decode depth transport stops before the tunnel") {
        const auto p = run(pkt::ethernet(0x0800, pkt::ipv4(17, a, b, pkt::udp(50000, 4789, pkt::vxlan(42, pkt::ethernet(0x0800, inner_tcp))))),
                           link_type::ethernet, decode_options{.depth = decode_depth::transport});
        CHECK(p.tunnels == 0);
        CHECK(p.destination_port == 4789);
    }
}

TEST_CASE("IPv6 extension headers are walked, ESP stops the walk", "[proto][decoder]") {
    const auto p = run(pkt::ethernet(0x86DD, pkt::ipv6(0, pkt::v6(1), pkt::v6(2), pkt::ipv6_ext8(60, pkt::ipv6_ext8(17, pkt::udp(1, 2, pkt::text("x")))))));
    CHECK(p.status == decode_status::ok);
    CHECK(p.inner_ip().extension_count == 2);
    CHECK(p.inner_ip().header_length == 56);
    CHECK(p.transport == ip_protocol::udp);
    CHECK(p.payload_length == 1);

    const auto esp = run(pkt::ethernet(0x86DD, pkt::ipv6(50, pkt::v6(1), pkt::v6(2), test::bytes(40))));
    CHECK(esp.status == decode_status::ok);
    CHECK(esp.issue == decode_issue::encrypted_esp);
    CHECK(kinds(esp).back() == layer_kind::esp);
}

TEST_CASE("fragments: the first carries the ports, later ones only their protocol", "[proto][decoder]") {
    // The UDP length covers the whole datagram (1008 bytes); the first fragment carries 108 of them.
    const auto first = run(pkt::ethernet(0x0800, pkt::ipv4(17, a, b, pkt::udp(53, 1000, test::bytes(100), 900),
                                                           {.id = 77, .more_fragments = true})));
    CHECK(first.status == decode_status::ok);
    CHECK(first.inner_ip().fragment.first());
    CHECK(first.inner_ip().fragment.id == 77);
    CHECK(first.source_port == 53);
    CHECK(first.payload_length == 100);

    const auto later = run(pkt::ethernet(0x0800, pkt::ipv4(17, a, b, test::bytes(50), {.id = 77, .fragment_offset = 104})));
    CHECK(later.status == decode_status::ok);
    CHECK(later.issue == decode_issue::later_fragment);
    CHECK(later.transport == ip_protocol::udp);
    CHECK_FALSE(later.has_transport);
    CHECK(later.inner_ip().fragment.offset == 104);

    const auto v6later = run(pkt::ethernet(0x86DD, pkt::ipv6(44, pkt::v6(1), pkt::v6(2), pkt::ipv6_fragment(17, 1232, false, 9, test::bytes(20)))));
    CHECK(v6later.issue == decode_issue::later_fragment);
    CHECK(v6later.inner_ip().fragment.id == 9);
    CHECK(v6later.transport == ip_protocol::udp);
}

TEST_CASE("ICMP errors keep the quoted packet's addresses and ports apart from the packet's own", "[proto][decoder]") {
    const auto quoted = pkt::ipv4(17, c, d, pkt::udp(5000, 53, {}));
    const auto p = run(pkt::ethernet(0x0800, pkt::ipv4(1, b, c, pkt::icmp(3, 3, quoted))));
    CHECK(p.status == decode_status::ok);
    CHECK(p.transport == ip_protocol::icmp);
    CHECK(p.inner_ip().source == ip_address::v4(10, 0, 0, 2));  // not the quoted header
    CHECK(p.has_quoted);
    CHECK(p.quoted_ip.source == ip_address::v4(192, 168, 1, 1));
    CHECK(p.quoted_source_port == 5000);
    CHECK(p.quoted_destination_port == 53);
    CHECK(p.source_port == 3);  // ICMP: type and code in the port slots
}

TEST_CASE("truncation and malformation are told apart by the IP length field", "[proto][decoder]") {
    const auto whole = pkt::ethernet(0x0800, pkt::ipv4(6, a, b, pkt::tcp(1, 2, test::bytes(100))));
    SECTION("a snaplen cut inside the TCP header is truncation") {
        const test::bytes cut(whole.begin(), whole.begin() + 14 + 20 + 10);
        const auto p = run(cut, link_type::ethernet, {}, static_cast<std::uint32_t>(whole.size()));
        CHECK(p.status == decode_status::truncated);
        CHECK(p.issue == decode_issue::tcp_truncated);
        CHECK(p.outer_ip.version == 4);  // what was decoded stays
    }
    SECTION("an IP length too short for the TCP header is malformation") {
        const auto p = run(pkt::ethernet(0x0800, pkt::ipv4(6, a, b, pkt::tcp(1, 2, {}), {.total_length_delta = -10})));
        CHECK(p.status == decode_status::malformed);
        CHECK(p.issue == decode_issue::tcp_bad_offset);
        CHECK_FALSE(p.has_transport);  // not even the ports fit
    }
    SECTION("a TCP data offset below 5 keeps its ports, as tshark keeps it in its stream") {
        const auto p = run(pkt::ethernet(0x0800, pkt::ipv4(6, a, b, pkt::tcp(1, 2, test::bytes(8), {.data_offset_words = 3}))));
        CHECK(p.status == decode_status::malformed);
        CHECK(p.issue == decode_issue::tcp_bad_offset);
        CHECK(p.has_transport);
        CHECK(p.source_port == 1);
        CHECK(p.destination_port == 2);
        CHECK(p.tcp.bad_offset);
        CHECK(p.payload_length == 0);  // where the payload starts is unknown
    }
    SECTION("a TCP header running past the IP payload keeps its ports") {
        const auto p = run(pkt::ethernet(0x0800, pkt::ipv4(6, a, b, pkt::tcp(1, 2, {}, {.data_offset_words = 15}))));
        CHECK(p.issue == decode_issue::tcp_bad_offset);
        CHECK(p.has_transport);
        CHECK(p.tcp.bad_offset);
        CHECK(p.tcp.options.empty());
    }
    SECTION("a UDP length longer than the IP payload") {
        const auto p = run(pkt::ethernet(0x0800, pkt::ipv4(17, a, b, pkt::udp(1, 2, test::bytes(10), 50))));
        CHECK(p.status == decode_status::malformed);
        CHECK(p.issue == decode_issue::udp_bad_length);
    }
    SECTION("a snaplen cut: the payload's length is still the IP length's") {
        const test::bytes cut(whole.begin(), whole.begin() + 14 + 20 + 20 + 30);
        const auto p = run(cut, link_type::ethernet, {}, static_cast<std::uint32_t>(whole.size()));
        CHECK(p.payload_length == 100);
        CHECK(p.payload_captured == 30);
    }
    SECTION("an IP length past the frame's end on the wire: the payload ends with the frame") {
        // The frame carried 60 payload bytes; its IP header claims 100 (as captures of segmentation
        // offload and rewritten headers show; Wireshark: "IPv4 total length exceeds packet length").
        const test::bytes wire(whole.begin(), whole.begin() + 14 + 20 + 20 + 60);
        const auto p = run(wire, link_type::ethernet, {}, static_cast<std::uint32_t>(wire.size()));
        CHECK(p.has_transport);
        CHECK(p.payload_length == 60);
        CHECK(p.payload_captured == 60);
    }
    SECTION("an IPv4 header length below 20") {
        auto frame = whole;
        frame[14] = std::byte{0x44};
        CHECK(run(frame).issue == decode_issue::ipv4_bad_header_length);
    }
    SECTION("a truncated Ethernet header") {
        const test::bytes cut(whole.begin(), whole.begin() + 10);
        CHECK(run(cut).issue == decode_issue::link_truncated);
    }
}

TEST_CASE("link types: cooked captures, raw IP, BSD loopback and PPP decode, other link types are declined", "[proto][decoder]") {
    const auto ip = pkt::ipv4(6, a, b, pkt::tcp(1, 2, {}));
    test::byte_writer sll{true};
    sll.u16(0).u16(1).u16(6).u64(0).u16(0x0800);
    CHECK(run(pkt::cat({sll.data(), ip}), link_type::linux_sll).transport == ip_protocol::tcp);
    test::byte_writer sll2{true};
    sll2.u16(0x0800).u16(0).u32(3).u16(1).u8(0).u8(6).u64(0);
    CHECK(run(pkt::cat({sll2.data(), ip}), link_type::linux_sll2).transport == ip_protocol::tcp);
    CHECK(run(ip, link_type::raw).transport == ip_protocol::tcp);
    CHECK(run(ip, link_type::ipv4).transport == ip_protocol::tcp);
    test::byte_writer null_le;
    null_le.u32(2);
    CHECK(run(pkt::cat({null_le.data(), ip}), link_type::null).transport == ip_protocol::tcp);
    test::byte_writer loop_be{true};
    loop_be.u32(24);
    const auto v6 = pkt::ipv6(17, pkt::v6(1), pkt::v6(2), pkt::udp(1, 2, {}));
    CHECK(run(pkt::cat({loop_be.data(), v6}), link_type::loop).transport == ip_protocol::udp);
    test::byte_writer ppp{true};
    ppp.u8(0xFF).u8(0x03).u16(0x0021);
    CHECK(run(pkt::cat({ppp.data(), ip}), link_type::ppp).transport == ip_protocol::tcp);
    const auto user0 = run(ip, static_cast<link_type>(147));  // LINKTYPE_USER0: private, unknowable
    CHECK(user0.status == decode_status::unsupported);
    CHECK(user0.issue == decode_issue::link_type);
}

TEST_CASE("non-IP frames are ok and keep their EtherType", "[proto][decoder]") {
    const auto p = run(pkt::ethernet(0x0806, test::bytes(28)));
    CHECK(p.status == decode_status::ok);
    CHECK(p.issue == decode_issue::not_ip);
    CHECK(p.ether_type == 0x0806);
    CHECK_FALSE(p.has_ip());
}

TEST_CASE("the decoder counts packets by status, reason and layer", "[proto][decoder]") {
    decoder dec;
    const auto good = pkt::ethernet(0x0800, pkt::ipv4(6, a, b, pkt::tcp(1, 2, {})));
    const auto arp = pkt::ethernet(0x0806, test::bytes(28));
    const test::bytes cut(good.begin(), good.begin() + 20);
    for (const auto* f : {&good, &good, &arp, &cut})
        (void)dec.decode(packet_view{{}, *f, static_cast<std::uint32_t>(f->size()), link_type::ethernet, 0});
    const auto& s = dec.stats();
    CHECK(s.packets == 4);
    CHECK(s.of(decode_status::ok) == 3);
    CHECK(s.of(decode_status::truncated) == 1);
    CHECK(s.of(decode_issue::not_ip) == 1);
    CHECK(s.of(decode_issue::ipv4_truncated) == 1);
    CHECK(s.of(layer_kind::tcp) == 2);
    CHECK(s.of(layer_kind::ethernet) == 4);
}

TEST_CASE("every truncation of a tunnelled packet decodes without reading past the cut", "[proto][decoder]") {
    const auto frame = pkt::ethernet(0x8100, pkt::vlan(5, 0x0800, pkt::ipv4(17, a, b, pkt::udp(1, 4789,
                            pkt::vxlan(1, pkt::ethernet(0x86DD, pkt::ipv6(0, pkt::v6(1), pkt::v6(2),
                            pkt::ipv6_ext8(6, pkt::tcp(1, 2, pkt::text("data"), {.options = test::bytes{std::byte{2}, std::byte{4}, std::byte{5}, std::byte{0xb4}}})))))))));
    for (std::size_t n = 0; n <= frame.size(); ++n) {
        // A copy of exactly n bytes: any read past it is a heap overflow under ASan.
        const test::bytes cut(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(n));
        const auto p = run(cut, link_type::ethernet, {}, static_cast<std::uint32_t>(frame.size()));
        if (n < frame.size() - 4) CHECK(p.status != decode_status::ok);
        for (const layer& l : p) CHECK(l.offset + l.length <= n);
    }
    CHECK(run(frame).status == decode_status::ok);
}
