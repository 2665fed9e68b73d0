// libFuzzer target: DNS messages. Byte 0 picks UDP (even) or a TCP stream of length-prefixed
// messages (odd); every record is read, every name decoded, every typed view taken, and responses
// feed a small dns_cache. The rest is copied to an exact-size buffer so any overrun is caught.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "pktdyn/flow/dns_cache.hpp"
#include "pktdyn/proto/dns.hpp"

namespace {

void walk(std::span<const std::byte> message) {
    static pktdyn::dns_cache cache{{.capacity = 64, .expire_by_ttl = true}};
    pktdyn::dns_record_reader rd{message};
    pktdyn::dns_record r;
    pktdyn::dns_name name;
    while (rd.next(r)) {
        if (r.rdata_offset + r.rdata.size() > message.size()) __builtin_trap();
        const auto res = r.name.decode(name, pktdyn::dns_case::lower);
        if (name.view().size() > pktdyn::dns_name::capacity || res.wire_length > 255) __builtin_trap();
        if (auto t = r.target()) (void)t->decode(name);
        if (auto s = r.soa()) {
            (void)s->mname.decode(name);
            (void)s->rname.decode(name);
        }
        if (auto o = r.opt()) (void)o->for_each_option([](std::uint16_t, std::span<const std::byte>) {});
        (void)r.for_each_text([](std::string_view) {});
        (void)r.address();
        (void)r.mx_preference();
    }
    (void)cache.insert_response(message, pktdyn::from_ns(static_cast<std::int64_t>(message.size())));
    (void)cache.lookup(pktdyn::ip_address::v4(1, 2, 3, 4), pktdyn::from_ns(1000));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::vector<std::byte> bytes(reinterpret_cast<const std::byte*>(data + 1), reinterpret_cast<const std::byte*>(data + size));
    if (data[0] % 2 == 0) {
        walk(bytes);
        return 0;
    }
    pktdyn::dns_tcp_reader tr{bytes};
    pktdyn::dns_tcp_message m;
    while (tr.next(m)) walk(m.message);
    return 0;
}
