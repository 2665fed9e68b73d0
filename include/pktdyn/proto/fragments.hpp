// pktdyn — IP fragments tied to their transport flow, and UDP datagrams reassembled on request.
//
// Only the first fragment of a datagram carries the transport header. The tracker remembers its
// ports under the datagram's identity (source, destination, protocol, IP identification), so
// later fragments can be attributed to the same flow; fragments that arrive before the first are
// counted as unattributed (or, with reassembly on, attributed when the datagram completes).
// Memory is fixed at construction: `capacity` datagrams tracked at once, `reassembly_slots`
// buffers of 64 KiB for reassembly. An entry ends when its datagram is complete, when it has seen
// no fragment for `timeout` (as Linux's ipfrag_time, 30 s), or when it is evicted to make room
// (the oldest in its probe window); every such end is counted.
//
// Reassembly: fragments are copied into the datagram's buffer at their offsets; a byte already
// written keeps its first value (overlaps are counted, as RFC 5722 makes them suspect). When every
// byte up to the last fragment's end has arrived, `datagram` holds the transport header and its
// payload, valid until the next call.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "pktdyn/core/cursor.hpp"
#include "pktdyn/core/time.hpp"
#include "pktdyn/proto/decoded_packet.hpp"

namespace pktdyn {

struct fragment_options {
    std::size_t capacity = 4096;                        ///< datagrams tracked at once
    duration timeout = std::chrono::seconds(30);
    bool reassemble = false;                            ///< collect UDP datagrams whole
    std::size_t reassembly_slots = 64;                  ///< datagrams being reassembled at once
};

struct fragment_result {
    bool fragment = false;          ///< the packet is an IP fragment (first, middle or last)
    bool attributed = false;        ///< its datagram's ports are known
    std::uint16_t source_port = 0, destination_port = 0;
    bool complete = false;          ///< this fragment completed its datagram
    std::span<const std::byte> datagram{};  ///< with reassembly: the whole transport datagram, once complete
};

struct fragment_stats {
    std::uint64_t fragments = 0;
    std::uint64_t attributed = 0;
    std::uint64_t unattributed = 0;   ///< arrived before their first fragment, or after their entry ended
    std::uint64_t completed = 0;      ///< datagrams whose every byte arrived
    std::uint64_t reassembled = 0;    ///< ... and were handed out whole
    std::uint64_t timed_out = 0;
    std::uint64_t evicted = 0;
    std::uint64_t overlaps = 0;       ///< fragments overlapping bytes already received
    std::uint64_t no_buffer = 0;      ///< datagrams not reassembled: every buffer was busy
};

class fragment_tracker {
public:
    explicit fragment_tracker(fragment_options o = {})
        : o_(o), entries_(std::bit_ceil(std::max<std::size_t>(o.capacity, 8))), mask_(entries_.size() - 1) {
        if (o_.reassemble) {
            buffers_ = std::make_unique<buffer[]>(o_.reassembly_slots);
            free_buffers_.reserve(o_.reassembly_slots);
            for (std::size_t i = o_.reassembly_slots; i-- > 0;) free_buffers_.push_back(static_cast<std::uint32_t>(i));
        }
    }

    /// Looks at one decoded packet; returns what is known of it as a fragment. No allocation.
    fragment_result track(timestamp now, const decoded_packet& d, std::span<const std::byte> packet) noexcept {
        fragment_result r;
        // The fragmented header is the innermost one, or the outermost when a tunnel's packets
        // were fragmented on their way (the first fragment then decodes into the tunnel).
        const bool outer = !d.inner_ip().fragment.is_fragment;
        const ip_header& ip = outer ? d.outer_ip : d.inner_ip();
        if (!d.has_ip() || !ip.fragment.is_fragment) return r;
        r.fragment = true;
        ++stats_.fragments;
        const key k{ip.source, ip.destination, ip.fragment.id, ip.protocol};
        entry* e = find_or_insert(k, now);
        const bool first = ip.fragment.offset == 0;
        if (first && d.has_transport) {
            e->ports = {d.source_port, d.destination_port};
            e->has_ports = true;
        } else if (first && (ip.protocol == ip_protocol::tcp || ip.protocol == ip_protocol::udp)) {
            // A first fragment too short for the whole transport header still starts with the ports.
            const std::size_t at = ip_offset(d, outer) + ip.header_length;
            if (at + 4 <= packet.size()) {
                cursor c{packet.subspan(at, 4)};
                e->ports = {c.u16be(), c.u16be()};
                e->has_ports = true;
            }
        }
        // Bytes this fragment covers within the datagram, by the IP header's own lengths.
        const std::uint32_t length = ip.payload_length();
        const std::uint32_t begin = ip.fragment.offset, end = begin + length;
        if (!ip.fragment.more) e->total = end;
        e->received += length;
        e->last = now;
        if (o_.reassemble && ip.protocol == ip_protocol::udp) copy_in(*e, ip_offset(d, outer) + ip.header_length, packet, begin, end);

        if (e->has_ports) {
            r.attributed = true;
            r.source_port = e->ports[0];
            r.destination_port = e->ports[1];
            ++stats_.attributed;
        } else {
            ++stats_.unattributed;
        }
        if (e->total != 0 && covered(*e)) {
            r.complete = true;
            ++stats_.completed;
            if (e->slot != no_slot && buffers_[e->slot].filled == e->total) {
                r.datagram = {buffers_[e->slot].bytes.data(), e->total};
                ++stats_.reassembled;
                if (!r.attributed && e->total >= 4) {  // the datagram's own header names its ports
                    r.attributed = true;
                    r.source_port = static_cast<std::uint16_t>(std::to_integer<unsigned>(r.datagram[0]) << 8 |
                                                               std::to_integer<unsigned>(r.datagram[1]));
                    r.destination_port = static_cast<std::uint16_t>(std::to_integer<unsigned>(r.datagram[2]) << 8 |
                                                                    std::to_integer<unsigned>(r.datagram[3]));
                }
            }
            release(*e);  // the buffer is handed back, but its bytes stay until the next call
        }
        return r;
    }

