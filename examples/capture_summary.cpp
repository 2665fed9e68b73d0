// pktdyn-summary: what is in a capture (or a directory of captures).
//
//   pktdyn-summary FILE|DIR...
//
// Prints packets, bytes, link types, the time span, records skipped by reason and where a file
// stopped early. Files are read as one time-ordered stream.
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pktdyn/capture/capture_set.hpp"

namespace {

std::string utc(pktdyn::timestamp t) {
    const std::int64_t ns = pktdyn::to_ns(t);
    std::int64_t sec = ns / 1'000'000'000;
    std::int64_t frac = ns % 1'000'000'000;
    if (frac < 0) frac += 1'000'000'000, --sec;
    const std::time_t tt = static_cast<std::time_t>(sec);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return fmt::format("{}.{:09d} UTC", buf, frac);
}

std::string link_name(pktdyn::link_type t) {
    const auto n = pktdyn::name(t);
    return fmt::format("{} ({})", n.empty() ? "unknown" : n, static_cast<std::uint32_t>(t));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        fmt::print(stderr, "usage: {} FILE|DIR...\n", argv[0]);
        return 2;
    }
    const std::vector<std::filesystem::path> files(argv + 1, argv + argc);  // files or directories
    auto set = pktdyn::capture_set::open(files);
    if (!set) {
        fmt::print(stderr, "pktdyn-summary: {}\n", set.error().message());
        return 1;
    }

    std::map<std::uint32_t, std::uint64_t> by_link;
    std::optional<pktdyn::timestamp> first, last;
    while (auto p = set->next()) {
        ++by_link[static_cast<std::uint32_t>(p->link)];
        if (!first || p->time < *first) first = p->time;
        if (!last || p->time > *last) last = p->time;
    }

    const pktdyn::capture_stats s = set->stats();
    fmt::print("files            {}\n", set->file_count());
    fmt::print("packets          {}\n", s.packets);
    fmt::print("captured bytes   {}{}\n", s.captured_bytes,
               s.packets ? fmt::format("  (mean {:.1f} per packet)", double(s.captured_bytes) / double(s.packets)) : "");
    fmt::print("wire bytes       {}\n", s.original_bytes);
    fmt::print("sliced packets   {}  (captured length < wire length)\n", s.sliced_packets);
    if (first) {
        fmt::print("first packet     {}\n", utc(*first));
        fmt::print("last packet      {}\n", utc(*last));
        fmt::print("time span        {:.6f} s\n", pktdyn::to_seconds(*last - *first));
    }
    fmt::print("link types      ");
    for (const auto& [link, n] : by_link) fmt::print(" {}: {} packets;", link_name(pktdyn::link_type{link}), n);
    fmt::print("{}\n", by_link.empty() ? " none" : "");
    fmt::print("skipped records ");
    for (std::size_t r = 0; r < pktdyn::skip_reason_count; ++r)
        if (s.skipped[r]) fmt::print(" {}: {};", pktdyn::to_string(pktdyn::skip_reason(r)), s.skipped[r]);
    fmt::print("{}\n", s.total_skipped() ? "" : " none");
    const auto errors = set->errors();
    fmt::print("stopped early    {}\n", errors.empty() ? "none" : fmt::format("{} file(s)", errors.size()));
    for (const auto& e : errors) fmt::print("  {}\n", e.message());
    return 0;
}
