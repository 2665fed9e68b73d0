// CIDR networks against Python's ipaddress module (Debian's python3): the same texts accepted and
// refused as ip_network(strict=True), and the same membership for random addresses.
#include "pktdyn/baseline/networks.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

using namespace pktdyn;

namespace {
ip_address addr(std::string_view text) { return parse_network(text).value().base; }
}  // namespace

TEST_CASE("networks parse as CIDR text, and bad text is refused with the reason", "[baseline][networks]") {
    const auto n = parse_network("172.16.0.0/12");
    REQUIRE(n);
    CHECK(n->to_string() == "172.16.0.0/12");
    CHECK(n->contains(addr("172.31.255.255")));
    CHECK_FALSE(n->contains(addr("172.32.0.0")));
    CHECK_FALSE(n->contains(addr("::ffff:172.16.0.1")));  // another family
    CHECK(parse_network("2001:db8::1")->prefix == 128);
    CHECK(parse_network("0.0.0.0/0")->contains(addr("203.0.113.9")));
    for (const auto& [text, why] : std::vector<std::pair<std::string, std::string>>{
             {"10.1.0.0/8", "has host bits set (the network is 10.0.0.0/8)"},
             {"10.0.0.0/33", "the prefix length 33 is more than 32"},
             {"10.0.0.0/", "the prefix length is not a number"},
             {"10.0.0.0/+8", "the prefix length is not a number"},
             {"10.0.0/8", "not an IPv4 or IPv6 address"},
             {"fe80::/129", "the prefix length 129 is more than 128"},
             {"example.com", "not an IPv4 or IPv6 address"}}) {
        const auto r = parse_network(text);
        REQUIRE_FALSE(r);
        CHECK(r.error().message() == "network '" + text + "': " + why);
    }
    const auto list = network_list::parse("10.0.0.0/8,, 192.168.0.0/16");
    REQUIRE_FALSE(list);
    CHECK(list.error().message() == "network list '10.0.0.0/8,, 192.168.0.0/16': an empty entry");
}

TEST_CASE("internal networks by default: RFC 1918, RFC 4193 and link-local", "[baseline][networks]") {
    const auto internal = network_list::internal();
    for (const char* a : {"10.2.3.4", "172.20.0.1", "192.168.1.1", "169.254.7.7", "fd12:3456::1", "fe80::1"})
        CHECK(internal.contains(addr(a)));
    for (const char* a : {"8.8.8.8", "172.32.0.1", "192.169.0.1", "2001:db8::1", "fec0::1"})
        CHECK_FALSE(internal.contains(addr(a)));
}

TEST_CASE("membership and parsing agree with Python's ipaddress on random addresses and texts", "[baseline][networks]") {
    const std::vector<std::string> texts{
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "203.0.113.0/24", "198.51.100.128/25",
        "192.0.2.7", "fc00::/7", "fe80::/10", "2001:db8:abcd::/48", "2001:db8:0:1::/64", "::1",
        "10.0.0.1/8", "192.168.1.0/23", "2001:db8::/31", "1.2.3.4/32", "fe80::1/64", "0.0.0.0/0"};
    std::mt19937_64 rng(11);
    std::vector<std::string> addresses;
    for (int i = 0; i < 3000; ++i) {
        std::uniform_int_distribution<int> byte(0, 255);
        if (i % 2 == 0) {
            // Biased toward the listed prefixes' first bytes, so that members are common.
            static const int firsts[] = {10, 172, 192, 100, 203, 198, 1, 8};
            addresses.push_back(fmt::format("{}.{}.{}.{}", firsts[i / 2 % 8], byte(rng), byte(rng), byte(rng)));
        } else {
            static const char* heads[] = {"fc", "fd", "fe80", "fec0", "2001:db8", "2001:db9", "2001:db8:abcd", "2001:db8:0:1"};
            addresses.push_back(fmt::format("{}:{:x}:{:x}::{:x}", heads[i / 2 % 8], byte(rng) * 256 + byte(rng), byte(rng), byte(rng)));
        }
    }
    test::temp_dir dir;
    const auto in = dir.path() / "in.txt", out = dir.path() / "out.txt";
    {
        std::ofstream f(in);
        for (const auto& t : texts) f << "n " << t << "\n";
        for (const auto& a : addresses) f << "a " << a << "\n";
    }
    const std::string script =
        "import ipaddress, sys\n"
        "nets, out = [], open(sys.argv[2], 'w')\n"
        "for line in open(sys.argv[1]):\n"
        "    kind, text = line.split()\n"
        "    if kind == 'n':\n"
        "        try: nets.append(ipaddress.ip_network(text, strict=True)); out.write('ok\\n')\n"
        "        except ValueError: out.write('refused\\n')\n"
        "    else:\n"
        "        a = ipaddress.ip_address(text)\n"
        "        out.write('in\\n' if any(a.version == n.version and a in n for n in nets) else 'out\\n')\n";
    std::ofstream(dir.path() / "check.py") << script;
    REQUIRE(std::system(("/usr/bin/python3 " + (dir.path() / "check.py").string() + " " + in.string() + " " + out.string()).c_str()) == 0);
    std::ifstream answers(out);
    std::vector<network> nets;
    std::string word;
    for (const auto& t : texts) {
        answers >> word;
        const auto n = parse_network(t);
        INFO(t);
        CHECK((n ? "ok" : "refused") == word);
        if (n) nets.push_back(*n);
    }
    const network_list list(nets);
    std::size_t members = 0;
    for (const auto& a : addresses) {
        answers >> word;
        const auto parsed = parse_network(a);
        REQUIRE(parsed);
        const bool in_list = list.contains(parsed->base);
        INFO(a);
        CHECK((in_list ? "in" : "out") == word);
        members += in_list;
    }
    CHECK(members > 300);  // both answers well represented
    CHECK(members < addresses.size() - 300);
}
