// Registered domains (with Debian's Public Suffix List where installed, else the last two labels),
// our networks, and the learning period.
#include <catch2/catch.hpp>

#include "pktdyn/detect/context.hpp"
#include "support/flows.hpp"

using namespace pktdyn;

TEST_CASE("Registered domains with and without the Public Suffix List", "[detect][context]") {
    detect_context ctx;
    CHECK(ctx.registered_domain("www.example.co.uk.") == "co.uk");  // no list: two labels
    CHECK(ctx.registered_domain("localhost") == "localhost");
    // Labels of raw bytes are skipped: the domain is in the clean labels after them.
    CHECK(ctx.registered_domain("a\\xc6b.\\xd7S.t.pirate.sea") == "pirate.sea");
    const auto list = public_suffix_list::load();
    if (!list) {
        WARN("no Public Suffix List (apt install publicsuffix): " << list.error().message());
        return;
    }
    ctx.suffixes = &*list;
    CHECK(ctx.registered_domain("www.example.co.uk") == "example.co.uk");
    CHECK(ctx.registered_domain("a.b.example.com") == "example.com");
}

TEST_CASE("Our networks and the learning period", "[detect][context]") {
    detect_context ctx;
    CHECK(ctx.is_internal(test::v4(192, 168, 1, 1)));
    CHECK_FALSE(ctx.is_internal(test::v4(8, 8, 8, 8)));
    ctx.learning_until = test::at_seconds(100);
    CHECK(ctx.learning(test::at_seconds(99)));
    CHECK_FALSE(ctx.learning(test::at_seconds(100)));
}
