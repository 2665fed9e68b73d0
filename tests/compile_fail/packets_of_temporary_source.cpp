// EXPECT: deleted
// Iterating a temporary reader would leave every packet view dangling.
#include "pktdyn/capture/capture_file.hpp"
#include "pktdyn/core/concepts.hpp"

int main() {
    int n = 0;
    for (const auto& p : pktdyn::packets(pktdyn::capture_file::open("x.pcap").value())) n += p.captured_length();
    return n;
}
