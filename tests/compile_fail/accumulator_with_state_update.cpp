// EXPECT: `update` cannot be called as update\(const pktdyn::flow_packet&\)
// An accumulator whose update takes what a flow state takes: refused, not an empty column.
#include <array>

#include "pktdyn/features/accumulator.hpp"

struct bytes_seen {
    static constexpr std::array<pktdyn::feature_info, 1> features{{{"", "bytes_seen", "bytes", "IP bytes"}}};
    double bytes = 0;
    void update(const pktdyn::decoded_packet& d, pktdyn::timestamp, bool) noexcept { bytes += d.payload_length; }
    void merge(const bytes_seen& o) { bytes += o.bytes; }
    void write(std::span<double> out) const noexcept { out[0] = bytes; }
};

int main() {
    pktdyn::feature_set<bytes_seen> set;
    (void)set;
}
