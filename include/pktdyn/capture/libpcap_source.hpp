// pktdyn — libpcap as a packet_source: live capture with a BPF filter, and files that only libpcap
// reads (for everything else prefer capture_file: it is zero-copy and several times faster).
//
// Link with the optional `pktdyn::libpcap` target. Views point into libpcap's buffer and are valid
// until the next call to next(). Timestamps are requested in nanoseconds where the platform has them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <pcap/pcap.h>

#include <fmt/format.h>

#include "pktdyn/capture/capture_stats.hpp"
#include "pktdyn/core/packet_view.hpp"
#include "pktdyn/core/result.hpp"

namespace pktdyn {

struct live_options {
    int snaplen = 262144;
    bool promiscuous = false;
    int timeout_ms = 100;        ///< how often next() wakes up to check stop() when no packet comes
    int buffer_bytes = 0;        ///< kernel buffer size; 0 keeps libpcap's default
    std::string filter;          ///< BPF filter expression, empty for none
};

class libpcap_source {
public:
    /// Starts capturing on `device` ("any", "eth0", ...).
    [[nodiscard]] static result<libpcap_source> open_live(const std::string& device, const live_options& o = {}) {
        char err[PCAP_ERRBUF_SIZE] = {};
        pcap_t* p = pcap_create(device.c_str(), err);
        if (p == nullptr) return pktdyn::error{errc::io_error, fmt::format("cannot capture on {}: {}", device, err)};
        libpcap_source s{p, device, true};
        pcap_set_snaplen(p, o.snaplen);
        pcap_set_promisc(p, o.promiscuous ? 1 : 0);
        pcap_set_timeout(p, o.timeout_ms);
        if (o.buffer_bytes > 0) pcap_set_buffer_size(p, o.buffer_bytes);
        pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);  // falls back to microseconds
        if (const int rc = pcap_activate(p); rc < 0) return activation_error(device, rc, pcap_geterr(p));
        if (auto r = s.set_filter(o.filter); !r) return r.error();
        s.nano_ = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
        s.link_ = static_cast<link_type>(pcap_datalink(p));  // known only once activated
        return s;
    }

    /// Why a live capture could not start, once: libpcap's own text repeats the device name and
    /// the status, so the well-known cases get a sentence saying what to do.
    static pktdyn::error activation_error(const std::string& device, int rc, std::string_view detail) {
        switch (rc) {
            case PCAP_ERROR_NO_SUCH_DEVICE:
                return {errc::io_error, fmt::format("cannot capture on {}: no such interface (`ip link` lists them)", device)};
            case PCAP_ERROR_PERM_DENIED:
                return {errc::io_error, fmt::format("cannot capture on {}: permission denied (run as root, or give the "
                                                    "program CAP_NET_RAW and CAP_NET_ADMIN)", device)};
            case PCAP_ERROR_IFACE_NOT_UP:
                return {errc::io_error, fmt::format("cannot capture on {}: the interface is down", device)};
            default: break;
        }
        if (detail.starts_with(device + ": ")) detail.remove_prefix(device.size() + 2);
        return {errc::io_error, fmt::format("cannot capture on {}: {}", device, detail.empty() ? pcap_statustostr(rc) : detail)};
    }

    /// Reads a file through libpcap (any format and link type libpcap knows).
    [[nodiscard]] static result<libpcap_source> open_file(const std::string& path, const std::string& filter = {}) {
        char err[PCAP_ERRBUF_SIZE] = {};
        pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
        if (p == nullptr) return pktdyn::error{errc::io_error, fmt::format("libpcap cannot read {}: {}", path, err)};
        libpcap_source s{p, path, false};
        if (auto r = s.set_filter(filter); !r) return r.error();
        s.nano_ = true;
        s.link_ = static_cast<link_type>(pcap_datalink(p));
        return s;
    }

    /// The next packet; blocks on a live source until one arrives or stop() is called.
    [[nodiscard]] std::optional<packet_view> next() noexcept {
        while (!stop_->load(std::memory_order_relaxed)) {
            pcap_pkthdr* h = nullptr;
            const u_char* data = nullptr;
            const int rc = pcap_next_ex(handle_.get(), &h, &data);
            if (rc == 1) {
                const __int128 ns = __int128{h->ts.tv_sec} * 1'000'000'000 + __int128{h->ts.tv_usec} * (nano_ ? 1 : 1000);
                stats_.count(h->caplen, h->len, 0);
                return packet_view{clamp_time_ns(ns), {reinterpret_cast<const std::byte*>(data), h->caplen}, h->len,
                                   link_, 0};
            }
            if (rc == 0) continue;  // live timeout: look at stop_ again
            if (rc == PCAP_ERROR) error_text_ = pcap_geterr(handle_.get());
            break;                  // PCAP_ERROR_BREAK: end of file or pcap_breakloop
        }
        return std::nullopt;
    }

    /// Makes next() return std::nullopt soon; safe to call from another thread or a signal handler.
    void stop() noexcept {
        stop_->store(true, std::memory_order_relaxed);
        pcap_breakloop(handle_.get());
    }

    [[nodiscard]] std::optional<pktdyn::error> error() const {
        if (error_text_.empty()) return std::nullopt;
        return pktdyn::error{errc::io_error, fmt::format("{}: {}", name_, error_text_)};
    }
    [[nodiscard]] const capture_stats& stats() const noexcept { return stats_; }
    [[nodiscard]] link_type link() const noexcept { return link_; }
    /// Packets the kernel dropped (live capture only; 0 when the platform cannot tell).
    [[nodiscard]] std::uint64_t kernel_drops() const noexcept {
        pcap_stat s{};
        return live_ && pcap_stats(handle_.get(), &s) == 0 ? s.ps_drop + s.ps_ifdrop : 0;
    }

private:
    struct closer {
        void operator()(pcap_t* p) const noexcept { pcap_close(p); }
    };

    libpcap_source(pcap_t* p, std::string name, bool live)
        : handle_(p), name_(std::move(name)), live_(live), stop_(std::make_unique<std::atomic<bool>>(false)) {}

    result<void> set_filter(const std::string& filter) {
        if (filter.empty()) return {};
        bpf_program prog{};
        if (pcap_compile(handle_.get(), &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0 ||
            pcap_setfilter(handle_.get(), &prog) != 0) {
            pcap_freecode(&prog);
            return pktdyn::error{errc::invalid_argument,
                                 fmt::format("{}: bad filter \"{}\": {}", name_, filter, pcap_geterr(handle_.get()))};
        }
        pcap_freecode(&prog);
        return {};
    }

    std::unique_ptr<pcap_t, closer> handle_;
    std::string name_;
    bool live_ = false;
    bool nano_ = false;
    link_type link_ = link_type::ethernet;
    std::unique_ptr<std::atomic<bool>> stop_;  // on the heap so the source stays movable
    std::string error_text_;
    capture_stats stats_;
};

}  // namespace pktdyn
