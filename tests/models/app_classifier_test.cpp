#include "pktdyn/models/app_classifier.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pktdyn/capture/capture_set.hpp"
#include "pktdyn/export/sink.hpp"
#include "pktdyn/features/handshakes.hpp"
#include "pktdyn/pipeline/pipeline.hpp"
#include "support/named_row.hpp"

using namespace pktdyn;

namespace {
const std::filesystem::path models = std::filesystem::path(PKTDYN_SOURCE_DIR) / "data/models";

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> shape_columns() {
    std::vector<std::string> c;
    for (const auto& f : flow_shape::features) c.push_back(f.column());
    return c;
}
// A row with every column the inputs read: flow_shape's, then the end columns, then the texts.
struct fake_row : test::named_row {
    fake_row()
        : named_row(shape_columns(), app_inputs::end_columns, std::array<std::string_view, 1>{"handshake"}, app_inputs::token_columns) {}
};

flow_packet packet(std::int64_t at_us, int direction, std::uint32_t payload) {
    flow_packet p;
    p.time = from_ns(at_us * 1'000);
    p.direction = direction;
    p.payload_length = payload;
    p.ip_length = payload + 40;
    return p;
}
}  // namespace

TEST_CASE("tokens: each name's words of two characters or more, lower-cased, not all digits; ALPN protocols; JA4",
          "[models][app_classifier]") {
    fake_row r;
    app_inputs in;
    REQUIRE(in.bind(r.names));
    r.texts[r.at("server_name")] = "www.Google-Analytics.com";
    r.texts[r.at("resolved_name")] = "1e100.net";
    r.texts[r.at("dns_query")] = "a.b.123.example";
    r.texts[r.at("alpn_offered")] = "h2,http/1.1";
    r.texts[r.at("ja4")] = "t13d1516h2_8daaf6152771_e5627efa2ab1";
    std::vector<std::string> tokens;
    in.tokens(r.texts, [&](std::string_view t) { tokens.emplace_back(t); });
    CHECK(tokens == std::vector<std::string>{"name:www", "name:google", "name:analytics", "name:com", "name:1e100", "name:net",
                                             "name:example", "alpn:h2", "alpn:http/1.1", "ja4:t13d1516h2_8daaf6152771_e5627efa2ab1"});
}

TEST_CASE("behaviour inputs: the handshake's kind and JA4's counts at the end; after n packets the first n, end-only inputs missing",
          "[models][app_classifier]") {
    fake_row r;
    app_inputs in;
    REQUIRE(in.bind(r.names));
    flow_shape whole, first8;
    for (int i = 0; i < 20; ++i) {
        const auto p = packet(i * 1'500 + i * i * 37, i % 3 == 1, static_cast<std::uint32_t>((i * 211) % 1400));
        whole.update(p);
        if (i < 8) first8.update(p);
    }
    whole.write(std::span(r.numbers).first(flow_shape::features.size()));
    r.numbers[r.at("orig_mss")] = 1460;
    r.texts[r.at("handshake")] = "quic";
    r.texts[r.at("ja4")] = "q13d0312h3_55b375c5d22e_06cda9e17597";
    const auto& names = app_inputs::names();
    const auto input = [&](const std::vector<double>& v, std::string_view name) {
        return v[static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin())];
    };

    std::vector<double> end(app_inputs::width), early(app_inputs::width);
    in.behaviour(r.numbers, r.texts, 0, end);
    CHECK(input(end, "orig_mss") == 1460);
    CHECK(input(end, "handshake_kind") == 3);
    CHECK(input(end, "ja4_protocol") == 2);
    CHECK(input(end, "ja4_version") == 13);
    CHECK(input(end, "ja4_sni") == 1);
    CHECK(input(end, "ja4_ciphers") == 3);
    CHECK(input(end, "ja4_extensions") == 12);
    CHECK(input(end, "shape_packets") == 20);

    in.behaviour(r.numbers, r.texts, 8, early);
    std::vector<double> expected(flow_shape::features.size());
    first8.write(expected);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO(names[i]);
        if (std::isnan(expected[i])) CHECK(std::isnan(early[i]));
        else CHECK(early[i] == expected[i]);
    }
    CHECK(std::isnan(input(early, "orig_mss")));
    CHECK(std::isnan(input(early, "handshake_kind")));

    in.behaviour(r.numbers, r.texts, 20, early);  // a flow of n packets or fewer: its end inputs
    for (std::size_t i = 0; i < end.size(); ++i)
        if (!std::isnan(end[i])) CHECK(early[i] == end[i]);
}

