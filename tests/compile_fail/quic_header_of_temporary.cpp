// EXPECT: deleted
// A QUIC header parsed from a temporary buffer would hold views (DCID, token) into freed memory.
#include <vector>

#include "pktdyn/proto/quic.hpp"

int main() {
    const auto h = pktdyn::quic::long_header::parse(std::vector<std::byte>(64));
    return h.ok() ? 0 : 1;
}
