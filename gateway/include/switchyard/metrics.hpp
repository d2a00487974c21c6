// Process-wide Prometheus metrics: counters and gauges with bounded label sets, rendered in the
// text exposition format at /metrics. (prometheus-cpp is not packaged for Debian 12, so the
// exposition is written here.) Look a series up once and keep the pointer: increments are a
// relaxed atomic add.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sy::metrics {

class Series {
public:
    void inc(double by = 1) { add(by); }
    void set(double v) { value_.store(v, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    void add(double by) {
        double cur = value_.load(std::memory_order_relaxed);
        while (!value_.compare_exchange_weak(cur, cur + by, std::memory_order_relaxed)) {
        }
    }
    std::atomic<double> value_{0};
};

// Cumulative-bucket histogram: observe() is a few relaxed atomic adds.
class Histogram {
public:
    explicit Histogram(const std::vector<double>& bounds);
    void observe(double v);
    void render(std::string& out, const std::string& name, const std::string& labels) const;

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // one per bound, plus +Inf
    Series sum_;
    std::atomic<uint64_t> count_{0};
};

// Buckets for LLM request latencies: milliseconds to minutes.
const std::vector<double>& latency_buckets();
// process_* metrics of this process (CPU, memory, threads, descriptors, start time) from /proc,
// in the Prometheus text format; appended to /metrics at each scrape.
void render_process_metrics(std::string& out);

// Buckets for work inside the gateway (store calls, policy runs): microseconds to a second.
const std::vector<double>& overhead_buckets();

enum class Type { counter, gauge };

class Family {
public:
    Family(std::string name, std::string help, Type type, std::vector<std::string> labels)
        : name_(std::move(name)), help_(std::move(help)), type_(type), labels_(std::move(labels)) {}
    // The series for these label values (in the family's label order), created on first use.
    Series& with(const std::vector<std::string>& values);
    void render(std::string& out) const;
    void clear();

private:
    std::string name_, help_;
    Type type_;
    std::vector<std::string> labels_;
    mutable std::mutex mu_;
    std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;
};

class HistogramFamily {
public:
    HistogramFamily(std::string name, std::string help, std::vector<std::string> labels, std::vector<double> bounds)
        : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)), bounds_(std::move(bounds)) {}
    Histogram& with(const std::vector<std::string>& values);
    void render(std::string& out) const;

private:
    std::string name_, help_;
    std::vector<std::string> labels_;
    std::vector<double> bounds_;
    mutable std::mutex mu_;
    std::map<std::vector<std::string>, std::unique_ptr<Histogram>> series_;
};

class Registry {
public:
    static Registry& instance();
    HistogramFamily& histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                               std::vector<double> bounds);
    Family& counter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
    Family& gauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
    std::string render() const;

private:
    Family& family(const std::string& name, const std::string& help, Type type, std::vector<std::string> labels);
    mutable std::mutex mu_;
    std::map<std::string, std::unique_ptr<Family>> families_;
    std::map<std::string, std::unique_ptr<HistogramFamily>> histograms_;
};

// The gateway's metrics (names from the contract), registered on first use.
struct Gateway {
    Family& requests;           // switchyard_requests_total{model, provider, status_class}
    Family& routing_decisions;  // switchyard_routing_decisions_total{source}
    Family& policy_errors;      // switchyard_policy_errors_total{policy, on_error}
    Family& upstream_errors;    // switchyard_upstream_errors_total{provider, kind}
    Family& inflight;           // switchyard_inflight_requests
    Family& config_generation;  // switchyard_config_generation
    Family& reload_failures;    // switchyard_config_reload_failures_total
    Family& plugin_info;        // switchyard_plugin_info{name, kind, version}
    Family& tokens;             // switchyard_tokens_total{model, provider, direction, usage_source}
    Family& cost;               // switchyard_cost_usd_total{model, provider}
    HistogramFamily& duration;  // switchyard_request_duration_seconds{model, provider}
    HistogramFamily& ttft;      // switchyard_time_to_first_token_seconds{model, provider}
    Family& rate_limited;       // switchyard_rate_limited_total{level, limit}
    Family& budget_rejections;  // switchyard_budget_rejections_total{level}
    Family& store_errors;       // switchyard_state_store_errors_total{store, op}
    HistogramFamily& store_duration;  // switchyard_state_store_duration_seconds{store, op}
    Family& store_degraded;     // switchyard_state_store_degraded (1 while the shared store is unreachable)
    Family& pending_charges;    // switchyard_state_pending_charges: spend waiting to be replayed
    Family& dropped_charges;    // switchyard_state_dropped_charges_total: spend lost (pending queue full)
    Family& unpriced;           // switchyard_unpriced_requests_total{model}: answered by a model without prices
    HistogramFamily& overhead;  // switchyard_gateway_overhead_seconds: time in the gateway outside the upstream call
    HistogramFamily& policy_duration;  // switchyard_policy_evaluation_seconds
    HistogramFamily& router_duration;  // switchyard_router_decision_seconds{router}
    Family& fallbacks;          // switchyard_fallbacks_total{reason}
    Family& retries;            // switchyard_retries_total{provider} (retries arrive with deployments)
    Family& cache_hits;         // switchyard_cache_hits_total{cache}
    Family& team_spend;         // switchyard_team_spend_usd_total{team}: teams[] names, "other", "none"
    Family& feedback;           // switchyard_feedback_total{router, model, outcome}
    Family& cascade_attempts;   // switchyard_cascade_attempts_total{router, model, outcome}
    Family& deployment_ejections;  // switchyard_deployment_ejections_total{provider, model}
    Family& deployment_ejected;    // switchyard_deployment_ejected{provider, model}: 1 while cooling down
    Family& cascade_extra_cost; // switchyard_cascade_extra_cost_usd_total{router}
    Family& feedback_score;     // switchyard_feedback_score_total{router, model}
    Family& queue_waiting;      // switchyard_queue_waiting: requests waiting for a deployment
    Family& queued;             // switchyard_queued_total{outcome}: released, timed_out, full, client_gone
    HistogramFamily& queue_wait;  // switchyard_queue_wait_seconds: time a queued request waited
    Family& budget_used;        // switchyard_budget_used_ratio{level, name}: spent + reserved over the budget
    Family& trace_spans;        // switchyard_trace_spans_total{outcome}: exported, dropped_queue_full, dropped_export_failed
    Family& cache_misses;       // switchyard_cache_misses_total{cache}
    Family& provider_check_up;  // switchyard_provider_health_check_up{provider}: 1 passing, 0 failing
    Family& pii_actions;        // switchyard_pii_actions_total{kind, action}
    static Gateway& get();
};

}  // namespace sy::metrics
