// pktdyn — several capture files read as one time-ordered stream.
//
// Each file keeps its own order; across files the packet with the earliest timestamp goes first,
// and equal timestamps go in the order the files were given (a directory's files in name order),
// so the output is deterministic. A file that stops early (truncated, corrupt) ends only its own
// part of the stream; `errors()` lists every such file. Views live as the files' access mode says:
// mapped, as long as the set; streamed, until the next call (and each open file holds its own
// buffer).
//
// Files are opened as the stream reaches them, not all at once: open() reads each file's first
// packet time and closes it; a file is opened again when the stream comes to that time, and a
// streamed file is closed (its descriptor and buffer released) when it ends. So only files that
// overlap in time are open together: a directory of thousands of rotated captures reads under the
// common limit of 1,024 open files.
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
    /// Opens every path: a file given must open as a capture (else the set fails, naming it); a
    /// directory contributes its capture files (recursively, in name order), skipping and counting
    /// files that are not captures, and listing in errors() captures that cannot be read at all.
    [[nodiscard]] static result<capture_set> open(const std::vector<std::filesystem::path>& paths,
                                                  reader_options options = {}) {
        capture_set s{options};
        for (const auto& p : paths) {
            std::error_code ec;
            auto added = std::filesystem::is_directory(p, ec) ? s.add_directory(p, true) : s.add_file(p);
            if (!added) return added.error();
        }
        s.prime();
        return s;
    }

    /// Opens the capture files of a directory in name order (recursively when asked). Files that
    /// are not captures are skipped and counted; captures that cannot be read are in errors().
    [[nodiscard]] static result<capture_set> open_directory(const std::filesystem::path& dir,
                                                            reader_options options = {}, bool recursive = false) {
        capture_set s{options};
        if (auto added = s.add_directory(dir, recursive); !added) return added.error();
        s.prime();
        return s;
    }

    [[nodiscard]] std::optional<packet_view> next() noexcept {
        // Advance the file whose packet went out last time only now: with streamed files, reading
        // its next packet may reuse the buffer that packet's view points into.
        if (handed_out_) advance(current_);
        handed_out_ = false;
        start_due();
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
        for (const auto& m : members_)
            if (auto e = m.error()) return e;
        return std::nullopt;
    }
    [[nodiscard]] std::vector<pktdyn::error> errors() const {
        std::vector<pktdyn::error> all;
        for (const auto& m : members_)
            if (auto e = m.error()) all.push_back(std::move(*e));
        return all;
    }
    /// Totals over all files, plus the directory entries skipped as not captures.
    [[nodiscard]] capture_stats stats() const noexcept {
        capture_stats total = skipped_;
        for (const auto& m : members_) total += m.stats();
        return total;
    }
    /// Bytes read so far over all files (for progress against total_bytes()).
    [[nodiscard]] std::uint64_t bytes_read() const noexcept {
        std::uint64_t n = 0;
        for (const auto& m : members_) n += m.file ? m.file->offset() : m.done ? m.end_offset : 0;
        return n;
    }
    /// The sizes of all files together.
    [[nodiscard]] std::uint64_t total_bytes() const noexcept {
        std::uint64_t n = 0;
        for (const auto& m : members_) n += m.size;
        return n;
    }
    /// The capture files, in the order given (a directory's in name order).
    [[nodiscard]] std::size_t file_count() const noexcept { return members_.size(); }
    [[nodiscard]] const std::filesystem::path& file_path(std::size_t i) const noexcept { return members_[i].path; }
    /// Index of the file the last packet came from.
    [[nodiscard]] std::size_t current_file() const noexcept { return current_; }
    /// Directory entries skipped because they are not captures, in the order met.
    [[nodiscard]] const std::vector<std::filesystem::path>& skipped_files() const noexcept { return skipped_files_; }

