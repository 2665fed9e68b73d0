// libFuzzer target: the SSH identification line, then a KEXINIT binary packet from the bytes after
// it, and the HASSH strings. The input is copied to an exact-size buffer so any overrun is caught.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "pktdyn/crypto/fingerprints.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::vector<std::byte> bytes(reinterpret_cast<const std::byte*>(data), reinterpret_cast<const std::byte*>(data + size));
    const std::span<const std::byte> all{bytes};
    const auto id = pktdyn::ssh_identification::parse(all);
    if (id.length > all.size() || id.line.size() > pktdyn::ssh_identification::max_line) __builtin_trap();
    // Also try a KEXINIT at the very start (a caller that skipped the line itself).
    const auto rest = id.status == pktdyn::ssh_status::complete ? all.subspan(id.length) : all;
    const auto k = pktdyn::ssh_kexinit::parse(rest);
    std::size_t total = 0;
    for (std::size_t i = 0; i < k.lists_read; ++i) total += k.lists[i].size();
    if (total > rest.size()) __builtin_trap();
    if (k.status == pktdyn::ssh_status::complete && k.packet.wire_length() > rest.size()) __builtin_trap();
    (void)pktdyn::hassh_md5(k, false);
    (void)pktdyn::hassh_algorithms(k, true);
    (void)pktdyn::ssh_kexinit::parse_payload(rest);
    return 0;
}
