// pktdyn — several capture files read as one time-ordered stream.
//
// Each file keeps its own order; across files the packet with the earliest timestamp goes first,
// and equal timestamps go in the order the files were given (a directory's files in name order),
// so the output is deterministic. A file that stops early (truncated, corrupt) ends only its own
// part of the stream; `errors()` lists every such file. Views live as the files' access mode says:
// mapped, as long as the set; streamed, until the next call (and each file holds its own buffer).
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pktdyn/capture/capture_file.hpp"

namespace pktdyn {

class capture_set {
public:
    /// Opens every path: a file must open as a capture; a directory contributes its capture files
    /// (recursively, in name order), skipping and counting files that are not captures. Fails on
    /// the first file that cannot be opened.
    [[nodiscard]] static result<capture_set> open(const std::vector<std::filesystem::path>& paths,
                                                  reader_options options = {}) {
        capture_set s;
        for (const auto& p : paths) {
            std::error_code ec;
            auto added = std::filesystem::is_directory(p, ec) ? s.add_directory(p, options, true)
                                                               : s.add_file(p, options);
            if (!added) return added.error();
        }
        s.prime();
        return s;
    }

    /// Opens the capture files of a directory in name order (recursively when asked). Files that
    /// are not captures are skipped and counted; a capture that cannot be opened is an error.
    [[nodiscard]] static result<capture_set> open_directory(const std::filesystem::path& dir,
                                                            reader_options options = {}, bool recursive = false) {
        capture_set s;
        if (auto added = s.add_directory(dir, options, recursive); !added) return added.error();
        s.prime();
        return s;
    }

    [[nodiscard]] std::optional<packet_view> next() noexcept {
        // Advance the file whose packet went out last time only now: with streamed files, reading
        // its next packet may reuse the buffer that packet's view points into.
        if (handed_out_) advance(current_);
        handed_out_ = false;
        if (heap_.empty()) return std::nullopt;
        std::pop_heap(heap_.begin(), heap_.end(), later);
        const head h = heap_.back();
        heap_.pop_back();
        current_ = h.file;
        handed_out_ = true;
        return h.packet;
    }

    /// The first file that stopped early, if any (see `errors()` for all of them).
    [[nodiscard]] std::optional<pktdyn::error> error() const {
        for (const auto& f : files_)
            if (auto e = f.error()) return e;
        return std::nullopt;
    }
    [[nodiscard]] std::vector<pktdyn::error> errors() const {
        std::vector<pktdyn::error> all;
        for (const auto& f : files_)
            if (auto e = f.error()) all.push_back(std::move(*e));
        return all;
    }
    /// Totals over all files, plus the directory entries skipped as not captures.
    [[nodiscard]] capture_stats stats() const noexcept {
        capture_stats total = skipped_;
        for (const auto& f : files_) total += f.stats();
        return total;
    }
    /// Bytes read so far over all files (for progress against their sizes).
    [[nodiscard]] std::uint64_t bytes_read() const noexcept {
        std::uint64_t n = 0;
        for (const auto& f : files_) n += f.offset();
        return n;
    }
    [[nodiscard]] const std::vector<capture_file>& files() const noexcept { return files_; }
    /// Index in files() of the file the last packet came from.
    [[nodiscard]] std::size_t current_file() const noexcept { return current_; }

private:
    struct head {
        packet_view packet;
        std::size_t file;
    };
    // Heap order: the earliest packet on top; ties go to the earlier file.
    static bool later(const head& a, const head& b) noexcept {
        return a.packet.time != b.packet.time ? a.packet.time > b.packet.time : a.file > b.file;
    }

    result<bool> add_file(const std::filesystem::path& p, const reader_options& options) {
        auto f = capture_file::open(p, options);
        if (!f) return f.error();
        files_.push_back(std::move(f).value());
        return true;
    }

    result<bool> add_directory(const std::filesystem::path& dir, const reader_options& options, bool recursive) {
        std::error_code ec;
        std::vector<std::filesystem::path> paths;
        const auto collect = [&](auto it) {
            for (; !ec && it != decltype(it){}; it.increment(ec)) {
                std::error_code entry_ec;  // a dangling link is not a capture, not a listing failure
                if (it->is_regular_file(entry_ec)) paths.push_back(it->path());
            }
        };
        if (recursive) {
            collect(std::filesystem::recursive_directory_iterator(dir, ec));
        } else {
            collect(std::filesystem::directory_iterator(dir, ec));
        }
        if (ec) return pktdyn::error{errc::io_error, fmt::format("cannot list {}: {}", dir.string(), ec.message())};
        std::sort(paths.begin(), paths.end());
        for (const auto& p : paths) {
            auto f = capture_file::open(p, options);
            if (f) {
                files_.push_back(std::move(f).value());
            } else if (f.error().code() == errc::not_a_capture) {
                skipped_.skip(skip_reason::not_a_capture);
            } else {
                return f.error();
            }
        }
        return true;
    }

    void prime() {
        heap_.reserve(files_.size());
        for (std::size_t i = 0; i < files_.size(); ++i)
            if (auto p = files_[i].next()) heap_.push_back({*p, i});
        std::make_heap(heap_.begin(), heap_.end(), later);
    }

    void advance(std::size_t i) noexcept {
        if (auto p = files_[i].next()) {
            heap_.push_back({*p, i});  // capacity reserved in prime(): no allocation
            std::push_heap(heap_.begin(), heap_.end(), later);
        }
    }

    std::vector<capture_file> files_;
    std::vector<head> heap_;
    capture_stats skipped_;
    std::size_t current_ = 0;
    bool handed_out_ = false;
};

}  // namespace pktdyn
