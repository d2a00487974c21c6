#include "routing/deployment_health.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

namespace sy::routing {

int64_t steady_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool DeploymentHealth::available(int64_t now_ms) {
    if (ejections_.load(std::memory_order_acquire) == 0) return true;
    if (now_ms < ejected_until_.load(std::memory_order_acquire)) return false;
    bool expected = false;  // cooldown over: one request probes
    return probing_.compare_exchange_strong(expected, true);
}

int64_t DeploymentHealth::wait_ms(int64_t now_ms) const {
    if (ejections_.load(std::memory_order_acquire) == 0) return 0;
    return std::max<int64_t>(0, ejected_until_.load(std::memory_order_acquire) - now_ms);
}

void DeploymentHealth::record_success() {
    consecutive_.store(0, std::memory_order_relaxed);
    if (ejections_.exchange(0) > 0) {
        probing_.store(false);
        log::info("health", "deployment " + provider_ + "/" + model_ + " answered its probe: back in rotation");
        metrics::Gateway::get().deployment_ejected.with({provider_, model_}).set(0);
    }
}

void DeploymentHealth::record_failure(const config::RoutingConfig::Outliers& cfg, int64_t now_ms, int64_t retry_after_ms) {
    bool probe_failed = probing_.exchange(false);
    int failures = consecutive_.fetch_add(1) + 1;
    if (!probe_failed && retry_after_ms <= 0 && failures < cfg.consecutive_failures) return;
    int n = ejections_.fetch_add(1) + 1;
    int64_t cooldown = cfg.cooldown_ms;
    for (int i = 1; i < n && cooldown < cfg.max_cooldown_ms; ++i) cooldown *= 2;
    cooldown = std::min<int64_t>(cooldown, cfg.max_cooldown_ms);
    if (retry_after_ms > 0) cooldown = std::max<int64_t>(retry_after_ms, probe_failed ? cooldown : 0);
    ejected_until_.store(now_ms + cooldown, std::memory_order_release);
    consecutive_.store(0, std::memory_order_relaxed);
    metrics::Gateway::get().deployment_ejections.with({provider_, model_}).inc();
    metrics::Gateway::get().deployment_ejected.with({provider_, model_}).set(1);
    log::warn("health", "deployment " + provider_ + "/" + model_ + " ejected for " + std::to_string(cooldown) + " ms (" +
                            (retry_after_ms > 0 ? "Retry-After" : probe_failed ? "its probe failed" : std::to_string(failures) + " failures in a row") + ")");
}

DeploymentHealth& health_of(const std::string& provider, const std::string& upstream_model) {
    static std::mutex mu;
    static std::map<std::string, std::unique_ptr<DeploymentHealth>> board;
    std::lock_guard lock(mu);
    auto& slot = board[provider + '\n' + upstream_model];
    if (!slot) slot = std::make_unique<DeploymentHealth>(provider, upstream_model);
    return *slot;
}

}  // namespace sy::routing
