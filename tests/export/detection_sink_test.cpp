// The detection sink reads flow rows by column name: rows written by hand reach the detectors as
// the facts they describe, a row set without the record's columns is refused by name, and a
// capture's rows raise the alerts its flows' facts raise in a pipeline.
#include <catch2/catch.hpp>

#include <filesystem>

#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/export/detection_sink.hpp"
#include "pktdyn/features/handshakes.hpp"
#include "pktdyn/pipeline/pipeline.hpp"
#include "support/flows.hpp"

using namespace pktdyn;

namespace {
struct kept {
    std::vector<alert> all;
    result<void> begin() { return {}; }
    void consume(const alert& a) { all.push_back(a); }
    result<void> finish() { return {}; }
};
}  // namespace

TEST_CASE("Addresses from text", "[export][detection_sink]") {
    CHECK(address_from_text("192.0.2.1") == ip_address::v4(192, 0, 2, 1));
    CHECK(address_from_text("2001:db8::1").version == 6);
    CHECK(address_from_text("not an address").version == 0);
    CHECK(address_from_text("").version == 0);
}

TEST_CASE("Rows become facts: 25 rejected SYNs are a vertical scan", "[export][detection_sink]") {
    schema s;
    for (const char* name : {"originator", "responder", "responder_port", "protocol", "first_seen", "last_seen", "history",
                             "orig_packets", "orig_syn", "community_id"})
        s.add({name});
    detection_sink<kept> sink(detector_config{}, kept{});
    REQUIRE(sink.begin(s));
    for (std::uint64_t port = 1; port <= 25; ++port) {
        const std::vector<value> row{value::of_text("198.51.100.3"), value::of_text("192.0.2.80"), value::of_count(port),
                                     value::of_count(6), value::of_time(test::at_seconds(static_cast<double>(port))),
                                     value::of_time(test::at_seconds(static_cast<double>(port))), value::of_text("Sr"),
                                     value::of_count(1), value::of_count(1), value::of_text("1:x=")};
        sink.consume(row);
    }
    REQUIRE(sink.finish());
    REQUIRE(sink.alerts().all.size() == 1);
    CHECK(sink.alerts().all[0].detector == "scan.vertical");
    CHECK(sink.counts().at("scan.vertical") == 1);
}

TEST_CASE("Rows without the record's columns are refused by name", "[export][detection_sink]") {
    schema s;
    s.add({"originator"});
    detection_sink<kept> sink(detector_config{}, kept{});
    const auto r = sink.begin(s);
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("'responder'") != std::string::npos);
}

TEST_CASE("A capture's rows raise the alerts its facts raise in a pipeline", "[export][detection_sink]") {
    const auto path = std::filesystem::path(PKTDYN_SOURCE_DIR) / "data/captures/attacks.pcapng";
    auto source = capture_file::open(path.string());
    REQUIRE(source);
    const detector_config config;
    detection_sink<kept> from_facts(config, kept{}), from_rows(config, kept{});
    auto run = from(*source) | track_flows({}) | extract<login_outcomes, dns_activity, tls_meta>() | to(by_reference(from_facts)) |
               to(callback_sink([&](const schema&, std::span<const value> row) { from_rows.consume(row); }));
    REQUIRE(from_rows.begin(run.columns()));
    REQUIRE(run().ok());
    REQUIRE(from_rows.finish());
    const auto& a = from_facts.alerts().all;
    const auto& b = from_rows.alerts().all;
    REQUIRE(a.size() > 5);  // the recording's scans, guessing, tunnel and upload
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        INFO(a[i].sentence);
        CHECK(a[i].detector == b[i].detector);
        CHECK(a[i].entity == b[i].entity);
        CHECK(a[i].peer == b[i].peer);
        CHECK(a[i].severity == b[i].severity);
        CHECK(a[i].sentence == b[i].sentence);
        CHECK(a[i].community_ids == b[i].community_ids);
        CHECK(a[i].evidence == b[i].evidence);
    }
}
