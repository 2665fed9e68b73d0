// pktdyn — a hash map in one array, for the detectors' many small per-entity tables (a scanner's
// targets, a window's counters): open addressing with linear probing, load at most 1/2,
// backward-shift deletion (no tombstones), keys and values side by side. Nothing is allocated
// until the first insertion, and then once per doubling, where a node-based map allocates per
// entry; clearing or destroying it frees one array, not a node per entry.
//
// Keys are small and cheap to copy (integers, addresses); integers are hashed with fmix64
// (baseline/sketch_hash.hpp), other keys with std::hash. Values must be default-constructible and
// movable. Pointers into the map are invalidated by an insertion or erasure, as for std::vector.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <tuple>
#include <utility>
#include <vector>

#include "pktdyn/baseline/sketch_hash.hpp"

namespace pktdyn {

template <class Key>
struct flat_hash {
    [[nodiscard]] std::uint64_t operator()(const Key& k) const noexcept {
        if constexpr (std::integral<Key>) return fmix64(static_cast<std::uint64_t>(k) + 0x9e3779b97f4a7c15ull);
        else return fmix64(std::hash<Key>{}(k));
    }
};

template <class Key, class Value, class Hash = flat_hash<Key>>
class flat_map {
public:
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

    [[nodiscard]] Value* find(const Key& k) noexcept {
        if (size_ == 0) return nullptr;
        for (std::size_t i = home(k);; i = (i + 1) & mask_) {
            if (!used_[i]) return nullptr;
            if (slots_[i].key == k) return &slots_[i].value;
        }
    }
    [[nodiscard]] const Value* find(const Key& k) const noexcept { return const_cast<flat_map*>(this)->find(k); }
    [[nodiscard]] bool contains(const Key& k) const noexcept { return find(k) != nullptr; }

    /// The value of `k`, default-constructed when `k` is new; `.second` is true when it was.
    std::pair<Value*, bool> try_emplace(const Key& k) {
        if ((size_ + 1) * 2 > used_.size()) grow();
        std::size_t i = home(k);
        for (; used_[i]; i = (i + 1) & mask_)
            if (slots_[i].key == k) return {&slots_[i].value, false};
        used_[i] = 1;
        slots_[i].key = k;
        ++size_;
        return {&slots_[i].value, true};
    }
    Value& operator[](const Key& k) { return *try_emplace(k).first; }
    /// Inserts `k` (a set's use); true when it was new.
    bool insert(const Key& k) { return try_emplace(k).second; }

    bool erase(const Key& k) {
        if (size_ == 0) return false;
        std::size_t i = home(k);
        for (; used_[i]; i = (i + 1) & mask_)
            if (slots_[i].key == k) {
                remove_at(i);
                return true;
            }
        return false;
    }

    /// Erases every entry for which `drop(key, value)` is true.
    template <class Drop>
    void erase_if(Drop&& drop) {
        flat_map kept;
        for (std::size_t i = 0; i < used_.size(); ++i)
            if (used_[i] && !drop(std::as_const(slots_[i].key), slots_[i].value)) *kept.try_emplace(slots_[i].key).first = std::move(slots_[i].value);
        *this = std::move(kept);
    }

    /// `f(key, value)` for every entry, in no particular order (the same for the same insertions).
    template <class F>
    void for_each(F&& f) const {
        for (std::size_t i = 0; i < used_.size(); ++i)
            if (used_[i]) f(slots_[i].key, slots_[i].value);
    }
    template <class F>
    void for_each(F&& f) {
        for (std::size_t i = 0; i < used_.size(); ++i)
            if (used_[i]) f(std::as_const(slots_[i].key), slots_[i].value);
    }

    /// Empties the map and frees its array.
    void clear() noexcept { *this = flat_map{}; }

    /// Bytes the map's array takes (capacity, not size).
    [[nodiscard]] std::size_t bytes() const noexcept { return used_.capacity() + slots_.capacity() * sizeof(slot); }

private:
    struct slot {
        Key key{};
        [[no_unique_address]] Value value{};
    };

    [[nodiscard]] std::size_t home(const Key& k) const noexcept { return Hash{}(k) & mask_; }

    void remove_at(std::size_t i) {
        // Backward shift: pull later members of the probe chain into the hole, so no search stops early.
        for (std::size_t j = (i + 1) & mask_; used_[j]; j = (j + 1) & mask_) {
            const std::size_t h = home(slots_[j].key);
            if (((j - h) & mask_) >= ((j - i) & mask_)) {
                slots_[i] = std::move(slots_[j]);
                i = j;
            }
        }
        used_[i] = 0;
        slots_[i] = slot{};
        --size_;
    }

    void grow() {
        const std::size_t n = used_.empty() ? 8 : used_.size() * 2;
        std::vector<std::uint8_t> used(n);
        std::vector<slot> slots(n);
        std::swap(used, used_);
        std::swap(slots, slots_);
        mask_ = n - 1;
        size_ = 0;
        for (std::size_t i = 0; i < used.size(); ++i)
            if (used[i]) *try_emplace(slots[i].key).first = std::move(slots[i].value);
    }

    std::vector<std::uint8_t> used_;
    std::vector<slot> slots_;
    std::size_t mask_ = 0, size_ = 0;
};

/// A set of small keys in one array (flat_map without values).
template <class Key, class Hash = flat_hash<Key>>
using flat_set = flat_map<Key, std::tuple<>, Hash>;

}  // namespace pktdyn
