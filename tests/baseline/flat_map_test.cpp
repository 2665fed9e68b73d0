// The flat map agrees with std::unordered_map over a long random run of insertions, lookups and
// erasures (keys drawn from a small range, so probe chains collide and backward shifts happen),
// and erase_if keeps exactly what it should.
#include <catch2/catch.hpp>
#include <random>
#include <unordered_map>

#include "pktdyn/baseline/flat_map.hpp"
#include "pktdyn/core/ip_address.hpp"

using namespace pktdyn;

TEST_CASE("flat_map agrees with std::unordered_map over random operations", "[baseline][flat_map]") {
    flat_map<std::uint64_t, int> m;
    std::unordered_map<std::uint64_t, int> reference;
    std::mt19937_64 random(7);
    for (int step = 0; step < 200'000; ++step) {
        const std::uint64_t k = random() % 500;
        switch (random() % 4) {
            case 0:
            case 1: {
                const auto [v, added] = m.try_emplace(k);
                CHECK(added == !reference.contains(k));
                *v += step;
                reference[k] += step;
                break;
            }
            case 2: CHECK(m.erase(k) == (reference.erase(k) == 1)); break;
            default: {
                const int* v = m.find(k);
                const auto it = reference.find(k);
                REQUIRE((v != nullptr) == (it != reference.end()));
                if (v) CHECK(*v == it->second);
            }
        }
        REQUIRE(m.size() == reference.size());
    }
    std::size_t seen = 0;
    m.for_each([&](std::uint64_t k, int v) {
        ++seen;
        CHECK(reference.at(k) == v);
    });
    CHECK(seen == reference.size());

    m.erase_if([](std::uint64_t k, int) { return k % 2 == 0; });
    std::erase_if(reference, [](const auto& e) { return e.first % 2 == 0; });
    CHECK(m.size() == reference.size());
    for (const auto& [k, v] : reference) CHECK(m.find(k) != nullptr);
    m.clear();
    CHECK(m.empty());
    CHECK(m.find(1) == nullptr);
}

TEST_CASE("flat_set of addresses", "[baseline][flat_map]") {
    flat_set<ip_address> s;
    CHECK(s.insert(ip_address::v4(10, 0, 0, 1)));
    CHECK_FALSE(s.insert(ip_address::v4(10, 0, 0, 1)));
    CHECK(s.insert(ip_address::v4(10, 0, 0, 2)));
    CHECK(s.contains(ip_address::v4(10, 0, 0, 2)));
    CHECK_FALSE(s.contains(ip_address::v4(10, 0, 0, 3)));
    CHECK(s.size() == 2);
}
