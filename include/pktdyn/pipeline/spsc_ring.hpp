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
/// (a power of two, at least twice the largest message). Both sides work in batches: the producer
/// makes its messages visible every `batch` messages (and before it would wait, and at publish()),
/// the consumer frees space every `batch` messages (and before it would wait), so the threads touch
/// the shared counters a few times per batch, not per packet.
template <class H>
class message_ring {
    static_assert(std::is_trivially_copyable_v<H>);

public:
    explicit message_ring(std::size_t capacity, std::size_t batch = 64)
        : capacity_(std::bit_ceil(capacity)), batch_(batch), bytes_(std::make_unique<std::byte[]>(capacity_)) {}

    /// Copies a message in; waits while the ring is full.
    void push(const H& header, std::span<const std::byte> body) noexcept {
        const std::size_t need = record_size(body.size());
        std::size_t at = static_cast<std::size_t>(write_ & (capacity_ - 1));
        // A message never wraps: when it does not fit before the end, skip to the start.
        const std::size_t skip = at + need > capacity_ ? capacity_ - at : 0;
        if (write_ + skip + need - free_seen_ > capacity_) {
            free_seen_ = tail_.load(std::memory_order_acquire);
            if (write_ + skip + need - free_seen_ > capacity_) {
                publish();  // the consumer may be waiting for what is written
                wait_for(tail_, [&] { return write_ + skip + need - tail_.load(std::memory_order_acquire) <= capacity_; });
                free_seen_ = tail_.load(std::memory_order_acquire);
            }
        }
        if (skip != 0) {
            write_length(at, skip_marker);
            write_ += skip;
            at = 0;
        }
        write_length(at, body.size());
        std::memcpy(bytes_.get() + at + sizeof(std::uint64_t), &header, sizeof(H));
        if (!body.empty()) std::memcpy(bytes_.get() + at + sizeof(std::uint64_t) + sizeof(H), body.data(), body.size());
        write_ += need;
        if (++unpublished_ >= batch_) publish();
    }
    /// Makes every message pushed so far visible to the consumer.
    void publish() noexcept {
        if (unpublished_ == 0) return;
        unpublished_ = 0;
        head_.store(write_, std::memory_order_release);
        head_.notify_one();
    }

    /// The next message, waiting for one; valid until release().
    struct view {
        H header;
        std::span<const std::byte> body;
    };
    view front() noexcept {
        if (read_ == written_seen_) {
            written_seen_ = head_.load(std::memory_order_acquire);
            if (read_ == written_seen_) {
                give_back();  // the producer may be waiting for space
                wait_for(head_, [&] { return head_.load(std::memory_order_acquire) != read_; });
                written_seen_ = head_.load(std::memory_order_acquire);
            }
        }
        std::size_t at = static_cast<std::size_t>(read_ & (capacity_ - 1));
        std::uint64_t length = read_length(at);
        if (length == skip_marker) {
            read_ += capacity_ - at;
            at = 0;
            if (read_ == written_seen_) {
                give_back();
                wait_for(head_, [&] { return head_.load(std::memory_order_acquire) != read_; });
                written_seen_ = head_.load(std::memory_order_acquire);
            }
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
        read_ += current_;
        if (++unreleased_ >= batch_) give_back();
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
    void give_back() noexcept {
        if (unreleased_ == 0 && tail_.load(std::memory_order_relaxed) == read_) return;
        unreleased_ = 0;
        tail_.store(read_, std::memory_order_release);
        tail_.notify_one();
    }

    std::size_t capacity_, batch_;
    std::unique_ptr<std::byte[]> bytes_;
    // The producer's own: bytes written, the free space last seen, messages not yet visible.
    alignas(64) std::uint64_t write_ = 0, free_seen_ = 0;
    std::size_t unpublished_ = 0;
    // The consumer's own: bytes read, what it last saw written, messages not yet freed.
    alignas(64) std::uint64_t read_ = 0, written_seen_ = 0;
    std::size_t unreleased_ = 0, current_ = 0;
    alignas(64) std::atomic<std::uint64_t> head_{0};  // bytes visible to the consumer
    alignas(64) std::atomic<std::uint64_t> tail_{0};  // bytes the consumer has freed
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
