// The running gateway: owns the current Runtime (swapped atomically on reload), the in-flight
// request count used for draining, and the process-wide state the HTTP handlers share.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <switchyard/access_log.hpp>
#include <switchyard/metrics.hpp>

#include "cache/response_cache.hpp"
#include "routing/health_checker.hpp"
#include "routing/health_sync.hpp"
#include "routing/runtime.hpp"
#include "server/budget_gauges.hpp"
#include "server/request_traces.hpp"
#include "server/trace_exporter.hpp"
#include "plugin/host_api.hpp"
#include "quality/board.hpp"
#include "server/feedback_ledger.hpp"
#include "state/key_store.hpp"
#include "state/limiter.hpp"

namespace sy::server {

class ShadowRunner;

class Gateway {
public:
    explicit Gateway(std::string config_path);
    ~Gateway();

    // Loads the config file, its plugins and instances; on failure error names the key.
    bool load(std::string& error);
    // Reloads; a failure keeps the running runtime and returns the reason.
    bool reload(std::string& error);
    // The reason the last reload was refused (empty after a successful one).
    std::string last_reload_error() const;
    // Files whose change triggers a reload: the config, the policies and their test cases.
    std::vector<std::string> watched_files() const;

    std::shared_ptr<const routing::Runtime> runtime() const { return std::atomic_load(&runtime_); }
    const std::string& config_path() const { return config_path_; }

    // Budgets, limits and admin-API keys; created once from the first config's `state` section
    // (changing it needs a restart) and kept across reloads.
    state::Limiter* limiter() { return limiter_.get(); }
    state::KeyStore* keys() { return keys_.get(); }
    // The shared store answers a PING (ok); or not, and a degraded mode applies (degraded) or
    // state.on_failure is closed (down: not ready).
    enum class StateHealth { ok, degraded, down };
    StateHealth probe_state() const;
    std::string_view state_backend() const { return store_ ? store_->kind() : "none"; }
    state::Store* store() { return store_.get(); }
    // Where routed requests await feedback (set up with the store).
    FeedbackLedger* feedback_ledger() { return feedback_ledger_.get(); }

    AccessLog& access_log() { return access_log_; }
    RequestTraces& traces() { return *traces_; }
    // OpenTelemetry export (telemetry.tracing); null when tracing is off. Set at start.
    TraceExporter* tracer() { return tracer_.get(); }
    // The exact response cache (cache.backend); null when off. Set at start.
    cache::ResponseCache* cache() { return cache_.get(); }

    // Feedback and shadow verdicts of this instance (GET /admin/quality); shadow mode's
    // background runner (created by load()).
    quality::Board& quality() { return quality_; }
    ShadowRunner& shadow() { return *shadow_; }

    // server.admin_listen was set when the gateway started: /admin and the status page are
    // served on that listener only (a reload does not move them).
    bool admin_listener() const { return !admin_address_.empty(); }

    bool draining() const { return draining_.load(std::memory_order_relaxed); }
    void set_draining() { draining_.store(true); }
    int inflight() const { return inflight_.load(std::memory_order_relaxed); }

    // RAII in-flight marker for one request.
    class InflightGuard {
    public:
        explicit InflightGuard(Gateway& g) : g_(g) {
            g_.inflight_metric_.set(g_.inflight_.fetch_add(1, std::memory_order_relaxed) + 1);
        }
        ~InflightGuard() { g_.inflight_metric_.set(g_.inflight_.fetch_sub(1, std::memory_order_relaxed) - 1); }
        InflightGuard(const InflightGuard&) = delete;
        InflightGuard& operator=(const InflightGuard&) = delete;

    private:
        Gateway& g_;
    };

private:
    std::shared_ptr<const routing::Runtime> build(std::string& error);
    void start_state(const config::Config& cfg);
    void start_health(const config::Config& cfg);

    std::string config_path_;
    std::shared_ptr<const routing::Runtime> runtime_;
    std::atomic<bool> draining_{false};
    std::string admin_address_;  // server.admin_listen at start
    bool core_dumps_ = false;  // server.core_dumps as last applied
    std::atomic<int> inflight_{0};
    metrics::Series& inflight_metric_ = metrics::Gateway::get().inflight.with({});
    std::atomic<uint64_t> generation_{0};
    mutable std::mutex reload_mu_;
    std::string last_reload_error_;
    AccessLog access_log_;
    std::unique_ptr<RequestTraces> traces_ = std::make_unique<RequestTraces>(0);
    config::StateConfig state_config_;
    std::shared_ptr<state::Store> store_;
    std::unique_ptr<state::Limiter> limiter_;
    std::unique_ptr<state::KeyStore> keys_;
    std::unique_ptr<FeedbackLedger> feedback_ledger_;  // after store_: its writer stops first
    std::unique_ptr<plugin::StateBackend> plugin_state_;  // the store as routers that learn see it
    std::unique_ptr<TraceExporter> tracer_;
    std::unique_ptr<cache::ResponseCache> cache_;
    // Declared last: their threads stop before the store and runtime they use go.
    std::unique_ptr<routing::HealthSync> health_sync_;        // with a redis store and outlier_detection.shared
    std::unique_ptr<routing::HealthChecker> health_checker_;  // providers[].health_check
    std::unique_ptr<BudgetGauges> budget_gauges_;             // switchyard_budget_used_ratio
    quality::Board quality_;
    std::unique_ptr<ShadowRunner> shadow_;  // stops first: it uses the store, the log and the board
};

// Builds a runtime from a config file: load and validate YAML, load plugins (default search
// path when none is configured), create instances. Shared by serve, config check and reload.
std::shared_ptr<routing::Runtime> build_runtime_from_file(const std::string& path, std::string& error);

// Runs every policy's recorded test cases against rt; false (with the failures) when any fails.
bool policy_cases_pass(const routing::Runtime& rt, std::string& error);

// <directory of the running binary>/../lib/switchyard/plugins
std::string default_plugin_dir();

}  // namespace sy::server
