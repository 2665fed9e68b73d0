// pktdyn — where a sink's bytes go: a file (or standard output) written in large blocks, keeping
// the first write error so that a full disk is a failure the sink reports, not a short file.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "pktdyn/core/result.hpp"

namespace pktdyn {

class output_file {
public:
    /// Standard output.
    output_file() = default;
    /// The file at `path` (created or truncated), or standard output for an empty path or "-".
    explicit output_file(const std::string& path, bool binary = false)
        : name_(path.empty() || path == "-" ? "standard output" : path) {
        if (path.empty() || path == "-") return;
        file_ = std::fopen(path.c_str(), binary ? "wb" : "w");
        if (file_ == nullptr) error_ = std::strerror(errno);
    }
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;
    output_file(output_file&& o) noexcept
        : name_(std::move(o.name_)), file_(std::exchange(o.file_, nullptr)), error_(std::move(o.error_)) {}
    output_file& operator=(output_file&& o) noexcept {
        if (this != &o) {
            close_quietly();
            name_ = std::move(o.name_);
            file_ = std::exchange(o.file_, nullptr);
            error_ = std::move(o.error_);
        }
        return *this;
    }
    ~output_file() { close_quietly(); }

    [[nodiscard]] bool ok() const noexcept { return error_.empty(); }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] std::FILE* handle() const noexcept { return file_; }

    void write(std::string_view bytes) {
        if (!ok() || bytes.empty()) return;
        if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) error_ = std::strerror(errno);
    }
    /// Rewrites bytes at `offset` from the start (a header completed at the end), then returns to
    /// the end. Not for standard output.
    void write_at(long offset, std::string_view bytes) {
        if (!ok()) return;
        if (std::fflush(file_) != 0 || std::fseek(file_, offset, SEEK_SET) != 0) {
            error_ = std::strerror(errno);
            return;
        }
        write(bytes);
        if (ok() && std::fseek(file_, 0, SEEK_END) != 0) error_ = std::strerror(errno);
    }
    /// Flushes and closes (standard output is flushed only); the error names the output.
    result<void> finish() {
        if (file_ != nullptr && ok() && std::fflush(file_) != 0) error_ = std::strerror(errno);
        if (file_ != nullptr && file_ != stdout) {
            if (std::fclose(file_) != 0 && ok()) error_ = std::strerror(errno);
        }
        file_ = nullptr;
        if (ok()) return {};
        return pktdyn::error{errc::io_error, fmt::format("writing {}: {}", name_, error_)};
    }

private:
    void close_quietly() noexcept {
        if (file_ != nullptr && file_ != stdout) std::fclose(file_);
        file_ = nullptr;
    }

    std::string name_ = "standard output";
    std::FILE* file_ = stdout;
    std::string error_;
};

}  // namespace pktdyn
