// EXPECT: deleted
// A reader over a temporary buffer would hand out views into freed memory.
#include <vector>

#include "pktdyn/capture/pcap_reader.hpp"

int main() {
    auto r = pktdyn::pcap_reader::from_bytes(std::vector<std::byte>(64));
    return r ? 0 : 1;
}