TEST_CASE("binding names the column the classifier lacks", "[models][app_classifier]") {
    fake_row r;
    r.names[r.at("orig_mss")] = "something_else";
    app_inputs in;
    const auto bound = in.bind(r.names);
    REQUIRE_FALSE(bound);
    CHECK_THAT(bound.error().message(), Catch::Contains("'orig_mss'") && Catch::Contains("handshake_metadata"));
}

TEST_CASE("the shipped models load with their classes, inputs and reject thresholds", "[models][app_classifier]") {
    for (const char* file : {"app_category_behaviour.json", "app_category_text.json", "app_name_behaviour.json", "app_name_text.json"}) {
        INFO(file);
        const auto path = models / file;
        REQUIRE(std::filesystem::exists(path));
        CHECK(std::filesystem::file_size(path) <= 5u << 20);  // the bound: 5 MiB a file
        auto m = app_model::load(path);
        REQUIRE(m);
        CHECK(m->classes.size() == m->trees.num_outputs());
        CHECK(m->uses_text() == std::string_view(file).ends_with("text.json"));
        CHECK(m->target == (std::string_view(file).starts_with("app_category") ? "category" : "application"));
        CHECK(m->reject_below >= 0);
        CHECK(m->reject_below < 1);
        if (!m->uses_text())  // every input of a behaviour model is a behaviour input: no name, no port
            for (const auto& name : m->trees.feature_names())
                CHECK(std::find(app_inputs::names().begin(), app_inputs::names().end(), name) != app_inputs::names().end());
    }
}

TEST_CASE("a model without pktdyn's attributes, or with a class per output missing, is refused with the reason",
          "[models][app_classifier]") {
    const std::string text = read(models / "app_category_behaviour.json");
    auto plain = text;
    plain.replace(plain.find("\"pktdyn_target\""), std::string_view("\"pktdyn_target\"").size(), "\"other_target\"");
    const auto a = app_model::parse(plain, "plain.json");
    REQUIRE_FALSE(a);
    CHECK_THAT(a.error().message(), Catch::Contains("no learner attribute 'pktdyn_target'"));

    auto fewer = text;
    const auto key = fewer.find("\"pktdyn_classes\":\"");
    REQUIRE(key != std::string::npos);
    const auto at = key + std::string_view("\"pktdyn_classes\":\"").size();
    fewer.erase(at, fewer.find(',', at) - at + 1);  // the first class's name and its comma
    const auto b = app_model::parse(fewer, "fewer.json");
    REQUIRE_FALSE(b);
    CHECK_THAT(b.error().message(), Catch::Contains("class names for"));
}

TEST_CASE("in a pipeline: verdict columns for every flow with payload, the same at any thread count",
          "[models][app_classifier][pipeline]") {
    const auto capture = std::filesystem::path(PKTDYN_SOURCE_DIR) / "data/captures/rtt20-mixed.pcapng";
    std::vector<std::vector<std::string>> runs;
    for (unsigned threads : {1u, 3u}) {
        auto classifier = app_classifier::load_shipped(models, true, true);
        REQUIRE(classifier);
        auto captures = capture_set::open({capture});
        REQUIRE(captures);
        std::vector<std::string> rows;
        auto run = from(*captures) | track_flows() | extract<handshake_metadata, flow_shape>() | score(std::move(*classifier)) |
                   to(callback_sink([&](const schema& s, std::span<const value> row) {
                       const auto c = s.find("app_category"), p = s.find("app_category_probability"), n = s.find("app_category_at_4");
                       REQUIRE(c < s.size());
                       REQUIRE(n < s.size());
                       REQUIRE(s[c].type == column_type::text);
                       const bool payload = row[s.find("orig_payload_bytes")].as_double() + row[s.find("resp_payload_bytes")].as_double() > 0;
                       CHECK((row[c].type == value::kind::text) == payload);  // no payload, no verdict
                       if (payload) CHECK(row[p].as_double() >= 0);
                       if (payload) CHECK(row[p].as_double() <= 1);
                       rows.push_back(fmt::format("{} {} {} {}", row[s.find("community_id")].s, row[c].s, row[p].as_double(), row[n].s));
                   }));
        const auto r = run({.threads = threads});
        REQUIRE(r.ok());
        CHECK(rows.size() == 12);
        runs.push_back(rows);
    }
    CHECK(runs[0] == runs[1]);
}
