// pktdyn — one direction of a TCP connection as a byte stream, in order: what handshake parsers read.
//
// Segments arrive out of order, overlap and repeat; a TLS or SSH parser wants the bytes in sequence.
// A tcp_stream hands its consumer each run of bytes as soon as it is contiguous with what came before:
// in-order segments straight from the packet (no copy), out-of-order ones kept in a window of
// `window_bytes` after the next expected byte until the hole before them fills. The window is
// allocated on the first out-of-order segment and freed when the consumer stops, so a flow whose
// segments come in order never allocates, and none holds memory after its handshake.
//
// The stream ends, and says why, when the consumer has read all it wants (stopped), when bytes were
// never captured (a snap length cut the segment: lost), or when no memory was left for the window.
// A hole that never fills leaves the stream waiting (`stalled()` says whether bytes sit behind one).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>

namespace pktdyn {

class tcp_stream {
public:
    static constexpr std::uint32_t window_bytes = 16384;
    static constexpr std::size_t max_holes = 8;  ///< out-of-order runs kept apart at once

    enum class status : std::uint8_t {
        open,           ///< delivering (or waiting for the first segment)
        stopped,        ///< the consumer read all it wanted
        lost,           ///< bytes in sequence were not captured: nothing after them can be delivered
        out_of_memory,  ///< the reordering window could not be allocated
    };

    /// One segment of this direction: its sequence number and SYN flag, its payload length on the wire
    /// and the captured part of that payload. Calls `deliver(std::span<const std::byte>)` for each run
    /// of bytes now in order; `deliver` returns false when it needs no more bytes (the stream stops).
    template <class Deliver>
    void segment(std::uint32_t seq, bool syn, std::uint32_t wire_length, std::span<const std::byte> captured,
                 Deliver&& deliver) noexcept {
        if (status_ != status::open) return;
        const std::uint32_t data_seq = syn ? seq + 1 : seq;  // a SYN takes one sequence number
        if (!started_) {
            if (!syn && wire_length == 0) return;  // a bare ACK says nothing of where data starts
            started_ = true;
            next_ = data_seq;
        }
        if (wire_length == 0) return;
        if (captured.size() > wire_length) captured = captured.first(wire_length);
        const auto ahead = static_cast<std::int32_t>(data_seq - next_);
        if (ahead <= 0) {  // starts at or before the next byte: deliver what is new
            const auto old = static_cast<std::uint32_t>(-static_cast<std::int64_t>(ahead));
            if (old >= wire_length) return;  // all seen before: a retransmission
            if (old >= captured.size()) return lose();
            const auto fresh = captured.subspan(old);
            next_ += static_cast<std::uint32_t>(fresh.size());
            delivered_ += fresh.size();
            if (!deliver(fresh)) return stop();
            if (captured.size() < wire_length) return lose();
            drain(deliver);
            return;
        }
        keep(static_cast<std::uint32_t>(ahead), captured);
    }

    /// The consumer needs no more bytes: frees the window.
    void stop() noexcept {
        if (status_ == status::open) status_ = status::stopped;
        release();
    }

    [[nodiscard]] status state() const noexcept { return status_; }
    [[nodiscard]] bool open() const noexcept { return status_ == status::open; }
    /// Bytes delivered so far: the stream offset of the next byte.
    [[nodiscard]] std::uint64_t delivered() const noexcept { return delivered_; }
    /// Out-of-order bytes wait behind a hole.
    [[nodiscard]] bool stalled() const noexcept { return holes_ != 0; }
    /// Segments that came ahead of a hole, and those dropped because the window or the hole list was full.
    [[nodiscard]] std::uint32_t out_of_order() const noexcept { return out_of_order_; }
    [[nodiscard]] std::uint32_t dropped() const noexcept { return dropped_; }

private:
    struct run {
        std::uint32_t begin, end;  // sequence numbers, end exclusive
    };

    void lose() noexcept {
        status_ = status::lost;
        release();
    }
    void release() noexcept {
        window_.reset();
        holes_ = 0;
    }

    // An out-of-order segment `ahead` bytes after the next expected one: into the window (a ring
    // indexed by sequence number), as far as the window reaches; its run joins the overlapping ones.
    void keep(std::uint32_t ahead, std::span<const std::byte> captured) noexcept {
        ++out_of_order_;
        if (ahead >= window_bytes || captured.empty()) {
            ++dropped_;
            return;
        }
        if (!window_) {
            window_.reset(new (std::nothrow) std::byte[window_bytes]);
            if (!window_) {
                status_ = status::out_of_memory;
                return;
            }
        }
        const std::uint32_t n = std::min<std::uint32_t>(static_cast<std::uint32_t>(captured.size()), window_bytes - ahead);
        run r{next_ + ahead, next_ + ahead + n};
        // Merge with every run it overlaps or touches; keep the list in no particular order.
        for (std::size_t i = 0; i < holes_;) {
            const run& o = runs_[i];
            if (static_cast<std::int32_t>(o.begin - r.end) <= 0 && static_cast<std::int32_t>(r.begin - o.end) <= 0) {
                if (static_cast<std::int32_t>(o.begin - r.begin) < 0) r.begin = o.begin;
                if (static_cast<std::int32_t>(o.end - r.end) > 0) r.end = o.end;
                runs_[i] = runs_[--holes_];
            } else {
                ++i;
            }
        }
        if (holes_ == max_holes) {
            ++dropped_;
            return;
        }
        copy_in(next_ + ahead, captured.first(n));
        runs_[holes_++] = r;
    }

    void copy_in(std::uint32_t seq, std::span<const std::byte> bytes) noexcept {
        const std::uint32_t at = seq % window_bytes;
        const std::size_t first = std::min<std::size_t>(bytes.size(), window_bytes - at);
        std::memcpy(window_.get() + at, bytes.data(), first);
        std::memcpy(window_.get(), bytes.data() + first, bytes.size() - first);
    }

    // Delivers the runs that the bytes just delivered made contiguous.
    template <class Deliver>
    void drain(Deliver& deliver) noexcept {
        for (bool moved = true; moved && holes_ != 0 && status_ == status::open;) {
            moved = false;
            for (std::size_t i = 0; i < holes_; ++i) {
                const run r = runs_[i];
                if (static_cast<std::int32_t>(r.begin - next_) > 0) continue;  // still behind a hole
                runs_[i] = runs_[--holes_];
                moved = true;
                if (static_cast<std::int32_t>(r.end - next_) <= 0) break;      // nothing new in it
                std::uint32_t from = next_;
                while (from != r.end) {  // at most two pieces: the ring may wrap
                    const std::uint32_t at = from % window_bytes;
                    const std::uint32_t n = std::min(r.end - from, window_bytes - at);
                    next_ += n;
                    delivered_ += n;
                    from += n;
                    if (!deliver(std::span<const std::byte>(window_.get() + at, n))) return stop();
                }
                break;
            }
        }
    }

    std::unique_ptr<std::byte[]> window_;
    std::array<run, max_holes> runs_{};
    std::uint64_t delivered_ = 0;
    std::uint32_t next_ = 0;
    std::uint32_t out_of_order_ = 0;
    std::uint32_t dropped_ = 0;
    std::uint8_t holes_ = 0;
    bool started_ = false;
    status status_ = status::open;
};

}  // namespace pktdyn
