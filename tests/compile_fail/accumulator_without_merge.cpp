// EXPECT: no `void merge\(const A&\)`
#include <array>

#include "pktdyn/features/accumulator.hpp"

struct bytes_seen {
    static constexpr std::array<pktdyn::feature_info, 1> features{{{"", "bytes_seen", "bytes", "IP bytes"}}};
    double bytes = 0;
    void update(const pktdyn::flow_packet& p) noexcept { bytes += p.ip_length; }
    void write(std::span<double> out) const noexcept { out[0] = bytes; }
};

int main() {
    pktdyn::feature_set<bytes_seen> set;
    (void)set;
}
