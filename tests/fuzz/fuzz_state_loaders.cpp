// libFuzzer target: the baseline state readers — detector_set::restore (the whole detect state),
// profile_table::restore, first_seen_set::restore and ratio_detector::restore. Each input goes to all four (copied to an
// exact-size buffer so any read past it is caught); each must return a state or an error naming
// a line, never crash; a state that loads is saved again and must read back.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pktdyn/detect/detectors.hpp"

namespace {
template <class Restored>
void check(Restored& r) {
    if (!r) {
        if (r.error().message().find("line") == std::string::npos) __builtin_trap();  // an error names its line
        return;
    }
    const std::string again = r->save();
    using T = std::remove_cvref_t<decltype(*r)>;
    if (!T::restore(again)) __builtin_trap();  // what was saved reads back
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > (1u << 20)) return 0;
    const std::vector<char> exact(data, data + size);
    const std::string_view text(exact.data(), exact.size());
    // A first-seen set allocates the slots its text declares (up to 4 GiB, a user's own state file):
    // the fuzzer explores the readers, not the allocator, so large sets are skipped.
    for (std::size_t at = text.find("slots "); at != std::string_view::npos; at = text.find("slots ", at + 1)) {
        std::size_t n = 0;
        const auto r = std::from_chars(text.data() + at + 6, text.data() + text.size(), n);
        if (r.ec == std::errc{} && n > (1u << 20)) return 0;
    }
    pktdyn::detector_config small;  // small tables: a restored state is checked quickly
    small.novelty.capacity = 64;
    small.volume.pairs = 64;
    small.ratio.capacity = 64;
    auto d = pktdyn::detector_set::restore(text, small);
    if (!d && d.error().message().find("line") == std::string::npos) __builtin_trap();
    if (d && !pktdyn::detector_set::restore(d->save(), small)) __builtin_trap();
    auto p = pktdyn::profile_table::restore(text);
    check(p);
    auto s = pktdyn::first_seen_set::restore(text);
    check(s);
    auto q = pktdyn::ratio_detector::restore(text, small.ratio);
    if (!q && q.error().message().find("line") == std::string::npos) __builtin_trap();
    if (q && !pktdyn::ratio_detector::restore(q->save(), small.ratio)) __builtin_trap();
    return 0;
}