    [[nodiscard]] const fragment_stats& stats() const noexcept { return stats_; }

private:
    static constexpr std::uint32_t no_slot = ~0u;
    static constexpr std::size_t probe_window = 8;

    struct key {
        ip_address source, destination;
        std::uint32_t id = 0;
        std::uint8_t protocol = 0;
        friend bool operator==(const key&, const key&) = default;
    };
    struct entry {
        bool used = false;
        key k;
        timestamp last{};
        std::array<std::uint16_t, 2> ports{};
        bool has_ports = false;
        std::uint32_t total = 0;     // datagram length, once the last fragment is seen
        std::uint32_t received = 0;  // bytes received (with duplicates; exact coverage is in the buffer)
        std::uint32_t slot = no_slot;
    };
    struct buffer {
        std::array<std::byte, 65536> bytes{};
        std::array<std::uint64_t, 65536 / 8 / 64> have{};  // one bit per 8-byte block
        std::uint32_t filled = 0;                         // bytes written, without overlaps
    };

    static std::uint64_t hash(const key& k) noexcept {
        std::uint64_t h = 0x9E3779B97F4A7C15ull ^ k.id ^ (std::uint64_t{k.protocol} << 32);
        for (std::size_t i = 0; i < 16; ++i) h = (h ^ k.source.bytes[i] ^ (std::uint64_t{k.destination.bytes[i]} << 8)) * 0x100000001B3ull;
        return h ^ (h >> 29);
    }

    bool expired(const entry& e, timestamp now) const noexcept { return saturating_elapsed(e.last, now) > o_.timeout; }

    // The datagram's entry, or a new one in the first free place of its probe window, or in place
    // of the window's least recently seen entry.
    entry* find_or_insert(const key& k, timestamp now) noexcept {
        const std::size_t home = hash(k) & mask_;
        entry* free = nullptr;
        entry* oldest = nullptr;
        for (std::size_t i = 0; i < probe_window; ++i) {
            entry& e = entries_[(home + i) & mask_];
            if (e.used && expired(e, now)) {
                ++stats_.timed_out;
                release(e);
            }
            if (!e.used) {
                if (!free) free = &e;
                continue;
            }
            if (e.k == k) return &e;
            if (!oldest || e.last < oldest->last) oldest = &e;
        }
        entry* place = free;
        if (!place) {
            ++stats_.evicted;
            release(*oldest);
            place = oldest;
        }
        place->used = true;
        place->k = k;
        place->last = now;
        return place;
    }

    void release(entry& e) noexcept {
        if (e.slot != no_slot) free_buffers_.push_back(e.slot);  // capacity reserved: no allocation
        e = entry{};
    }

    /// Offset of the outermost or innermost IP header in the packet.
    static std::size_t ip_offset(const decoded_packet& d, bool outermost) noexcept {
        std::size_t at = 0;
        for (const layer& l : d) {
            if (l.kind != layer_kind::ipv4 && l.kind != layer_kind::ipv6) continue;
            at = l.offset;
            if (outermost) break;
        }
        return at;
    }

    bool covered(const entry& e) const noexcept {
        if (e.slot != no_slot) return buffers_[e.slot].filled >= e.total;
        return e.received >= e.total;
    }

    // Copies the fragment's bytes, which start at `from` in the packet, to [begin, end) of its datagram.
    void copy_in(entry& e, std::size_t from, std::span<const std::byte> packet, std::uint32_t begin,
                 std::uint32_t end) noexcept {
        if (end > 65536 || begin % 8 != 0) return;
        if (e.slot == no_slot) {
            if (free_buffers_.empty()) {
                ++stats_.no_buffer;
                return;
            }
            e.slot = free_buffers_.back();
            free_buffers_.pop_back();
            buffers_[e.slot].have.fill(0);
            buffers_[e.slot].filled = 0;
        }
        if (from > packet.size()) return;
        const std::size_t available = std::min<std::size_t>(end - begin, packet.size() - from);
        buffer& b = buffers_[e.slot];
        bool overlap = false;
        for (std::uint32_t block = begin / 8; block * 8 < begin + available; ++block) {
            const std::uint32_t at = block * 8, n = std::min<std::uint32_t>(8, begin + static_cast<std::uint32_t>(available) - at);
            auto& word = b.have[block / 64];
            const std::uint64_t bit = std::uint64_t{1} << (block % 64);
            if (word & bit) {
                overlap = true;
                continue;
            }
            std::memcpy(b.bytes.data() + at, packet.data() + from + (at - begin), n);
            word |= bit;
            b.filled += n;
        }
        stats_.overlaps += overlap;
    }

    fragment_options o_;
    std::vector<entry> entries_;
    std::size_t mask_;
    std::unique_ptr<buffer[]> buffers_;
    std::vector<std::uint32_t> free_buffers_;
    fragment_stats stats_;
};

}  // namespace pktdyn
