// pktdyn — bounded single-producer/single-consumer queues between a pipeline's threads.
//
// `message_ring` carries variable-sized messages (a header and the bytes after it, such as a
// packet copied out of a streamed reader) in one contiguous buffer; `spsc_queue<T>` carries values.
// One thread pushes, one pops; the producer waits when the consumer is behind (backpressure: from a
// file nothing is dropped) and the consumer waits when there is nothing yet. Waiting spins briefly,
// then sleeps on the atomic (C++20 wait/notify), so an idle shard costs no CPU.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <thread>
#include <type_traits>

namespace pktdyn::detail::pipeline {

// Waits until `ready()` holds, watching `watched` to sleep on it.
template <class Ready>
void wait_for(const std::atomic<std::uint64_t>& watched, Ready&& ready) noexcept {
    for (int spin = 0; spin < 256; ++spin) {
        if (ready()) return;
        if (spin > 64) std::this_thread::yield();
    }
    for (;;) {
        const std::uint64_t seen = watched.load(std::memory_order_acquire);  // before the test: a change
        if (ready()) return;                                                   // after it wakes the wait
        watched.wait(seen, std::memory_order_acquire);
    }
}

/// Messages of a header type H and up to `max_body` bytes after it, in a ring of `capacity` bytes
/// (a power of two, at least twice the largest message).
template <class H>
class message_ring {
    static_assert(std::is_trivially_copyable_v<H>);

public:
    explicit message_ring(std::size_t capacity)
        : capacity_(std::bit_ceil(capacity)), bytes_(std::make_unique<std::byte[]>(capacity_)) {}

    /// Copies a message in; waits while the ring is full.
    void push(const H& header, std::span<const std::byte> body) noexcept {
        const std::size_t need = record_size(body.size());
        std::uint64_t head = head_.load(std::memory_order_relaxed);
        std::size_t at = static_cast<std::size_t>(head & (capacity_ - 1));
        // A message never wraps: when it does not fit before the end, skip to the start.
        const std::size_t skip = at + need > capacity_ ? capacity_ - at : 0;
        wait_for(tail_, [&] { return head + skip + need - tail_.load(std::memory_order_acquire) <= capacity_; });
        if (skip != 0) {
            write_length(at, skip_marker);
            head += skip;
            at = 0;
        }
        write_length(at, body.size());
        std::memcpy(bytes_.get() + at + sizeof(std::uint64_t), &header, sizeof(H));
        if (!body.empty()) std::memcpy(bytes_.get() + at + sizeof(std::uint64_t) + sizeof(H), body.data(), body.size());
        head_.store(head + need, std::memory_order_release);
        head_.notify_one();
    }

    /// The next message, waiting for one; valid until release().
    struct view {
        H header;
        std::span<const std::byte> body;
    };
    view front() noexcept {
        std::uint64_t tail = tail_.load(std::memory_order_relaxed);
        wait_for(head_, [&] { return head_.load(std::memory_order_acquire) != tail; });
        std::size_t at = static_cast<std::size_t>(tail & (capacity_ - 1));
        std::uint64_t length = read_length(at);
        if (length == skip_marker) {
            tail += capacity_ - at;
            tail_.store(tail, std::memory_order_release);
            tail_.notify_one();
            wait_for(head_, [&] { return head_.load(std::memory_order_acquire) != tail; });
            at = 0;
            length = read_length(0);
        }
        view v;
        std::memcpy(&v.header, bytes_.get() + at + sizeof(std::uint64_t), sizeof(H));
        v.body = {bytes_.get() + at + sizeof(std::uint64_t) + sizeof(H), static_cast<std::size_t>(length)};
        current_ = record_size(static_cast<std::size_t>(length));
        return v;
    }
    /// Frees the message front() returned.
    void release() noexcept {
        tail_.store(tail_.load(std::memory_order_relaxed) + current_, std::memory_order_release);
        tail_.notify_one();
    }

private:
    static constexpr std::uint64_t skip_marker = ~std::uint64_t{0};
    static constexpr std::size_t record_size(std::size_t body) noexcept {
        return (sizeof(std::uint64_t) + sizeof(H) + body + 7) & ~std::size_t{7};
    }
    void write_length(std::size_t at, std::uint64_t n) noexcept { std::memcpy(bytes_.get() + at, &n, sizeof n); }
    std::uint64_t read_length(std::size_t at) const noexcept {
        std::uint64_t n;
        std::memcpy(&n, bytes_.get() + at, sizeof n);
        return n;
    }

    std::size_t capacity_;
    std::unique_ptr<std::byte[]> bytes_;
    std::size_t current_ = 0;  // consumer side: the size of the message front() returned
    alignas(64) std::atomic<std::uint64_t> head_{0};  // bytes written, ever
    alignas(64) std::atomic<std::uint64_t> tail_{0};  // bytes released, ever
};

/// A bounded queue of values.
template <class T>
class spsc_queue {
public:
    explicit spsc_queue(std::size_t capacity) : capacity_(std::bit_ceil(capacity)), slots_(std::make_unique<T[]>(capacity_)) {}

    void push(T v) noexcept(std::is_nothrow_move_assignable_v<T>) {
        const std::uint64_t head = head_.load(std::memory_order_relaxed);
        wait_for(tail_, [&] { return head - tail_.load(std::memory_order_acquire) < capacity_; });
        slots_[head & (capacity_ - 1)] = std::move(v);
        head_.store(head + 1, std::memory_order_release);
        head_.notify_one();
    }
    /// The next value, waiting for one.
    T pop() noexcept(std::is_nothrow_move_constructible_v<T>) {
        const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
        wait_for(head_, [&] { return head_.load(std::memory_order_acquire) != tail; });
        T v = std::move(slots_[tail & (capacity_ - 1)]);
        tail_.store(tail + 1, std::memory_order_release);
        tail_.notify_one();
        return v;
    }
    /// The next value if there is one now.
    std::optional<T> try_pop() noexcept(std::is_nothrow_move_constructible_v<T>) {
        const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
        if (head_.load(std::memory_order_acquire) == tail) return std::nullopt;
        return pop();
    }
    /// Whether a value is waiting (for the consumer).
    [[nodiscard]] bool ready() const noexcept {
        return head_.load(std::memory_order_acquire) != tail_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] const std::atomic<std::uint64_t>& produced() const noexcept { return head_; }

private:
    std::size_t capacity_;
    std::unique_ptr<T[]> slots_;
    alignas(64) std::atomic<std::uint64_t> head_{0};
    alignas(64) std::atomic<std::uint64_t> tail_{0};
};

}  // namespace pktdyn::detail::pipeline
