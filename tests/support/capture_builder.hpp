// Test support: builds pcap and pcapng files byte by byte, in either byte order, so tests can
// make exactly the file a case needs (odd resolutions, several sections, damaged lengths).
// Written independently of the readers: it follows the format documents, not pktdyn's code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace pktdyn::test {

using bytes = std::vector<std::byte>;

class byte_writer {
public:
    explicit byte_writer(bool big_endian = false) : big_(big_endian) {}

    byte_writer& u8(std::uint8_t v) { out_.push_back(std::byte{v}); return *this; }
    byte_writer& u16(std::uint16_t v) { return put(v, 2); }
    byte_writer& u32(std::uint32_t v) { return put(v, 4); }
    byte_writer& u64(std::uint64_t v) { return put(v, 8); }
    byte_writer& raw(std::span<const std::byte> b) { out_.insert(out_.end(), b.begin(), b.end()); return *this; }
    byte_writer& text(std::string_view s) {
        for (char c : s) out_.push_back(static_cast<std::byte>(c));
        return *this;
    }
    /// A DNS name as uncompressed labels (RFC 1035 §3.1), ending with the root byte.
    byte_writer& dns_name(std::string_view dotted) {
        while (!dotted.empty()) {
            const auto dot = dotted.find('.');
            const auto label = dotted.substr(0, dot);
            u8(static_cast<std::uint8_t>(label.size())).text(label);
            dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
        }
        return u8(0);
    }
    byte_writer& pad4() {
        while (out_.size() % 4 != 0) out_.push_back(std::byte{0});
        return *this;
    }
    [[nodiscard]] std::size_t size() const { return out_.size(); }
    [[nodiscard]] bytes& data() { return out_; }
    [[nodiscard]] bool big_endian() const { return big_; }

private:
    byte_writer& put(std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) {
            const int shift = big_ ? 8 * (n - 1 - i) : 8 * i;
            out_.push_back(static_cast<std::byte>((v >> shift) & 0xFF));
        }
        return *this;
    }

    bool big_;
    bytes out_;
};

/// A frame of n bytes whose content is its index (so tests can check the bytes delivered).
inline bytes frame(std::size_t n, std::uint8_t first = 0) {
    bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>(static_cast<std::uint8_t>(first + i));
    return b;
}

struct pcap_options {
    bool big_endian = false;
    bool nanosecond = false;
    std::uint32_t snaplen = 65535;
    std::uint32_t link = 1;
    std::uint16_t major = 2;
};

class pcap_builder {
public:
    explicit pcap_builder(pcap_options o = {}) : w_(o.big_endian), o_(o) {
        w_.u32(o.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4).u16(o.major).u16(4).u32(0).u32(0).u32(o.snaplen).u32(o.link);
    }
    pcap_builder& packet(std::uint32_t sec, std::uint32_t frac, const bytes& data, std::uint32_t original = 0) {
        w_.u32(sec).u32(frac).u32(static_cast<std::uint32_t>(data.size()));
        w_.u32(original ? original : static_cast<std::uint32_t>(data.size())).raw(data);
        return *this;
    }
    /// A record header whose lengths need not match what follows.
    pcap_builder& record_header(std::uint32_t sec, std::uint32_t frac, std::uint32_t caplen, std::uint32_t len) {
        w_.u32(sec).u32(frac).u32(caplen).u32(len);
        return *this;
    }
    bytes& data() { return w_.data(); }

private:
    byte_writer w_;
    pcap_options o_;
};

class pcapng_builder {
public:
    explicit pcapng_builder(bool big_endian = false) : big_(big_endian), w_(big_endian) {}

    pcapng_builder& section() {
        return block(0x0A0D0D0A, [](byte_writer& b) { b.u32(0x1A2B3C4D).u16(1).u16(0).u64(~0ull); });
    }
    /// tsresol: the if_tsresol byte (0 = leave the option out); tsoffset: if_tsoffset seconds.
    pcapng_builder& interface(std::uint16_t link, std::uint32_t snaplen = 0, std::uint8_t tsresol = 0,
                              std::int64_t tsoffset = 0) {
        return block(1, [&](byte_writer& b) {
            b.u16(link).u16(0).u32(snaplen);
            b.u16(2).u16(4).text("eth0");  // if_name, to have an option we do not read
            if (tsresol != 0) b.u16(9).u16(1).u8(tsresol).pad4();
            if (tsoffset != 0) b.u16(14).u16(8).u64(static_cast<std::uint64_t>(tsoffset));
            b.u16(0).u16(0);
        });
    }
    pcapng_builder& enhanced(std::uint32_t iface, std::uint64_t ts, const bytes& data, std::uint32_t original = 0) {
        return block(6, [&](byte_writer& b) {
            b.u32(iface).u32(static_cast<std::uint32_t>(ts >> 32)).u32(static_cast<std::uint32_t>(ts));
            b.u32(static_cast<std::uint32_t>(data.size()));
            b.u32(original ? original : static_cast<std::uint32_t>(data.size())).raw(data).pad4();
            b.u16(1).u16(4).text("note").u16(0).u16(0);  // opt_comment, then end of options
        });
    }
    pcapng_builder& obsolete(std::uint16_t iface, std::uint64_t ts, const bytes& data) {
        return block(2, [&](byte_writer& b) {
            b.u16(iface).u16(0).u32(static_cast<std::uint32_t>(ts >> 32)).u32(static_cast<std::uint32_t>(ts));
            b.u32(static_cast<std::uint32_t>(data.size())).u32(static_cast<std::uint32_t>(data.size()));
            b.raw(data).pad4();
        });
    }
    pcapng_builder& simple(const bytes& data, std::uint32_t original) {
        return block(3, [&](byte_writer& b) { b.u32(original).raw(data).pad4(); });
    }
    pcapng_builder& opaque(std::uint32_t type, std::size_t body_bytes) {
        return block(type, [&](byte_writer& b) { b.raw(bytes(body_bytes)); });
    }
    bytes& data() { return w_.data(); }

    template <class Body>
    pcapng_builder& block(std::uint32_t type, Body&& body) {
        byte_writer b(big_);
        body(b);
        b.pad4();
        const auto total = static_cast<std::uint32_t>(b.size() + 12);
        w_.u32(type).u32(total).raw(b.data()).u32(total);
        return *this;
    }

private:
    bool big_;
    byte_writer w_;
};

}  // namespace pktdyn::test
