#include "pktdyn/features/timing.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/flow/flow_table.hpp"
#include "pktdyn/proto/decoder.hpp"

using namespace pktdyn;

namespace {
flow_packet at(std::int64_t us, int direction = 0, std::uint32_t ip = 100) {
    flow_packet p;
    p.time = from_ns(1'000'000'000 + us * 1'000);
    p.direction = direction;
    p.ip_length = ip;
    return p;
}
template <class A>
std::vector<double> row(const A& a) {
    std::vector<double> out(A::features.size());
    a.write(out);
    return out;
}
}  // namespace

TEST_CASE("jitter follows RFC 3550's estimator on the change of gaps", "[features][timing]") {
    jitter j;
    // Gaps 20, 22, 19, 20 ms: D = 2, 3, 1 ms.
    for (std::int64_t t : {0, 20'000, 42'000, 61'000, 81'000}) j.update(at(t));
    double expected = 0;
    for (double d : {0.002, 0.003, 0.001}) expected += (d - expected) / 16;
    const auto r = row(j);
    CHECK(r[0] == Approx(expected).epsilon(1e-12));
    CHECK(std::isnan(r[1]));  // the responder sent nothing
    jitter steady;
    for (int i = 0; i < 50; ++i) steady.update(at(i * 20'000, 1));
    CHECK(row(steady)[1] == 0.0);
}

TEST_CASE("jitter and activity merge exactly, wherever the flow is split", "[features][timing]") {
    std::mt19937 rng(9);
    std::vector<flow_packet> packets;
    std::int64_t t = 0;
    for (int i = 0; i < 60; ++i) {
        t += (i % 17 == 16) ? 1'500'000 : static_cast<std::int64_t>(rng() % 30'000);  // idle gaps now and then
        packets.push_back(at(t, static_cast<int>(rng() % 2), static_cast<std::uint32_t>(40 + rng() % 1400)));
    }
    for (std::size_t split : {0u, 1u, 2u, 3u, 16u, 17u, 30u, 59u, 60u}) {
        jitter jw, j1, j2;
        activity<> aw, a1, a2;
        for (std::size_t i = 0; i < packets.size(); ++i) {
            jw.update(packets[i]);
            aw.update(packets[i]);
            (i < split ? j1 : j2).update(packets[i]);
            (i < split ? a1 : a2).update(packets[i]);
        }
        j1.merge(j2);
        a1.merge(a2);
        INFO("split at " << split);
        const auto jm = row(j1), jx = row(jw), am = row(a1), ax = row(aw);
        for (std::size_t i = 0; i < jm.size(); ++i) CHECK(jm[i] == Approx(jx[i]).epsilon(1e-9).margin(1e-15));
        for (std::size_t i = 0; i < am.size(); ++i) {
            INFO(activity<>::features[i].column());
            if (std::isnan(ax[i])) CHECK(std::isnan(am[i]));
            else CHECK(am[i] == Approx(ax[i]).epsilon(1e-9).margin(1e-12));
        }
    }
}

TEST_CASE("bursts are split by idle gaps of at least the threshold", "[features][timing]") {
    activity<1000> a;
    for (std::int64_t t : {0, 100'000, 200'000}) a.update(at(t, 0, 100));  // burst 1: 3 packets, 0.2 s
    for (std::int64_t t : {1'200'000, 1'300'000}) a.update(at(t, 1, 500));  // a 1 s gap: idle; burst 2
    a.update(at(5'300'000, 0, 60));                                          // 4 s idle; burst 3
    const auto r = row(a);
    CHECK(r[0] == 3);                      // burst_count
    CHECK(r[1] == Approx(2.0));            // burst_packets_mean
    CHECK(r[2] == 3);                      // burst_packets_max
    CHECK(r[4] == 1000);                   // burst_bytes_max
    CHECK(r[6] == Approx(0.2));            // burst_duration_max
    CHECK(r[7] == 2);                      // idle_count
    CHECK(r[9] == Approx(4.0));            // idle_max
    CHECK(r[10] == Approx(0.3));           // active_time: 0.2 + 0.1 + 0
    CHECK(r[11] == Approx(5.0));           // idle_time: 1 + 4
}

// The project's netem recordings (data/captures): the UDP echo flow (40 round trips, port 7777) with
// a configured uniform jitter of +-4 ms per direction, and without any. The responder's replies
// cross the emulator twice before the capture point, so consecutive replies' delays differ by the
// sum of four independent +-4 ms draws: E|D| is about 3.7 ms for evenly spaced requests (more when
// the requests themselves are jittered); without jitter, only scheduling noise remains.
TEST_CASE("jitter on the netem recordings follows the configured path jitter", "[features][timing][netem]") {
    const auto resp_jitter = [](const char* name) {
        auto f = capture_file::open(std::string(PKTDYN_SOURCE_DIR) + "/data/captures/" + name);
        REQUIRE(f);
        decoder dec;
        decoded_packet d;
        flow_table<feature_set<jitter>> table{flow_options{.seed = 1}};
        double j = -1;
        const auto on_end = [&](flow_table<feature_set<jitter>>::entry& e) {
            if (e.record.responder_port() != 7777) return;
            std::array<double, 2> r{};
            e.state.write(r);
            j = r[1];
        };
        while (auto p = f->next()) {
            dec.decode(*p, d);
            (void)table.update(p->time, d, on_end);
        }
        table.flush(on_end);
        return j;
    };
    const double jittered = resp_jitter("rtt30-jitter4-reorder5.pcapng"), steady = resp_jitter("rtt20-mixed.pcapng");
    INFO("resp_jitter with +-4 ms: " << jittered << " s; without: " << steady << " s");
    CHECK(jittered > 0.002);
    CHECK(jittered < 0.010);
    CHECK(steady >= 0);
    CHECK(steady < 0.0005);
}
