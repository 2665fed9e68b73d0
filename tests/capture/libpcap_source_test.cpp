#include "pktdyn/capture/libpcap_source.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>

#include "pktdyn/core/concepts.hpp"
#include <chrono>
#include <thread>

#include "pktdyn/capture/capture_file.hpp"
#include "support/capture_builder.hpp"
#include "support/temp_dir.hpp"

using namespace pktdyn;

static_assert(reporting_packet_source<libpcap_source>);

namespace {
// Ethernet + IPv4 + UDP or TCP header with the given destination port; enough for a BPF filter.
test::bytes ip_frame(std::uint8_t protocol, std::uint16_t dport) {
    test::byte_writer w{true};
    w.raw(test::bytes(12)).u16(0x0800);                                       // Ethernet
    w.u8(0x45).u8(0).u16(40).u16(0).u16(0).u8(64).u8(protocol).u16(0);         // IPv4
    w.u32(0x0a000001).u32(0x0a000002);
    w.u16(1234).u16(dport).u32(0).u32(0).u32(0).u32(0);                       // ports + 16 bytes
    return w.data();
}
}  // namespace

TEST_CASE("libpcap reads a file with the same packets as capture_file, and applies a BPF filter",
          "[capture][libpcap]") {
    test::temp_dir dir;
    test::pcap_builder b{test::pcap_options{.nanosecond = true}};
    b.packet(100, 1, ip_frame(17, 53)).packet(101, 2, ip_frame(6, 443)).packet(102, 3, ip_frame(17, 123));
    const auto path = dir.write("mixed.pcap", b.data());

    auto ours = capture_file::open(path);
    auto theirs = libpcap_source::open_file(path.string());
    REQUIRE(ours);
    REQUIRE(theirs);
    CHECK(theirs->link() == link_type::ethernet);
    int n = 0;
    while (auto p = theirs->next()) {
        auto q = ours->next();
        REQUIRE(q);
        CHECK(p->time == q->time);
        CHECK(std::equal(p->data.begin(), p->data.end(), q->data.begin(), q->data.end()));
        ++n;
    }
    CHECK(n == 3);
    CHECK_FALSE(ours->next());
    CHECK_FALSE(theirs->error());

    auto udp = libpcap_source::open_file(path.string(), "udp");
    REQUIRE(udp);
    int udp_count = 0;
    while (udp->next()) ++udp_count;
    CHECK(udp_count == 2);
}

TEST_CASE("libpcap refuses a bad filter and a missing file with a message", "[capture][libpcap]") {
    test::temp_dir dir;
    test::pcap_builder b;
    const auto path = dir.write("empty.pcap", b.data());
    auto bad = libpcap_source::open_file(path.string(), "this is not bpf");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code() == errc::invalid_argument);
    CHECK(bad.error().message().find("bad filter") != std::string::npos);
    auto missing = libpcap_source::open_file("/nonexistent.pcap");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code() == errc::io_error);
}

TEST_CASE("live capture on loopback sees a datagram that matches its filter, and stop() ends it",
          "[capture][libpcap][live]") {
    constexpr std::uint16_t port = 39917;
    auto live = libpcap_source::open_live("lo", live_options{.timeout_ms = 20,
                                                             .filter = "udp and dst port 39917"});
    if (!live) {
        WARN("live capture not possible here (needs root or CAP_NET_RAW): " << live.error().message());
        return;
    }
    std::atomic<bool> seen{false};
    std::thread sender([&] {
        const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        for (int i = 0; i < 100 && !seen; ++i) {
            ::sendto(fd, "pktdyn", 6, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ::close(fd);
        live->stop();  // ends next() even if nothing was captured
    });
    auto p = live->next();
    seen = true;
    sender.join();
    REQUIRE(p);
    CHECK(p->link == link_type::ethernet);  // Linux loopback carries a zero Ethernet header
    CHECK(p->data.size() == 14 + 20 + 8 + 6);
    const auto age = std::chrono::system_clock::now().time_since_epoch() - p->time.time_since_epoch();
    CHECK(std::chrono::abs(age) < std::chrono::seconds(5));  // a real capture time, in nanoseconds
}
