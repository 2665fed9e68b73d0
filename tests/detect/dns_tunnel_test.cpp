// DNS tunnels from dns_activity's evidence: 100 distinct names under one domain, encoded labels,
// TXT/NULL volume and NXDOMAIN bursts.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "pktdyn/detect/dns_tunnel.hpp"
#include "support/flows.hpp"

using namespace pktdyn;
using pktdyn::test::at_seconds;
using pktdyn::test::v4;

namespace {
flow_facts query(double t, std::string_view name, double names = 1) {
    flow_facts f;
    f.originator = v4(10, 0, 0, 30);
    f.responder = v4(10, 0, 0, 53);
    f.protocol = 17;
    f.responder_port = 53;
    f.first = at_seconds(t);
    f.last = at_seconds(t + 0.01);
    f.dns_first_query = f.dns_longest_query = name;
    f.dns_query_names = names;
    f.dns_longest_name = static_cast<double>(name.size());
    f.dns_label_entropy = 2.5;
    f.dns_txt_null_queries = 0;
    f.dns_nxdomain = 0;
    return f;
}
}  // namespace

TEST_CASE("100 distinct names under one registered domain in an hour", "[detect][dns]") {
    dns_tunnel_detector d;
    detect_context ctx;
    std::vector<alert> out;
    std::vector<std::string> names;
    for (int i = 0; i < 100; ++i) names.push_back("n" + std::to_string(i) + ".t.example.org");
    for (int i = 0; i < 99; ++i) d.observe(query(i, names[static_cast<std::size_t>(i)]), ctx, out);
    CHECK(out.empty());
    d.observe(query(99, names[0]), ctx, out);  // a repeat is not new
    CHECK(out.empty());
    d.observe(query(100, names[99]), ctx, out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].detector == "dns.tunnel");
    CHECK(out[0].peer == "example.org");
    CHECK(out[0].technique == "T1071.004");
}

TEST_CASE("A name that carries data, and NXDOMAIN bursts", "[detect][dns]") {
    dns_tunnel_detector d;
    detect_context ctx;
    std::vector<alert> out;
    auto f = query(0, "H4sICN03x2QAA3Rlc3QudHh0AAvJyCxWAKJEheLU5KLUEoW0zJxULgAge.example.com");
    f.dns_label_entropy = 4.8;
    d.observe(f, ctx, out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].detector == "dns.encoded_name");
    out.clear();
    std::vector<std::string> dga;
    for (int i = 0; i < 10; ++i) dga.push_back("x" + std::to_string(i) + ".invalid-dga.com");
    for (int i = 0; i < 10; ++i) {
        auto nx = query(100 + i, dga[static_cast<std::size_t>(i)]);
        nx.dns_nxdomain = 1;
        d.observe(nx, ctx, out);
    }
    REQUIRE(out.size() == 1);
    CHECK(out[0].detector == "dns.nxdomain_burst");
}
