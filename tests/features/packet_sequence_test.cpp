#include "pktdyn/features/packet_sequence.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

using namespace pktdyn;

namespace {
flow_packet packet(std::int64_t at_us, int direction, std::uint32_t ip, std::uint16_t flags = 0) {
    flow_packet p;
    p.time = from_ns(1'000'000'000 + at_us * 1'000);
    p.direction = direction;
    p.ip_length = ip;
    p.payload_length = ip > 40 ? ip - 40 : 0;
    p.tcp_flags = flags;
    return p;
}
template <std::size_t N>
std::vector<double> row(const packet_sequence<N>& s) {
    std::vector<double> out(packet_sequence<N>::features.size());
    s.write(out);
    return out;
}
}  // namespace

TEST_CASE("the first N packets: direction, lengths, gaps and flags, NaN past the flow's end", "[features][packet_sequence]") {
    packet_sequence<4> s;
    s.update(packet(0, 0, 60, 0x002));
    s.update(packet(20'000, 1, 60, 0x012));
    s.update(packet(21'000, 0, 340, 0x018));
    const auto r = row(s);
    CHECK(r[0] == 0);
    CHECK(r[1] == 1);
    CHECK(r[2] == 0);
    CHECK(std::isnan(r[3]));              // splt_dir_4: only 3 packets
    CHECK(r[4 + 2] == 340);               // splt_ip_bytes_3
    CHECK(r[8 + 2] == 300);               // splt_payload_bytes_3
    CHECK(r[12 + 0] == 0);                // splt_iat_1
    CHECK(r[12 + 1] == Approx(0.020));
    CHECK(r[12 + 2] == Approx(0.001));
    CHECK(r[16 + 1] == 0x012);            // splt_flags_2
    CHECK(packet_sequence<4>::features[6].column() == "splt_ip_bytes_3");
    CHECK(packet_sequence<255>::features[5 * 255 - 1].column() == "splt_flags_255");
}

TEST_CASE("a flow's two parts merged equal the whole flow's sequence", "[features][packet_sequence]") {
    for (int split : {0, 1, 3, 5, 9, 12}) {
        packet_sequence<6> whole, first, second;
        for (int i = 0; i < 12; ++i) {
            const auto p = packet(i * 1'000 + i * i, i % 3 == 0, 40u + static_cast<std::uint32_t>(i * 100));
            whole.update(p);
            (i < split ? first : second).update(p);
        }
        first.merge(second);
        const auto a = row(first), b = row(whole);
        INFO("split at " << split);
        for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]));
    }
}
