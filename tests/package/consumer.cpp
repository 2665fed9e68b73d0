// A program a user would write against an installed pktdyn: read a capture from bytes, live-capture
// support through pktdyn::libpcap, and the umbrella header with nothing but the core target.
#include <pktdyn/capture/capture_file.hpp>
#include <pktdyn/capture/libpcap_source.hpp>
#include <pktdyn/core/concepts.hpp>
#include <pktdyn/pktdyn.hpp>

#include <array>
#include <cstdio>

// The core drags no optional dependency in: Eigen rides on pktdyn::eigen only.
#if __has_include(<Eigen/Core>)
#error "pktdyn::pktdyn must not put Eigen on the include path"
#endif

int main() {
    // A one-packet pcap file: global header + one 4-byte record.
    const std::array<unsigned char, 44> file{
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
        1,    0,    0,    0,    0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef};
    auto bytes = std::as_bytes(std::span{file});
    auto reader = pktdyn::capture_file::from_bytes(bytes);
    if (!reader) return 1;
    auto p = reader->next();
    const bool ok = p && p->captured_length() == 4 && !reader->next() && !reader->error();
    static_assert(pktdyn::packet_source<pktdyn::libpcap_source>);
    std::puts(ok ? "consumer: ok" : "consumer: FAILED");
    return ok ? 0 : 1;
}
