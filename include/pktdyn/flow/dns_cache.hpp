// pktdyn — a bounded cache from an address seen in a DNS answer to the name that resolved it, so a
// later flow to that address can be tagged with the name asked for before the flow started.
//
// Fixed capacity chosen at construction, all memory allocated then: inserting never allocates.
// The table is set-associative (8 entries per set, the set chosen by a seeded hash of the
// address); a full set replaces its entry seen longest ago. An address may map to several names
// (CDN addresses shared by many sites): each (address, query name) pair is its own entry, and a
// lookup returns the one seen most recently before the flow's start.
//
// Names are stored lowercase in presentation form (dns.hpp: escapes for odd bytes, no trailing
// dot), up to 255 characters each; an entry takes about 560 bytes.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "pktdyn/core/ip_address.hpp"
#include "pktdyn/core/time.hpp"
#include "pktdyn/proto/dns.hpp"

namespace pktdyn {

struct dns_cache_options {
    std::size_t capacity = 8192;  ///< entries (rounded up to a power-of-two number of 8-entry sets)
    /// When true, lookup() ignores a mapping whose TTL had run out at the flow's start (last
    /// sighting before the start + TTL + ttl_grace < start). Off by default: clients and OS caches
    /// keep using addresses past their TTL, and flows start long after the lookup.
    bool expire_by_ttl = false;
    duration ttl_grace{0};
    std::uint64_t seed = 0x9E3779B97F4A7C15ull;  ///< mixed into the set choice
};

struct dns_cache_entry {
    ip_address address{};
    timestamp first_seen{};   ///< the first response carrying this (address, query) pair
    timestamp last_seen{};    ///< the latest one
    std::uint32_t ttl = 0;    ///< seconds, from the latest response's A / AAAA record
    bool used = false;

    /// The name the client asked for (the question; the head of the CNAME chain).
    [[nodiscard]] std::string_view query_name() const noexcept { return {query_.data(), query_length_}; }
    /// The owner name of the A / AAAA record: the end of the CNAME chain (equal to query_name()
    /// without CNAMEs).
    [[nodiscard]] std::string_view answer_name() const noexcept { return {answer_.data(), answer_length_}; }

private:
    friend class dns_cache;
    std::array<char, dns_name::capacity> query_{}, answer_{};
    std::uint8_t query_length_ = 0, answer_length_ = 0;
};

struct dns_cache_stats {
    std::uint64_t inserts = 0;    ///< insert() calls that stored or refreshed a mapping
    std::uint64_t refreshes = 0;  ///< ... of which an (address, query) pair already there
    std::uint64_t evictions = 0;  ///< entries replaced by another pair while still holding one
    std::uint64_t responses = 0;  ///< responses given to insert_response()
    std::uint64_t skipped = 0;    ///< responses that were not a readable response with a question or answer
};

class dns_cache {
public:
    static constexpr std::size_t ways = 8;

    explicit dns_cache(dns_cache_options o = {}) : options_(o) {
        const std::size_t sets = std::bit_ceil(std::max<std::size_t>(1, (o.capacity + ways - 1) / ways));
        entries_.resize(sets * ways);
        mask_ = sets - 1;
    }

    [[nodiscard]] std::size_t capacity() const noexcept { return entries_.size(); }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] const dns_cache_stats& stats() const noexcept { return stats_; }
    void clear() noexcept {
        std::fill(entries_.begin(), entries_.end(), dns_cache_entry{});
        size_ = 0;
    }

    /// Stores that `address` answered `query_name` (owner name `answer_name`) at time `seen`.
    /// Names longer than 255 characters are cut there. Never allocates.
    void insert(const ip_address& address, std::string_view query_name, std::string_view answer_name, timestamp seen,
                std::uint32_t ttl) noexcept {
        query_name = query_name.substr(0, dns_name::capacity);
        answer_name = answer_name.substr(0, dns_name::capacity);
        const std::size_t base = set_of(address);
        dns_cache_entry* slot = nullptr;
        for (std::size_t w = 0; w < ways; ++w) {
            dns_cache_entry& e = entries_[base + w];
            if (e.used && e.address == address && e.query_name() == query_name) {
                ++stats_.inserts;
                ++stats_.refreshes;
                e.first_seen = std::min(e.first_seen, seen);
                if (seen >= e.last_seen) {
                    e.last_seen = seen;
                    e.ttl = ttl;
                    set_name(e.answer_, e.answer_length_, answer_name);
                }
                return;
            }
            if (!e.used) {
                if (!slot || slot->used) slot = &e;
            } else if (!slot || (slot->used && e.last_seen < slot->last_seen)) {
                slot = &e;
            }
        }
        if (slot->used) ++stats_.evictions;
        else ++size_;
        ++stats_.inserts;
        slot->used = true;
        slot->address = address;
        slot->first_seen = slot->last_seen = seen;
        slot->ttl = ttl;
        set_name(slot->query_, slot->query_length_, query_name);
        set_name(slot->answer_, slot->answer_length_, answer_name);
    }

