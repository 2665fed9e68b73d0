// The CICFlowMeter and NFStream presets on one hand-built TCP connection whose every value is worked
// out below by hand (the corpus test compares them with numpy on real flows).
#include "pktdyn/features/presets.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <string>
#include <vector>

using namespace pktdyn;
using namespace std::chrono_literals;

namespace {

struct packet_spec {
    int direction;
    std::int64_t at_us;  // after the connection's start
    std::uint32_t payload;
    std::uint16_t flags;
    std::uint8_t header;  // TCP header length
    std::uint16_t window;
};

// Handshake, a 100-byte request, four response segments (a bulk: 4 data packets of one side,
// gaps <= 1 s), 7 s of silence (idle > 5 s, and a second subflow), a FIN.
const std::vector<packet_spec> connection{
    {0, 0, 0, tcp_flag::syn, 40, 64240},
    {1, 1000, 0, tcp_flag::syn | tcp_flag::ack, 40, 65160},
    {0, 2000, 0, tcp_flag::ack, 32, 502},
    {0, 3000, 100, tcp_flag::psh | tcp_flag::ack, 32, 502},
    {1, 4000, 200, tcp_flag::psh | tcp_flag::ack, 32, 509},
    {1, 4500, 300, tcp_flag::psh | tcp_flag::ack, 32, 509},
    {1, 5000, 400, tcp_flag::psh | tcp_flag::ack, 32, 509},
    {1, 5500, 500, tcp_flag::psh | tcp_flag::ack, 32, 509},
    {0, 7'005'500, 0, tcp_flag::fin | tcp_flag::ack, 32, 502},
};

template <class A>
std::vector<double> run(A& a, std::size_t from, std::size_t to) {
    const timestamp start{1'700'000'000s};
    for (std::size_t i = from; i < to; ++i) {
        const auto& s = connection[i];
        decoded_packet d;
        d.has_transport = true;
        d.transport = ip_protocol::tcp;
        d.tcp.header_length = s.header;
        d.tcp.window = s.window;
        d.tcp.flags = s.flags;
        flow_packet p;
        p.time = start + std::chrono::microseconds(s.at_us);
        p.direction = s.direction;
        p.payload_length = s.payload;
        p.ip_length = 20 + s.header + s.payload;
        p.tcp = true;
        p.tcp_flags = s.flags;
        p.decoded = &d;
        a.update(p);
    }
    std::vector<double> out(A::features.size());
    a.write(out);
    return out;
}

template <class A>
double column(const std::vector<double>& row, std::string_view name) {
    for (std::size_t i = 0; i < A::features.size(); ++i)
        if (A::features[i].column() == name) return row[i];
    FAIL("no column " << name);
    return 0;
}

}  // namespace

TEST_CASE("CICFlowMeter columns, with CICFlowMeter's known errors corrected", "[features][presets]") {
    cicflowmeter_features cic;
    const auto row = run(cic, 0, connection.size());
    const auto c = [&](std::string_view name) { return column<cicflowmeter_features>(row, name); };
    CHECK(c("Flow Duration") == 7'005'500);
    CHECK(c("Total Fwd Packet") == 4);
    CHECK(c("Total Bwd packets") == 5);
    CHECK(c("Total Length of Fwd Packet") == 100);
    CHECK(c("Total Length of Bwd Packet") == 1400);
    // Forward payloads 0, 0, 100, 0: mean 25, sample variance (3 * 625 + 5625) / 3 = 2500.
    CHECK(c("Fwd Packet Length Mean") == 25);
    CHECK(c("Fwd Packet Length Std") == Approx(50));
    CHECK(c("Fwd Packet Length Max") == 100);
    // Backward 0, 200, 300, 400, 500: mean 280, sample variance 148000 / 4.
    CHECK(c("Bwd Packet Length Std") == Approx(std::sqrt(37000.0)));
    CHECK(c("Bwd Packet Length Min") == 0);
    CHECK(c("Flow Bytes/s") == Approx(1500 / 7.0055));
    CHECK(c("Flow Packets/s") == Approx(9 / 7.0055));
    CHECK(c("Flow IAT Mean") == Approx(7'005'500 / 8.0));
    CHECK(c("Flow IAT Max") == 7'000'000);
    CHECK(c("Flow IAT Min") == 500);
    CHECK(c("Fwd IAT Total") == 7'005'500);
    CHECK(c("Bwd IAT Total") == 4500);
    CHECK(c("Bwd IAT Min") == 500);
    CHECK(c("Fwd PSH Flags") == 1);
    CHECK(c("Bwd PSH Flags") == 4);  // CICFlowMeter: 0
    CHECK(c("Fwd Header Length") == 40 + 32 * 3);
    CHECK(c("Bwd Header Length") == 40 + 32 * 4);
    CHECK(c("Packet Length Variance") == Approx(c("Packet Length Std") * c("Packet Length Std")));
    CHECK(c("FIN Flag Count") == 1);
    CHECK(c("SYN Flag Count") == 2);
    CHECK(c("ACK Flag Count") == 8);
    CHECK(c("PSH Flag Count") == 5);
    CHECK(c("Down/Up Ratio") == 1.25);  // CICFlowMeter: 1
    CHECK(c("Average Packet Size") == Approx(1500 / 9.0));
    CHECK(c("Bwd Bytes/Bulk Avg") == 1400);
    CHECK(c("Bwd Packet/Bulk Avg") == 4);
    CHECK(c("Bwd Bulk Rate Avg") == Approx(1400 / 0.0015));
    CHECK(c("Fwd Bytes/Bulk Avg") == 0);
    CHECK(c("Subflow Fwd Packets") == 2);  // 2 subflows; CICFlowMeter: 4 / 1 gap
    CHECK(c("Subflow Bwd Bytes") == 700);
    CHECK(c("FWD Init Win Bytes") == 64240);
    CHECK(c("Bwd Init Win Bytes") == 65160);
    CHECK(c("Fwd Act Data Pkts") == 1);
    CHECK(c("Fwd Seg Size Min") == 32);
    CHECK(c("Active Mean") == 5500);  // the FIN alone is an active period of length 0: not counted
    CHECK(c("Active Std") == 0);
    CHECK(c("Idle Mean") == 7'000'000);
    CHECK(c("Idle Max") == 7'000'000);
}

TEST_CASE("CICFlowMeter columns of an empty direction and a zero-length flow", "[features][presets]") {
    cicflowmeter_features cic;
    const auto row = run(cic, 0, 1);
    const auto c = [&](std::string_view name) { return column<cicflowmeter_features>(row, name); };
    CHECK(c("Flow Duration") == 0);
    CHECK(std::isnan(c("Flow Bytes/s")));
    CHECK(c("Bwd Packet Length Mean") == 0);
    CHECK(c("Fwd Packet Length Std") == 0);
    CHECK(std::isnan(c("Bwd Init Win Bytes")));
    CHECK(c("Subflow Fwd Packets") == 1);
    CHECK(c("Active Mean") == 0);
}

TEST_CASE("NFStream columns on a millisecond clock, SPLT padded with -1", "[features][presets]") {
    nfstream_features<10> nfs;
    const auto row = run(nfs, 0, connection.size());
    const auto c = [&](std::string_view name) { return column<nfstream_features<10>>(row, name); };
    // Times truncated to ms: 0 1 2 3 4 4 5 5 7005.
    CHECK(c("bidirectional_duration_ms") == 7005);
    CHECK(c("src2dst_duration_ms") == 7005);
    CHECK(c("dst2src_duration_ms") == 4);
    CHECK(c("bidirectional_packets") == 9);
    CHECK(c("bidirectional_bytes") == 9 * 20 + 40 * 2 + 32 * 7 + 1500);
    CHECK(c("src2dst_min_ps") == 52);
    CHECK(c("src2dst_max_ps") == 152);
    CHECK(c("dst2src_mean_ps") == Approx((60 + 252 + 352 + 452 + 552) / 5.0));
    CHECK(c("bidirectional_min_piat_ms") == 0);
    CHECK(c("bidirectional_max_piat_ms") == 7000);
    CHECK(c("bidirectional_mean_piat_ms") == Approx(7005 / 8.0));
    // dst2src at 1 4 4 5 5 ms: gaps 3 0 1 0, mean 1, sample variance (4 + 1 + 0 + 1) / 3 = 2.
    CHECK(c("dst2src_mean_piat_ms") == 1);
    CHECK(c("dst2src_stddev_piat_ms") == Approx(std::sqrt(2.0)));
    CHECK(c("bidirectional_syn_packets") == 2);
    CHECK(c("src2dst_fin_packets") == 1);
    CHECK(c("dst2src_psh_packets") == 4);
    const std::vector<double> directions{0, 1, 0, 0, 1, 1, 1, 1, 0, -1};
    const std::vector<double> sizes{60, 60, 52, 152, 252, 352, 452, 552, 52, -1};
    const std::vector<double> piats{0, 1, 1, 1, 1, 0, 1, 0, 7000, -1};
    for (std::size_t k = 0; k < 10; ++k) {
        INFO("packet " << k + 1);
        CHECK(c("splt_direction_" + std::to_string(k + 1)) == directions[k]);
        CHECK(c("splt_ps_" + std::to_string(k + 1)) == sizes[k]);
        CHECK(c("splt_piat_ms_" + std::to_string(k + 1)) == piats[k]);
    }
}

template <class A>
void check_merge(std::size_t seam, std::string_view skip_prefix) {
    A whole, first, second;
    const auto expected = run(whole, 0, connection.size());
    run(first, 0, seam);
    run(second, seam, connection.size());
    first.merge(second);
    std::vector<double> merged(expected.size());
    first.write(merged);
    for (std::size_t i = 0; i < merged.size(); ++i) {
        const auto name = A::features[i].column();
        if (!skip_prefix.empty() && name.rfind(skip_prefix, 0) == 0) continue;
        INFO(name);
        CHECK(merged[i] == Approx(expected[i]));
    }
}

TEST_CASE("presets merge a flow's parts into the whole flow's values", "[features][presets]") {
    // Split before the bulk and the idle gap, so neither spans the seam.
    for (std::size_t seam : {1u, 4u}) {
        INFO("seam before packet " << seam + 1);
        check_merge<nfstream_features<10>>(seam, "");
        check_merge<cicflowmeter_features>(seam, "Active");  // the active period spans the seam: counted as two
    }
}

TEST_CASE("preset column names are unique and documented", "[features][presets]") {
    const auto check = [](const auto& features) {
        std::set<std::string> names;
        for (const auto& f : features) {
            CHECK(!f.definition.empty());
            CHECK(!f.unit.empty());
            CHECK(names.insert(f.column()).second);
        }
    };
    check(cicflowmeter_features::features);
    check(nfstream_features<10>::features);
    CHECK(cicflowmeter_features::features.size() == 76);
    CHECK(nfstream_features<10>::features.size() == 3 * 19 + 30);
}
