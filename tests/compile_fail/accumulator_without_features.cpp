// EXPECT: no `static constexpr std::array<pktdyn::feature_info, N> features`
#include "pktdyn/features/accumulator.hpp"

struct bytes_seen {
    double bytes = 0;
    void update(const pktdyn::flow_packet& p) noexcept { bytes += p.ip_length; }
    void merge(const bytes_seen& o) { bytes += o.bytes; }
    void write(std::span<double> out) const noexcept { out[0] = bytes; }
};

int main() {
    pktdyn::feature_set<bytes_seen> set;
    (void)set;
}