    /// Stores every A / AAAA record (class IN, mDNS cache-flush bit allowed) of the answer section
    /// of a DNS response (QR set; UDP payload, or one message of a TCP stream). The query name is
    /// the first question's; without a question (mDNS) the first answer's owner name. Records
    /// after a truncation are lost, those before are kept. Returns the number of addresses stored.
    std::size_t insert_response(std::span<const std::byte> message, timestamp seen) noexcept {
        ++stats_.responses;
        dns_record_reader rd{message};
        if (!rd.has_header() || !rd.header().qr()) {
            ++stats_.skipped;
            return 0;
        }
        dns_name query, owner;
        bool have_query = false;
        // Where a name's labels start (one compression pointer followed): answers usually point at
        // the question's name or repeat the previous owner's, which are then not decoded again.
        constexpr std::uint32_t none = ~std::uint32_t{0};
        std::uint32_t query_at = none, owner_at = none;
        bool questions_read = false;
        const auto labels_at = [&](const dns_name_ref& n) -> std::uint32_t {
            if (n.offset + 1 >= message.size()) return none;
            const auto b0 = std::to_integer<std::uint32_t>(message[n.offset]);
            if ((b0 & 0xC0) != 0xC0) return n.offset;
            return (b0 & 0x3F) << 8 | std::to_integer<std::uint32_t>(message[n.offset + 1]);
        };
        std::size_t stored = 0;
        dns_record r;
        while (rd.next(r)) {
            if (r.section == dns_section::question) {
                if (!have_query && !questions_read) {  // the first question only
                    have_query = r.name.decode(query, dns_case::lower).status == dns_status::complete;
                    if (have_query) query_at = labels_at(r.name);
                }
                questions_read = true;
                continue;
            }
            if (r.section != dns_section::answer) break;
            if (!have_query) {  // no question: the chain's first owner name stands in for it
                have_query = r.name.decode(query, dns_case::lower).status == dns_status::complete;
                if (!have_query) break;
                query_at = labels_at(r.name);
            }
            if (r.class_code() != 1) continue;
            const auto a = r.address();
            if (!a) continue;
            const std::uint32_t at = labels_at(r.name);
            std::string_view owner_name;
            if (at != none && at == query_at) {
                owner_name = query.view();
            } else if (at != none && at == owner_at) {
                owner_name = owner.view();
            } else {
                owner_at = none;  // `owner` is rewritten below, complete or not
                if (r.name.decode(owner, dns_case::lower).status != dns_status::complete) continue;
                owner_at = at;
                owner_name = owner.view();
            }
            insert(*a, query.view(), owner_name, seen, r.ttl);
            ++stored;
        }
        if (!have_query) ++stats_.skipped;
        return stored;
    }

    /// The mapping for `address` seen most recently at or before `flow_start`, or nullptr. An
    /// entry refreshed after `flow_start` counts from its first sighting. The pointer is valid until
    /// the next insert.
    [[nodiscard]] const dns_cache_entry* lookup(const ip_address& address, timestamp flow_start) const noexcept {
        const std::size_t base = set_of(address);
        const dns_cache_entry* best = nullptr;
        timestamp best_time{};
        for (std::size_t w = 0; w < ways; ++w) {
            const dns_cache_entry& e = entries_[base + w];
            if (!e.used || !(e.address == address) || e.first_seen > flow_start) continue;
            const timestamp sighting = e.last_seen <= flow_start ? e.last_seen : e.first_seen;
            if (options_.expire_by_ttl &&
                sighting + std::chrono::seconds{e.ttl} + options_.ttl_grace < flow_start)
                continue;
            if (!best || sighting > best_time) {
                best = &e;
                best_time = sighting;
            }
        }
        return best;
    }

private:
    static void set_name(std::array<char, dns_name::capacity>& buffer, std::uint8_t& length, std::string_view s) noexcept {
        std::copy(s.begin(), s.end(), buffer.begin());
        length = static_cast<std::uint8_t>(s.size());
    }
    [[nodiscard]] std::size_t set_of(const ip_address& a) const noexcept {
        std::uint64_t h = std::hash<ip_address>{}(a) ^ options_.seed;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
        return static_cast<std::size_t>(h & mask_) * ways;
    }

    dns_cache_options options_;
    std::vector<dns_cache_entry> entries_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
    dns_cache_stats stats_{};
};

}  // namespace pktdyn
