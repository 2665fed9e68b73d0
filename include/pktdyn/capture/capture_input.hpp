// pktdyn — the bytes a capture reader parses, in one of two ways.
//
//   map     the whole file mapped read-only (or caller-owned bytes): zero-copy, every view valid
//           for as long as the reader lives. The default.
//   stream  the file read in chunks (1 MiB by default) into one reused buffer: the kernel copies
//           each byte once, as `cat` does, and parsing runs on cache-resident memory. Views are
//           valid until the next call to next(). Faster for a single pass over large files on
//           machines where page faults and TLB misses are expensive (virtual machines), and its
//           memory stays bounded. benchmarks/RESULTS.md has the figures.
//
// A reader asks `want(n)` before reading n bytes at the read position; a streaming input refills
// (moving the unread bytes to the front of its buffer) only inside want(), so views handed out
// earlier stay valid until the reader's next call.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "pktdyn/capture/mapped_file.hpp"
#include "pktdyn/core/cursor.hpp"
#include "pktdyn/core/result.hpp"

namespace pktdyn {

enum class access_mode : std::uint8_t { map, stream };

class capture_input {
public:
    /// Caller-owned bytes, which must outlive the reader.
    [[nodiscard]] static capture_input over(std::span<const std::byte> bytes, std::string name) {
        capture_input c;
        c.name_ = std::move(name);
        c.in_ = cursor{bytes};
        return c;
    }

    [[nodiscard]] static result<capture_input> map(const std::filesystem::path& path) {
        auto file = mapped_file::open(path);
        if (!file) return file.error();
        capture_input c;
        c.name_ = path.string();
        c.file_ = std::move(file).value();
        c.in_ = cursor{c.file_.bytes()};  // the mapping's address survives moves of mapped_file
        return c;
    }

    [[nodiscard]] static result<capture_input> stream(const std::filesystem::path& path, std::size_t chunk) {
        capture_input c;
        c.name_ = path.string();
        c.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (c.fd_ < 0) {
            return pktdyn::error{errc::io_error,
                                 fmt::format("cannot open {}: {}", path.string(), std::strerror(errno))};
        }
        ::posix_fadvise(c.fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
        c.chunk_ = chunk < 4096 ? 4096 : chunk;
        c.grow(2 * c.chunk_);
        c.streaming_ = true;
        return c;
    }

    capture_input(capture_input&& o) noexcept { *this = std::move(o); }
    capture_input& operator=(capture_input&& o) noexcept {
        if (this != &o) {
            close();
            file_ = std::move(o.file_);
            name_ = std::move(o.name_);
            in_ = o.in_;
            buffer_ = std::move(o.buffer_);
            capacity_ = std::exchange(o.capacity_, 0);
            chunk_ = o.chunk_;
            base_ = o.base_;
            fd_ = std::exchange(o.fd_, -1);
            streaming_ = o.streaming_;
            eof_ = o.eof_;
            io_error_ = o.io_error_;
        }
        return *this;
    }
    capture_input(const capture_input&) = delete;
    capture_input& operator=(const capture_input&) = delete;
    ~capture_input() { close(); }

    /// The bytes from the read position to the end of what is available now.
    [[nodiscard]] cursor& in() noexcept { return in_; }
    [[nodiscard]] const cursor& in() const noexcept { return in_; }

    /// True when `n` bytes are available from the read position, refilling a streaming input;
    /// false when the input ends (or fails to read) before them.
    [[nodiscard]] bool want(std::size_t n) noexcept {
        if (in_.remaining() >= n) return true;
        if (!streaming_ || eof_) return false;
        return refill(n);
    }

    /// File offset of the read position.
    [[nodiscard]] std::uint64_t offset() const noexcept { return base_ + in_.position(); }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] bool streaming() const noexcept { return streaming_; }
    /// The operating system's error if a read failed (errno), else 0.
    [[nodiscard]] int io_error() const noexcept { return io_error_; }

private:
    capture_input() = default;

    bool refill(std::size_t n) noexcept {
        // Keep the unread bytes, at the front of the buffer.
        const std::size_t unread = in_.remaining();
        const std::size_t consumed = in_.position();
        if (unread != 0 && consumed != 0) std::memmove(buffer_.get(), buffer_.get() + consumed, unread);
        base_ += consumed;
        if (n + chunk_ > capacity_ && !grow(n + chunk_, unread)) return false;
        std::size_t have = unread;
        // Read whole chunks until n bytes are there (and as much as one chunk more, to amortise).
        while (have < n || have - unread < chunk_) {
            const std::size_t room = capacity_ - have;
            if (room == 0) break;
            const ssize_t r = ::read(fd_, buffer_.get() + have, room < chunk_ ? room : chunk_);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) {
                if (r < 0) io_error_ = errno;
                eof_ = true;
                break;
            }
            have += static_cast<std::size_t>(r);
            if (have >= n && have - unread >= chunk_) break;
        }
        in_ = cursor{std::span<const std::byte>{buffer_.get(), have}};
        return have >= n;
    }

    // Rare: only a record larger than the buffer makes it grow.
    bool grow(std::size_t capacity, std::size_t keep = 0) noexcept {
        std::unique_ptr<std::byte[]> bigger(new (std::nothrow) std::byte[capacity]);
        if (!bigger) {
            io_error_ = ENOMEM;
            return false;
        }
        if (keep != 0) std::memcpy(bigger.get(), buffer_.get(), keep);
        buffer_ = std::move(bigger);
        capacity_ = capacity;
        return true;
    }

    void close() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    mapped_file file_;
    std::string name_;
    cursor in_;
    std::unique_ptr<std::byte[]> buffer_;
    std::size_t capacity_ = 0;
    std::size_t chunk_ = 0;
    std::uint64_t base_ = 0;  // file offset of in_'s first byte
    int fd_ = -1;
    bool streaming_ = false;
    bool eof_ = false;
    int io_error_ = 0;
};

}  // namespace pktdyn
