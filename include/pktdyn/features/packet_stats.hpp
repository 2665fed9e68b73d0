// pktdyn — packet-size and timing statistics of a flow: min, max, mean, standard deviation,
// skewness and kurtosis of IP lengths, payload lengths and inter-arrival times, for the whole flow
// (scope `flow`) and for each direction (`orig`: packets the originator sent, `resp`: the
// responder's). Inter-arrival times are the gaps between consecutive packets of the scope, in
// seconds: a scope with n packets has n - 1 of them. Statistics as `moments` defines them
// (population variance; NaN where undefined).
#pragma once

#include <array>
#include <span>

#include "pktdyn/features/accumulator.hpp"
#include "pktdyn/features/moments.hpp"

namespace pktdyn {

class packet_stats {
public:
    static constexpr std::size_t scopes = 3, quantities = 3, statistics = 6;

private:
    static constexpr std::array<std::string_view, quantities> quantity_names{"ip_bytes", "payload_bytes", "iat"};
    static constexpr std::array<std::string_view, quantities> units{"bytes", "bytes", "s"};
    // [quantity][statistic]: the column name's tail and its definition.
    static constexpr std::array<std::array<std::string_view, statistics>, quantities> names{{
        {"ip_bytes_min", "ip_bytes_max", "ip_bytes_mean", "ip_bytes_std", "ip_bytes_skew", "ip_bytes_kurt"},
        {"payload_bytes_min", "payload_bytes_max", "payload_bytes_mean", "payload_bytes_std", "payload_bytes_skew",
         "payload_bytes_kurt"},
        {"iat_min", "iat_max", "iat_mean", "iat_std", "iat_skew", "iat_kurt"},
    }};
    static constexpr std::array<std::array<std::string_view, statistics>, quantities> definitions{{
        {"smallest IP length (IP total length) of the scope's packets",
         "largest IP length of the scope's packets", "mean IP length of the scope's packets",
         "population standard deviation of the IP lengths", "population skewness of the IP lengths (NaN if constant)",
         "excess kurtosis of the IP lengths, population (NaN if constant)"},
        {"smallest transport payload length (by the IP and transport length fields) of the scope's packets",
         "largest payload length", "mean payload length", "population standard deviation of the payload lengths",
         "population skewness of the payload lengths (NaN if constant)",
         "excess kurtosis of the payload lengths, population (NaN if constant)"},
        {"smallest gap between consecutive packets of the scope (NaN with fewer than 2 packets)",
         "largest gap between consecutive packets of the scope", "mean gap between consecutive packets",
         "population standard deviation of the gaps", "population skewness of the gaps (NaN if constant)",
         "excess kurtosis of the gaps, population (NaN if constant)"},
    }};

public:
    static constexpr std::array<feature_info, scopes * quantities * statistics> features = [] {
        std::array<feature_info, scopes * quantities * statistics> f{};
        std::size_t i = 0;
        for (std::size_t s = 0; s < scopes; ++s)
            for (std::size_t q = 0; q < quantities; ++q)
                for (std::size_t k = 0; k < statistics; ++k)
                    f[i++] = {flow_scopes[s], names[q][k], k >= 4 ? "1 (dimensionless)" : units[q], definitions[q][k]};
        return f;
    }();

    void update(const flow_packet& p) noexcept {
        add(0, p);
        add(static_cast<std::size_t>(1 + p.direction), p);
    }

    /// Folds in the same flow's later part: the gap between the two parts is one more gap.
    void merge(const packet_stats& later) noexcept {
        for (std::size_t s = 0; s < scopes; ++s) {
            if (later.m_[s][0].count == 0) continue;
            if (m_[s][0].count != 0) m_[s][2].add(to_seconds(later.first_[s] - last_[s]));
            else first_[s] = later.first_[s];
            for (std::size_t q = 0; q < quantities; ++q) m_[s][q].merge(later.m_[s][q]);
            last_[s] = later.last_[s];
        }
    }

    void write(std::span<double> out) const noexcept {
        std::size_t i = 0;
        for (const auto& scope : m_)
            for (const moments& m : scope) {
                out[i++] = m.minimum();
                out[i++] = m.maximum();
                out[i++] = m.average();
                out[i++] = m.count ? m.stddev() : moments::nan();
                out[i++] = m.skewness();
                out[i++] = m.kurtosis();
            }
    }

    /// [scope][quantity]: scope 0 flow, 1 orig, 2 resp; quantity 0 IP bytes, 1 payload bytes, 2 gaps.
    [[nodiscard]] const moments& of(std::size_t scope, std::size_t quantity) const noexcept { return m_[scope][quantity]; }

private:
    void add(std::size_t s, const flow_packet& p) noexcept {
        if (m_[s][0].count != 0) m_[s][2].add(to_seconds(p.time - last_[s]));  // gaps may be negative: capture order
        else first_[s] = p.time;
        last_[s] = p.time;
        m_[s][0].add(static_cast<double>(p.ip_length));
        m_[s][1].add(static_cast<double>(p.payload_length));
    }

    std::array<std::array<moments, quantities>, scopes> m_{};
    std::array<timestamp, scopes> first_{}, last_{};
};

static_assert(flow_accumulator<packet_stats>);

}  // namespace pktdyn
