// EXPECT: deleted
// A ClientHello parsed from a temporary buffer would hold views (SNI, extensions) into freed memory.
#include <vector>

#include "pktdyn/proto/tls.hpp"

int main() {
    const auto h = pktdyn::tls::client_hello::parse_message(std::vector<std::byte>(64));
    return h.server_name.empty() ? 0 : 1;
}
