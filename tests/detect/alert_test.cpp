// The alert type's helpers and the alert book's suppression (Zeek's notice default: 1 hour).
#include <catch2/catch.hpp>

#include "pktdyn/detect/alert.hpp"
#include "support/flows.hpp"

using namespace pktdyn;
using pktdyn::test::at_seconds;

TEST_CASE("Severity grows by 10 per doubling past the threshold, capped", "[detect][alert]") {
    CHECK(severity_above(50, 25, 25) == 50);
    CHECK(severity_above(50, 49, 25) == 50);
    CHECK(severity_above(50, 50, 25) == 60);
    CHECK(severity_above(50, 400, 25) == 90);
    CHECK(severity_above(50, 1e9, 25, 80) == 80);
}

TEST_CASE("A repeat within the suppression window is counted, not told", "[detect][alert]") {
    alert_book book;
    alert a;
    a.detector = "scan.vertical";
    a.entity = "203.0.113.9";
    a.end = at_seconds(0);
    CHECK(book.admit(a));
    a.end = at_seconds(3599);
    CHECK_FALSE(book.admit(a));
    a.peer = "10.0.0.1";  // another peer: another alert
    CHECK(book.admit(a));
    a.peer.clear();
    a.end = at_seconds(3600);
    CHECK(book.admit(a));
    CHECK(book.admitted() == 3);
    CHECK(book.suppressed() == 1);
}

TEST_CASE("An alert keeps up to 16 distinct Community IDs", "[detect][alert]") {
    alert a;
    for (int i = 0; i < 40; ++i) a.add_flow("1:id" + std::to_string(i % 20));
    a.add_flow("");
    CHECK(a.community_ids.size() == alert::max_community_ids);
    CHECK(a.community_ids[0] == "1:id0");
}
