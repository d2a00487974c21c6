#include "server/gateway.hpp"

#include "server/feedback.hpp"
#include "server/shadow.hpp"

#include <unistd.h>

#include <filesystem>

#include <switchyard/log.hpp>

#include "config/loader.hpp"
#include "core/core_dumps.hpp"
#include "routing/policy_cases.hpp"
#include "state/memory_store.hpp"
#include "state/redis_cluster_store.hpp"
#include "state/redis_store.hpp"

namespace sy::server {

std::string default_plugin_dir() {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return "lib/switchyard/plugins";
    return (exe.parent_path().parent_path() / "lib" / "switchyard" / "plugins").string();
}

std::shared_ptr<routing::Runtime> build_runtime_from_file(const std::string& path, std::string& error) {
    config::LoadResult loaded = config::load_config_file(path);
    if (!loaded.config) {
        error = loaded.error;
        return nullptr;
    }
    config::Config& cfg = *loaded.config;
    std::vector<std::string> search = cfg.plugins.search_paths;
    if (search.empty()) search.push_back(default_plugin_dir());
    auto registry = std::make_shared<plugin::PluginRegistry>();
    registry->load(search, cfg.plugins.load, cfg.plugins.allowed_sha256);
    std::shared_ptr<routing::Runtime> rt = routing::Runtime::build(cfg, registry, error);
    return rt;
}

namespace {

constexpr size_t kFeedbackQueue = 65536;  // feedback records waiting to be written to redis

// server.core_dumps, logged; a warning when the process did not end up as asked.
void apply_core_dumps(bool allow) {
    std::string line = apply_core_dump_setting(allow);
    if (process_dumpable() == allow) log::info("secrets", line);
    else log::warn("secrets", line);
}

std::string admin_address(const config::ServerConfig& s) {
    return s.admin_host.empty() ? "" : s.admin_host + ":" + std::to_string(s.admin_port);
}

}  // namespace

bool policy_cases_pass(const routing::Runtime& rt, std::string& error) {
    for (const auto& p : rt.config().policies) {
        if (p.cases_file.empty()) continue;
        routing::CaseReport report = routing::run_policy_cases(rt, p.cases_file);
        if (!report.ok()) {
            error = "policy '" + p.name + "': recorded cases in " + p.cases_file + " fail:\n" + report.text;
            return false;
        }
    }
    return true;
}

std::shared_ptr<const routing::Runtime> Gateway::build(std::string& error) {
    auto rt = build_runtime_from_file(config_path_, error);
    if (rt && !policy_cases_pass(*rt, error)) return nullptr;
    if (rt) {
        rt->set_generation(generation_.fetch_add(1) + 1);
        metrics::Gateway::get().config_generation.with({}).set(static_cast<double>(rt->generation()));
    }
    return rt;
}

std::string Gateway::last_reload_error() const {
    std::lock_guard lock(reload_mu_);
    return last_reload_error_;
}

std::vector<std::string> Gateway::watched_files() const {
    std::vector<std::string> files{config_path_};
    if (auto rt = runtime()) {
        for (const auto& p : rt->config().policies) {
            files.push_back(p.file);
            if (!p.cases_file.empty()) files.push_back(p.cases_file);
        }
    }
    return files;
}

Gateway::Gateway(std::string config_path) : config_path_(std::move(config_path)) {}

Gateway::~Gateway() {
    shadow_.reset();
    budget_gauges_.reset();
    health_checker_.reset();
    health_sync_.reset();
    if (plugin_state_) plugin::set_state_backend(nullptr, {});
}

void Gateway::start_state(const config::Config& cfg) {
    state_config_ = cfg.state;
    const config::StateConfig& s = cfg.state;
    if (s.backend == "redis") {
        state::RedisOptions o;
        o.host = s.redis.host;
        o.port = s.redis.port;
        o.username = s.redis.username;
        o.password = s.redis.password;
        o.db = s.redis.db;
        o.pool_size = s.redis.pool_size;
        o.connect_timeout_ms = s.redis.connect_timeout_ms;
        o.command_timeout_ms = s.redis.command_timeout_ms;
        o.sentinels = s.redis.sentinels;
        o.sentinel_master = s.redis.sentinel_master;
        o.sentinel_password = s.redis.sentinel_password;
        std::string address = o.host + ":" + std::to_string(o.port);
        if (s.redis.cluster) {
            std::vector<std::string> seeds{address};
            seeds.insert(seeds.end(), s.redis.seeds.begin(), s.redis.seeds.end());
            store_ = std::make_shared<state::RedisClusterStore>(seeds, o);
            log::info("state", "state store: redis cluster, seeds " + address + (s.redis.seeds.empty() ? "" : " and more"));
        } else {
            store_ = std::make_shared<state::RedisStore>(o);
            log::info("state", o.sentinels.empty() ? "state store: redis at " + address
                                                   : "state store: redis primary '" + o.sentinel_master +
                                                         "' found through " + std::to_string(o.sentinels.size()) +
                                                         " sentinels");
        }
    } else {
        store_ = std::make_shared<state::MemoryStore>();
    }
    state::LimiterOptions lo;
    lo.key_prefix = s.key_prefix;
    lo.on_failure = s.on_failure;
    lo.local_share = s.local_share;
    lo.reservation_ttl_ms = s.reservation_ttl_ms;
    lo.budget_view_ttl_ms = s.budget_view_ttl_ms;
    limiter_ = std::make_unique<state::Limiter>(store_, lo);
    keys_ = std::make_unique<state::KeyStore>(store_, s.key_prefix);
    if (store_->kind() == "memory")
        feedback_ledger_ = memory_ledger(static_cast<size_t>(cfg.routing.feedback_max_records));
    else
        feedback_ledger_ = store_ledger(store_, s.key_prefix, kFeedbackQueue);
}

// Health shared through redis (a memory store has no one to share with), and active checks.
// Like the store, the sharing settings are read once.
void Gateway::start_health(const config::Config& cfg) {
    const auto& o = cfg.routing.outliers;
    if (o.shared && store_ && store_->kind() != "memory") {
        health_sync_ = std::make_unique<routing::HealthSync>(store_, cfg.state.key_prefix, o.sync_interval_ms,
                                                             2 * static_cast<int64_t>(o.max_cooldown_ms));
        log::info("health", "deployment health shared through the state store every " +
                                std::to_string(o.sync_interval_ms) + " ms");
    }
    health_checker_ = std::make_unique<routing::HealthChecker>([this] { return runtime(); });
    budget_gauges_ = std::make_unique<BudgetGauges>(*limiter_, [this] { return runtime(); },
                                                    cfg.telemetry.budget_refresh_ms);
}

Gateway::StateHealth Gateway::probe_state() const {
    if (!store_ || store_->kind() == "memory") return StateHealth::ok;
    if (store_->command(std::vector<std::string>{"PING"}).ok()) return StateHealth::ok;
    return state_config_.on_failure == config::OnStoreFailure::closed ? StateHealth::down : StateHealth::degraded;
}

bool Gateway::load(std::string& error) {
    auto rt = build(error);
    if (!rt) return false;
    core_dumps_ = rt->config().server.core_dumps;
    apply_core_dumps(core_dumps_);
    admin_address_ = admin_address(rt->config().server);
    if (!access_log_.configure(rt->config().telemetry.access_log, error)) {
        error = "telemetry.access_log.path: " + error;
        return false;
    }
    if (!shadow_) shadow_ = std::make_unique<ShadowRunner>(*this);
    if (const config::TracingConfig& tc = rt->config().telemetry.tracing; !tc.endpoint.empty()) {
        tracer_ = TraceExporter::create(tc, error);
        if (!tracer_) {
            error = "telemetry.tracing." + error;
            return false;
        }
        log::info("tracing", "sending traces of " + std::to_string(tc.sample_ratio * 100) + "% of requests to " +
                                 tc.endpoint + "/v1/traces");
    }
    start_state(rt->config());
    plugin_state_ = plugin_state_over(store_);
    if ((cache_ = cache::make_response_cache(rt->config(), store_))) {
        const config::CacheConfig& cc = rt->config().cache;
        log::info("cache", std::string(cc.semantic.enabled ? "exact and semantic" : "exact") + " response cache in " +
                               cc.backend + ", answers kept " + std::to_string(cc.ttl_s) + " s");
    }
    plugin::set_state_backend(plugin_state_.get(), rt->config().state.key_prefix);
    traces_ = std::make_unique<RequestTraces>(static_cast<size_t>(rt->config().telemetry.request_traces));
    std::atomic_store(&runtime_, rt);
    start_health(rt->config());
    return true;
}

bool Gateway::reload(std::string& error) {
    std::lock_guard lock(reload_mu_);
    auto rt = build(error);
    if (!rt) {
        last_reload_error_ = error;
        metrics::Gateway::get().reload_failures.with({}).inc();
        log::error("reload", "keeping the running config: " + error);
        return false;
    }
    std::string log_error;
    if (!access_log_.configure(rt->config().telemetry.access_log, log_error))
        log::error("reload", "telemetry.access_log.path: " + log_error + "; the access log keeps its file");
    access_log_.reopen();  // SIGHUP after logrotate moved the file: write to a new one
    last_reload_error_.clear();
    if (rt->config().server.core_dumps != core_dumps_) {
        core_dumps_ = rt->config().server.core_dumps;
        apply_core_dumps(core_dumps_);
    }
    if (admin_address(rt->config().server) != admin_address_)
        log::warn("reload", "changes to server.admin_listen take effect after a restart");
    if (rt->config().state != state_config_)
        log::warn("reload", "changes to the state section take effect after a restart; the running store is kept");
    if (const config::TracingConfig& tc = rt->config().telemetry.tracing;
        tracer_ ? !(tc == tracer_->config()) : !tc.endpoint.empty())
        log::warn("reload", "changes to telemetry.tracing take effect after a restart; tracing keeps its settings");
    std::atomic_store(&runtime_, rt);
    log::info("reload", "config generation " + std::to_string(rt->generation()) + " loaded from " + config_path_);
    return true;
}

}  // namespace sy::server
