// impair: a user-space network emulator between two TAP devices, standing in for `tc netem` on
// kernels built without sch_netem (such as this project's CI machines).
//
//   impair --a TAP_A --b TAP_B [--delay-ms D] [--jitter-ms J] [--loss P] [--reorder P] [--seed S]
//          [--log FILE]
//
// It creates TAP_A and TAP_B (the caller then moves them into network namespaces), prints "ready",
// and forwards every Ethernet frame from one to the other until SIGTERM/SIGINT. IPv4/IPv6 frames get
// netem's semantics, the same in both directions:
//   delay    each frame waits D ms (+ a uniform sample in [-J, +J] ms when jitter is set, so frames
//            may overtake each other, as with netem);
//   loss     a frame is dropped with probability P;
//   reorder  a frame skips the delay with probability P (netem's "reorder"), arriving before
//            frames sent earlier.
// Other frames (ARP) pass at once. --log writes one line per dropped or reordered frame (time,
// direction, action, size), the ground truth of what happened to which frame; the totals go to
// stdout at exit as JSON.
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t stop = 0;

std::int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int open_tap(const std::string& name) {
    const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        std::perror("impair: /dev/net/tun");
        std::exit(1);
    }
    ifreq ifr{};
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name.c_str());
    if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
        std::perror(("impair: TUNSETIFF " + name).c_str());
        std::exit(1);
    }
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

struct frame {
    std::int64_t release_ns;
    std::uint64_t seq;  // keeps frames with equal release times in arrival order
    int out_fd;
    std::vector<unsigned char> bytes;
    bool operator>(const frame& o) const { return release_ns != o.release_ns ? release_ns > o.release_ns : seq > o.seq; }
};

bool is_ip(const unsigned char* f, ssize_t n) {
    if (n < 14) return false;
    const unsigned type = unsigned(f[12]) << 8 | f[13];
    return type == 0x0800 || type == 0x86DD;
}

}  // namespace

int main(int argc, char** argv) {
    std::string a_name, b_name, log_path;
    double delay_ms = 0, jitter_ms = 0, loss = 0, reorder = 0;
    std::uint64_t seed = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        const char* v = argv[i + 1];
        if (k == "--a") a_name = v;
        else if (k == "--b") b_name = v;
        else if (k == "--delay-ms") delay_ms = std::atof(v);
        else if (k == "--jitter-ms") jitter_ms = std::atof(v);
        else if (k == "--loss") loss = std::atof(v);
        else if (k == "--reorder") reorder = std::atof(v);
        else if (k == "--seed") seed = std::strtoull(v, nullptr, 10);
        else if (k == "--log") log_path = v;
        else {
            std::fprintf(stderr, "impair: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    if (a_name.empty() || b_name.empty()) {
        std::fprintf(stderr, "usage: impair --a TAP_A --b TAP_B [--delay-ms D] [--jitter-ms J] [--loss P] "
                             "[--reorder P] [--seed S] [--log FILE]\n");
        return 2;
    }
    const int fd[2] = {open_tap(a_name), open_tap(b_name)};
    std::FILE* log = log_path.empty() ? nullptr : std::fopen(log_path.c_str(), "w");
    if (log) std::fprintf(log, "# monotonic_ns\tdirection\taction\tdelay_ns\tbytes\n");
    std::signal(SIGTERM, [](int) { stop = 1; });
    std::signal(SIGINT, [](int) { stop = 1; });

    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::priority_queue<frame, std::vector<frame>, std::greater<>> queue;
    std::uint64_t seq = 0;
    std::array<std::array<std::uint64_t, 4>, 2> counts{};  // [direction][forwarded, dropped, reordered, other]
    const char* direction_name[2] = {"a->b", "b->a"};
    std::printf("ready\n");
    std::fflush(stdout);

    std::array<unsigned char, 65536> buf{};
    while (!stop) {
        const std::int64_t now = now_ns();
        while (!queue.empty() && queue.top().release_ns <= now) {
            const frame& f = queue.top();
            if (::write(f.out_fd, f.bytes.data(), f.bytes.size()) < 0 && errno != EAGAIN)
                std::perror("impair: write");
            queue.pop();
        }
        timespec wait{0, 50'000'000};
        if (!queue.empty()) {
            const std::int64_t d = std::max<std::int64_t>(0, queue.top().release_ns - now_ns());
            wait = {static_cast<time_t>(d / 1'000'000'000), static_cast<long>(d % 1'000'000'000)};
        }
        pollfd p[2] = {{fd[0], POLLIN, 0}, {fd[1], POLLIN, 0}};
        if (::ppoll(p, 2, &wait, nullptr) < 0) continue;
        for (int side = 0; side < 2; ++side) {
            if (!(p[side].revents & POLLIN)) continue;
            for (;;) {
                const ssize_t n = ::read(fd[side], buf.data(), buf.size());
                if (n <= 0) break;
                const std::int64_t arrival = now_ns();
                frame f{arrival, seq++, fd[1 - side], std::vector<unsigned char>(buf.begin(), buf.begin() + n)};
                const char* action = "forward";
                if (!is_ip(buf.data(), n)) {
                    ++counts[side][3];
                    queue.push(std::move(f));
                    continue;
                }
                if (unit(rng) < loss) {
                    action = "drop";
                    ++counts[side][1];
                } else if (unit(rng) < reorder) {
                    action = "reorder";  // skips the delay
                    ++counts[side][2];
                } else {
                    double d = delay_ms;
                    if (jitter_ms > 0) d += (2 * unit(rng) - 1) * jitter_ms;
                    f.release_ns = arrival + static_cast<std::int64_t>(std::max(0.0, d) * 1e6);
                    ++counts[side][0];
                }
                if (log && std::strcmp(action, "forward") != 0)
                    std::fprintf(log, "%lld\t%s\t%s\t%lld\t%zd\n", static_cast<long long>(arrival),
                                 direction_name[side], action, static_cast<long long>(f.release_ns - arrival), n);
                if (std::strcmp(action, "drop") != 0) queue.push(std::move(f));
            }
        }
    }
    if (log) std::fclose(log);
    std::printf("{\"a_to_b\": {\"delayed\": %llu, \"dropped\": %llu, \"reordered\": %llu, \"not_ip\": %llu}, "
                "\"b_to_a\": {\"delayed\": %llu, \"dropped\": %llu, \"reordered\": %llu, \"not_ip\": %llu}}\n",
                (unsigned long long)counts[0][0], (unsigned long long)counts[0][1], (unsigned long long)counts[0][2],
                (unsigned long long)counts[0][3], (unsigned long long)counts[1][0], (unsigned long long)counts[1][1],
                (unsigned long long)counts[1][2], (unsigned long long)counts[1][3]);
    return 0;
}
