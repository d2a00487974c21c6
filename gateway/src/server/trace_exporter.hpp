// Sends finished traces to an OpenTelemetry collector as OTLP/HTTP JSON (POST
// <endpoint>/v1/traces), batched by a background thread. Requests only hand their spans over:
// when queue_size spans are already waiting, a trace is dropped and counted, so tracing never
// slows or fails a request. Export failures are counted too
// (switchyard_trace_spans_total{outcome}).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <switchyard/config.hpp>
#include <switchyard/tracing.hpp>

#include "upstream/connection_pool.hpp"

namespace sy::server {

// One request's spans, as handed to the exporter.
struct FinishedTrace {
    tracing::TraceId id{};
    std::vector<tracing::Span> spans;
};

// The OTLP/HTTP JSON body (ExportTraceServiceRequest) for a batch.
std::string otlp_json(const std::string& service_name, const std::vector<FinishedTrace>& batch);

class TraceExporter {
public:
    // Null with `error` when the endpoint is unusable.
    static std::unique_ptr<TraceExporter> create(const config::TracingConfig& cfg, std::string& error);
    ~TraceExporter();  // sends what is queued (within timeout_ms), then stops
    TraceExporter(const TraceExporter&) = delete;
    TraceExporter& operator=(const TraceExporter&) = delete;

    const config::TracingConfig& config() const { return cfg_; }
    // Whether to trace a request: as its sampled parent says, else by sample_ratio.
    bool sample(const std::optional<tracing::Parent>& parent) const;
    // Queues a finished trace; never blocks.
    void submit(tracing::Trace& trace);

private:
    TraceExporter(const config::TracingConfig& cfg, std::unique_ptr<upstream::ConnectionPool> pool);
    void run();
    std::string send(const std::vector<FinishedTrace>& batch);  // why it failed, or ""


    config::TracingConfig cfg_;
    std::unique_ptr<upstream::ConnectionPool> pool_;
    std::mutex mu_;
    std::condition_variable wake_;
    std::deque<FinishedTrace> queue_;
    size_t queued_spans_ = 0;
    bool stop_ = false;
    bool failing_ = false;  // the last export failed (logged once per outage)
    std::thread thread_;
};

}  // namespace sy::server
