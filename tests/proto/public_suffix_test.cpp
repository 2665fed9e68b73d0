// Registered domains against the Public Suffix List project's own test vectors
// (publicsuffix/list tests/test_psl.txt, public domain), over Debian's copy of the list. The
// vectors' Unicode names are compared in punycode, the form DNS carries (RFC 3492's encoding of
// 食狮, 公司 and 中国 is checked against the punycoded vectors of the same file).
#include "pktdyn/proto/public_suffix.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using pktdyn::public_suffix_list;

TEST_CASE("punycode (RFC 3492) labels as the list's tests spell them", "[proto][public_suffix]") {
    using pktdyn::detail::psl::ascii_label;
    CHECK(ascii_label("食狮") == "xn--85x722f");
    CHECK(ascii_label("公司") == "xn--55qx5d");
    CHECK(ascii_label("中国") == "xn--fiqs8s");
    CHECK(ascii_label("bücher") == "xn--bcher-kva");  // RFC 3492 §7.1's style: basic code points kept before '-'
    CHECK(ascii_label("WwW") == "www");
}

TEST_CASE("registered domains agree with the Public Suffix List's test vectors", "[proto][public_suffix]") {
    auto list = public_suffix_list::load();
    if (!list) {
        FAIL(list.error().message());  // scripts/setup-deps.sh installs Debian's publicsuffix
        return;
    }
    CHECK(list->rule_count() > 5000);
    // checkPublicSuffix(input, expected) from tests/test_psl.txt; "" stands for null.
    const std::vector<std::pair<std::string, std::string>> vectors{
        {"", ""}, {"COM", ""}, {"example.COM", "example.com"}, {"WwW.example.COM", "example.com"},
        {".com", ""}, {".example", ""}, {".example.com", ""}, {".example.example", ""},
        {"example", ""}, {"example.example", "example.example"}, {"b.example.example", "example.example"},
        {"a.b.example.example", "example.example"},
        {"biz", ""}, {"domain.biz", "domain.biz"}, {"b.domain.biz", "domain.biz"}, {"a.b.domain.biz", "domain.biz"},
        {"com", ""}, {"example.com", "example.com"}, {"b.example.com", "example.com"}, {"a.b.example.com", "example.com"},
        {"uk.com", ""}, {"example.uk.com", "example.uk.com"}, {"b.example.uk.com", "example.uk.com"},
        {"a.b.example.uk.com", "example.uk.com"}, {"test.ac", "test.ac"},
        {"mm", ""}, {"c.mm", ""}, {"b.c.mm", "b.c.mm"}, {"a.b.c.mm", "b.c.mm"},
        {"jp", ""}, {"test.jp", "test.jp"}, {"www.test.jp", "test.jp"}, {"ac.jp", ""}, {"test.ac.jp", "test.ac.jp"},
        {"www.test.ac.jp", "test.ac.jp"}, {"kyoto.jp", ""}, {"test.kyoto.jp", "test.kyoto.jp"}, {"ide.kyoto.jp", ""},
        {"b.ide.kyoto.jp", "b.ide.kyoto.jp"}, {"a.b.ide.kyoto.jp", "b.ide.kyoto.jp"}, {"c.kobe.jp", ""},
        {"b.c.kobe.jp", "b.c.kobe.jp"}, {"a.b.c.kobe.jp", "b.c.kobe.jp"}, {"city.kobe.jp", "city.kobe.jp"},
        {"www.city.kobe.jp", "city.kobe.jp"},
        {"ck", ""}, {"test.ck", ""}, {"b.test.ck", "b.test.ck"}, {"a.b.test.ck", "b.test.ck"}, {"www.ck", "www.ck"},
        {"www.www.ck", "www.ck"},
        {"us", ""}, {"test.us", "test.us"}, {"www.test.us", "test.us"}, {"ak.us", ""}, {"test.ak.us", "test.ak.us"},
        {"www.test.ak.us", "test.ak.us"}, {"k12.ak.us", ""}, {"test.k12.ak.us", "test.k12.ak.us"},
        {"www.test.k12.ak.us", "test.k12.ak.us"},
        // IDN labels, compared in punycode.
        {"食狮.com.cn", "xn--85x722f.com.cn"}, {"食狮.公司.cn", "xn--85x722f.xn--55qx5d.cn"},
        {"www.食狮.公司.cn", "xn--85x722f.xn--55qx5d.cn"}, {"shishi.公司.cn", "shishi.xn--55qx5d.cn"}, {"公司.cn", ""},
        {"食狮.中国", "xn--85x722f.xn--fiqs8s"}, {"www.食狮.中国", "xn--85x722f.xn--fiqs8s"},
        {"shishi.中国", "shishi.xn--fiqs8s"}, {"中国", ""},
        {"xn--85x722f.com.cn", "xn--85x722f.com.cn"}, {"xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"},
        {"www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"}, {"shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn"},
        {"xn--55qx5d.cn", ""}, {"xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"},
        {"www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"}, {"shishi.xn--fiqs8s", "shishi.xn--fiqs8s"},
        {"xn--fiqs8s", ""},
    };
    for (const auto& [name, expected] : vectors) {
        INFO(name);
        CHECK(list->registrable_domain(name) == expected);
    }
    CHECK(list->registrable_domain("www.example.com.") == "example.com");  // a DNS name's trailing dot
}

TEST_CASE("a missing list file is an error naming it", "[proto][public_suffix]") {
    const auto l = public_suffix_list::load("/nonexistent/list.dat");
    REQUIRE_FALSE(l);
    CHECK_THAT(l.error().message(), Catch::Contains("/nonexistent/list.dat"));
    const auto small = public_suffix_list::parse("// comment\ncom\n*.ck\n!www.ck\n");
    CHECK(small.registrable_domain("a.b.test.ck") == "b.test.ck");
    CHECK(small.registrable_domain("www.www.ck") == "www.ck");
}