private:
    struct head {
        packet_view packet;
        std::size_t file;
    };
    // One input file: open while the stream reads it (a mapped file stays open to the end, so its
    // views stay valid; it holds no descriptor), with what it said when it ended.
    struct member {
        std::filesystem::path path;
        std::uint64_t size = 0;
        std::optional<capture_file> file;
        std::optional<timestamp> first;  // its first packet's time; none: it has no packet
        bool done = false;
        std::uint64_t end_offset = 0;
        capture_stats final_stats;
        std::optional<pktdyn::error> final_error;

        [[nodiscard]] std::optional<pktdyn::error> error() const { return file ? file->error() : final_error; }
        [[nodiscard]] capture_stats stats() const noexcept { return file ? file->stats() : final_stats; }
        void finish(bool keep_open) {
            if (file) {
                end_offset = file->offset();
                final_stats = file->stats();
                final_error = file->error();
            }
            done = true;
            if (!keep_open) file.reset();
        }
    };

    explicit capture_set(reader_options options) : options_(options) {}

    // Heap order: the earliest packet on top; ties go to the earlier file.
    static bool later(const head& a, const head& b) noexcept {
        return a.packet.time != b.packet.time ? a.packet.time > b.packet.time : a.file > b.file;
    }

    // Opens the file to read its first packet's time (and errors before it), then closes it.
    result<bool> probe(const std::filesystem::path& p) {
        auto f = capture_file::open(p, options_);
        if (!f) return f.error();
        member m;
        m.path = p;
        std::error_code ec;
        m.size = std::filesystem::file_size(p, ec);
        if (ec) m.size = 0;
        if (auto first = f->next()) {
            m.first = first->time;
        } else {  // no packet: what the file said is all there is
            m.file = std::move(f).value();
            m.finish(false);
        }
        members_.push_back(std::move(m));
        return true;
    }

    result<bool> add_file(const std::filesystem::path& p) { return probe(p); }

    result<bool> add_directory(const std::filesystem::path& dir, bool recursive) {
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
            auto added = probe(p);
            if (added) continue;
            if (added.error().code() == errc::not_a_capture) {
                skipped_.skip(skip_reason::not_a_capture);
                skipped_files_.push_back(p);
            } else {  // a capture that cannot be read from its start: listed in errors(), the rest still read
                member m;
                m.path = p;
                m.done = true;
                m.final_error = added.error();
                members_.push_back(std::move(m));
            }
        }
        return true;
    }

    // Files in the order their first packets come (ties: the order given).
    void prime() {
        heap_.reserve(members_.size());
        for (std::size_t i = 0; i < members_.size(); ++i)
            if (members_[i].first) pending_.push_back(i);
        std::stable_sort(pending_.begin(), pending_.end(),
                         [&](std::size_t a, std::size_t b) { return *members_[a].first < *members_[b].first; });
    }

    // Opens the files whose first packet comes before the earliest packet of the open ones.
    void start_due() noexcept {
        while (next_pending_ < pending_.size()) {
            const std::size_t i = pending_[next_pending_];
            const head candidate{packet_view{*members_[i].first, {}, 0, {}, 0}, i};
            if (!heap_.empty() && later(candidate, heap_.front())) return;
            ++next_pending_;
            start(i);
        }
    }

    void start(std::size_t i) noexcept {
        member& m = members_[i];
        try {
            auto f = capture_file::open(m.path, options_);
            if (!f) {  // it opened a moment ago: gone, or out of descriptors
                m.final_error = f.error();
                m.done = true;
                return;
            }
            m.file = std::move(f).value();
        } catch (...) {  // out of memory for its buffer
            m.final_error = pktdyn::error{errc::io_error, fmt::format("{}: cannot open again: out of memory", m.path.string())};
            m.done = true;
            return;
        }
        advance(i);
    }

    void advance(std::size_t i) noexcept {
        member& m = members_[i];
        if (auto p = m.file->next()) {
            heap_.push_back({*p, i});  // capacity reserved in prime(): no allocation
            std::push_heap(heap_.begin(), heap_.end(), later);
        } else {
            m.finish(options_.access == access_mode::map);
        }
    }

    reader_options options_;
    std::vector<member> members_;
    std::vector<std::size_t> pending_;  // files not yet opened, by their first packet's time
    std::size_t next_pending_ = 0;
    std::vector<head> heap_;
    capture_stats skipped_;
    std::vector<std::filesystem::path> skipped_files_;
    std::size_t current_ = 0;
    bool handed_out_ = false;
};

}  // namespace pktdyn
