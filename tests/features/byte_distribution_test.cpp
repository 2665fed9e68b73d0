#include "pktdyn/features/byte_distribution.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <set>
#include <vector>

using namespace pktdyn;

namespace {
flow_packet with_payload(const std::vector<std::byte>& bytes) {
    flow_packet p;
    p.payload = bytes;
    p.payload_length = static_cast<std::uint32_t>(bytes.size());
    return p;
}
template <class D>
std::vector<double> row(const D& d) {
    std::vector<double> out(D::features.size());
    d.write(out);
    return out;
}
}  // namespace

TEST_CASE("entropy, mean and spread of the first K payload bytes", "[features][byte_distribution]") {
    byte_distribution<8> d;
    d.update(with_payload({std::byte{'a'}, std::byte{'a'}, std::byte{'b'}, std::byte{'b'}}));
    d.update(with_payload({std::byte{'c'}, std::byte{'c'}, std::byte{'d'}, std::byte{'d'}, std::byte{'z'}}));  // one past K
    const auto r = row(d);
    CHECK(r[0] == 8);
    CHECK(r[1] == Approx(2.0));               // four values, equally often: 2 bits
    CHECK(r[2] == Approx(('a' + 'b' + 'c' + 'd') / 4.0));
    CHECK(r[3] == Approx(std::sqrt(1.25)));   // values a..d: spread of 0,1,2,3
    CHECK(r[4 + 'a' / 16] == 8);              // all in the 96-111 bin
    CHECK(d.counts()['z'] == 0);              // beyond the first K bytes
}

TEST_CASE("uniform random bytes have nearly 8 bits of entropy, one value has 0", "[features][byte_distribution]") {
    std::mt19937 rng(4);
    std::vector<std::byte> random(1 << 16);
    for (auto& b : random) b = static_cast<std::byte>(rng());
    byte_distribution<(1 << 16), true> d;
    d.update(with_payload(random));
    const auto r = row(d);
    CHECK(r[1] > 7.99);
    CHECK(r[1] <= 8.0);
    std::uint64_t total = 0;
    for (std::size_t v = 0; v < 256; ++v) total += static_cast<std::uint64_t>(r[20 + v]);
    CHECK(total == random.size());
    byte_distribution<> same;
    same.update(with_payload(std::vector<std::byte>(100, std::byte{7})));
    CHECK(row(same)[1] == 0.0);
    CHECK(row(same)[3] == 0.0);
    CHECK(std::isnan(row(byte_distribution<>{})[1]));
}

TEST_CASE("byte distribution columns are unique", "[features][byte_distribution]") {
    std::set<std::string> names;
    for (const auto& f : byte_distribution<1024, true>::features) names.insert(f.column());
    CHECK(names.size() == 20 + 256);
    CHECK(names.count("byte_hist_255") == 1);
}
