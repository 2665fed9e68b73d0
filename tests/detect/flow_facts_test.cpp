// Flow facts: what a pipeline gives detectors without building rows must be what the flow's row says
// (the row's columns are the ones checked against tshark); the Community ID is computed only when
// asked; kept facts own their text.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <map>

#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/detect/flow_facts.hpp"
#include "pktdyn/features/handshakes.hpp"
#include "pktdyn/pipeline/pipeline.hpp"
#include "support/flows.hpp"

using namespace pktdyn;

namespace {
struct kept_facts {  // observes flows and wants no rows: the pipeline gives it facts only
    std::vector<kept_flow_facts>* all;
    result<void> begin(const schema&) { return {}; }
    [[nodiscard]] bool wants_rows() const noexcept { return false; }
    void consume(std::span<const value>) { FAIL("a sink that wants no rows got one"); }
    void observe(const flow_facts& f) { all->emplace_back().assign(f); }
    result<void> finish() { return {}; }
};

struct kept_row {
    std::map<std::string, value> by_name;
    std::vector<std::string> texts;
};

bool same_number(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }
}  // namespace

TEST_CASE("Facts read from a flow's record and accumulators equal its row", "[detect][flow_facts]") {
    const std::filesystem::path captures = std::filesystem::path(PKTDYN_SOURCE_DIR) / "data/captures";
    std::size_t flows = 0, names = 0, dns = 0, logins = 0;
    for (const char* file : {"attacks.pcapng", "rtt20-mixed.pcapng", "attacks-upload.pcapng"}) {
        for (const unsigned threads : {1u, 3u}) {
            INFO(file << " at " << threads << " threads");
            auto source = capture_file::open((captures / file).string());
            REQUIRE(source);
            std::vector<kept_flow_facts> facts;
            std::vector<kept_row> rows;
            auto run = from(*source) | track_flows({}) | extract<login_outcomes, dns_activity, tls_meta>() |
                       to(kept_facts{&facts}) | to(callback_sink([&](const schema& s, std::span<const value> row) {
                           kept_row& k = rows.emplace_back();
                           k.texts.reserve(row.size());
                           for (std::size_t i = 0; i < row.size(); ++i) {
                               value v = row[i];
                               if (v.type == value::kind::text) v.s = k.texts.emplace_back(v.s);
                               k.by_name[s[i].name] = v;
                           }
                       }));
            REQUIRE(run({.threads = threads}).ok());
            REQUIRE(facts.size() == rows.size());
            REQUIRE(!facts.empty());
            for (std::size_t i = 0; i < facts.size(); ++i) {
                const flow_facts& f = facts[i].get();
                const auto& r = rows[i].by_name;
                const auto text = [&](const char* c) { return std::string(r.at(c).s); };
                const auto count = [&](const char* c) { return r.at(c).type == value::kind::missing ? 0 : r.at(c).u; };
                INFO("flow " << i << " " << text("community_id"));
                CHECK(f.originator.to_string() == text("originator"));
                CHECK(f.responder.to_string() == text("responder"));
                CHECK(f.originator_port == count("originator_port"));
                CHECK(f.responder_port == count("responder_port"));
                CHECK(f.protocol == count("protocol"));
                CHECK(to_ns(f.first) == r.at("first_seen").ns);
                CHECK(to_ns(f.last) == r.at("last_seen").ns);
                CHECK(f.continues == (text("end_reason") == "active_timeout"));
                CHECK(std::string(f.conn_state) == text("conn_state"));
                CHECK(std::string(f.history) == text("history"));
                CHECK(std::string(f.community_id()) == text("community_id"));
                CHECK(f.orig_packets == count("orig_packets"));
                CHECK(f.resp_packets == count("resp_packets"));
                CHECK(f.orig_syn == count("orig_syn"));
                CHECK(f.orig_ack == count("orig_ack"));
                CHECK(f.orig_rst == count("orig_rst"));
                CHECK(f.orig_bytes == count("orig_ip_bytes"));
                CHECK(f.resp_bytes == count("resp_ip_bytes"));
                CHECK(std::string(f.server_name) == text("server_name"));
                CHECK(std::string(f.dns_longest_query) == text("dns_longest_query"));
                CHECK(std::string(f.dns_first_query) == text("dns_first_query"));
                for (const auto& [name, value] :
                     {std::pair{"ssh_auth_attempts", f.ssh_auth_attempts}, {"ssh_auth_success", f.ssh_auth_success},
                      {"ftp_login_failures", f.ftp_login_failures}, {"ftp_logins", f.ftp_logins},
                      {"http_auth_failures", f.http_auth_failures}, {"dns_query_names", f.dns_query_names},
                      {"dns_longest_name", f.dns_longest_name}, {"dns_label_entropy", f.dns_label_entropy},
                      {"dns_txt_null_queries", f.dns_txt_null_queries}, {"dns_nxdomain", f.dns_nxdomain}}) {
                    INFO(name);
                    CHECK(same_number(value, r.at(name).as_double()));
                }
                names += !f.server_name.empty();
                dns += !f.dns_first_query.empty();
                logins += flow_facts::has(f.ssh_auth_attempts) || flow_facts::has(f.http_auth_failures);
            }
            flows += facts.size();
        }
    }
    // The captures exercise every kind of fact, not only the record's.
    CHECK(flows > 1000);
    CHECK(names > 0);
    CHECK(dns > 0);
    CHECK(logins > 0);
}

TEST_CASE("The Community ID: given as text, or computed from the key when first asked", "[detect][flow_facts]") {
    flow_facts given;
    CHECK(given.community_id().empty());
    given.set_community_id("1:abc=");
    CHECK(given.community_id() == "1:abc=");

    // The spec's TCP example (community-id-spec baseline): 128.232.110.120:34855 → 66.35.250.204:80.
    flow_key k;
    k.a = ip_address::v4(128, 232, 110, 120);
    k.b = ip_address::v4(66, 35, 250, 204);
    k.port_a = 34855;
    k.port_b = 80;
    k.protocol = 6;
    flow_facts keyed;
    keyed.set_key(k);
    CHECK(keyed.community_id() == "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

TEST_CASE("Kept facts own their text", "[detect][flow_facts]") {
    kept_flow_facts kept;
    {
        std::string history = "ShADadFf", name = "example.org", query = "a.example.org", id = "1:xyz=";
        flow_facts f = test::tcp_flow(test::v4(10, 0, 0, 1), test::v4(192, 0, 2, 1), 443, 1.0, history);
        f.server_name = name;
        f.dns_longest_query = f.dns_first_query = query;
        f.set_community_id(id);
        kept.assign(f);
        history.assign(8, 'x');
        name.assign(11, 'x');
        query.assign(13, 'x');
        id.assign(6, 'x');
    }
    CHECK(kept.get().history == "ShADadFf");
    CHECK(kept.get().server_name == "example.org");
    CHECK(kept.get().dns_longest_query == "a.example.org");
    CHECK(kept.get().dns_first_query == "a.example.org");
    CHECK(kept.get().community_id() == "1:xyz=");
}
