// pktdyn — `detect(config, alerts)`: the pipeline stage DESIGN.md draws between score and to —
// baselines and detectors turning ended flows into alerts for an alert sink.
//
//   auto run = pktdyn::from(capture) | pktdyn::track_flows({})
//            | pktdyn::extract<pktdyn::login_outcomes, pktdyn::dns_activity, pktdyn::tls_meta>()
//            | pktdyn::detect(pktdyn::detector_config{}, pktdyn::alert_jsonl_sink{"alerts.jsonl"})
//            | pktdyn::to(pktdyn::csv_sink{"flows.csv"});
//
// It is a sink of the rows (export/detection_sink.hpp) placed with the others: rows reach every sink
// on one thread in the flow table's end order, so host-level state sees all of a host's flows and
// the alerts are the same at any thread count. To read the detectors after the run (counts, the
// state to save), keep the sink and pass `to(by_reference(sink))` instead.
#pragma once

#include <utility>

#include "pktdyn/export/detection_sink.hpp"
#include "pktdyn/pipeline/pipeline.hpp"

namespace pktdyn {

template <alert_sink Alerts>
[[nodiscard]] auto detect(const detector_config& config, Alerts alerts) {
    return to(detection_sink<Alerts>(config, std::move(alerts)));
}

}  // namespace pktdyn
