// pktdyn — a file mapped read-only into memory.
//
// File readers hand out packet views that point straight into this mapping: no copy, no buffer
// management. The mapping is private and read-only, so views stay valid as long as the
// mapped_file (or the reader that owns it) lives, even if it is moved.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "pktdyn/core/result.hpp"

namespace pktdyn {

class mapped_file {
public:
    mapped_file() noexcept = default;
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;
    mapped_file(mapped_file&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), path_(std::move(o.path_)) {}
    mapped_file& operator=(mapped_file&& o) noexcept {
        if (this != &o) {
            unmap();
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
            path_ = std::move(o.path_);
        }
        return *this;
    }
    ~mapped_file() { unmap(); }

    /// Maps a regular file. An empty file gives an empty mapping (no error).
    [[nodiscard]] static result<mapped_file> open(const std::filesystem::path& path) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return os_error("cannot open", path);
        struct ::stat st {};
        if (::fstat(fd, &st) != 0) {
            auto e = os_error("cannot stat", path);
            ::close(fd);
            return e;
        }
        if (!S_ISREG(st.st_mode)) {
            ::close(fd);
            return pktdyn::error{errc::io_error, fmt::format("{}: not a regular file", path.string())};
        }
        mapped_file f;
        f.path_ = path;
        f.size_ = static_cast<std::size_t>(st.st_size);
        if (f.size_ > 0) {
            void* p = ::mmap(nullptr, f.size_, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) {
                auto e = os_error("cannot map", path);
                ::close(fd);
                return e;
            }
            // Readers walk the file front to back: ask for aggressive read-ahead.
            ::madvise(p, f.size_, MADV_SEQUENTIAL);
            f.data_ = static_cast<const std::byte*>(p);
        }
        ::close(fd);  // the mapping keeps the file alive
        return f;
    }

    [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

private:
    static pktdyn::error os_error(const char* what, const std::filesystem::path& path) {
        return {errc::io_error, fmt::format("{} {}: {}", what, path.string(), std::strerror(errno))};
    }
    void unmap() noexcept {
        if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
        data_ = nullptr;
        size_ = 0;
    }

    const std::byte* data_ = nullptr;
    std::size_t size_ = 0;
    std::filesystem::path path_;
};

}  // namespace pktdyn
