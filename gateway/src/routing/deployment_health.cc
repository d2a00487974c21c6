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

void MinuteWindow::roll(int64_t minute) {
    int64_t seen = minute_.load(std::memory_order_acquire);
    if (seen == minute || !minute_.compare_exchange_strong(seen, minute)) return;
    // Only the thread that moved the window shifts the buckets; a gap of two minutes empties both.
    previous_.store(minute == seen + 1 ? current_.exchange(0) : (current_.store(0), 0));
}

int64_t MinuteWindow::count(int64_t now_ms) const {
    const int64_t minute = now_ms / 60000;
    const int64_t seen = minute_.load(std::memory_order_acquire);
    if (seen < minute - 1) return 0;
    if (seen == minute - 1) {  // not rolled yet: `current` is the previous minute
        double weight = 1.0 - static_cast<double>(now_ms % 60000) / 60000.0;
        return static_cast<int64_t>(static_cast<double>(current_.load()) * weight);
    }
    double weight = 1.0 - static_cast<double>(now_ms % 60000) / 60000.0;
    return current_.load() + static_cast<int64_t>(static_cast<double>(previous_.load()) * weight);
}

void MinuteWindow::add(int64_t n, int64_t now_ms) {
    roll(now_ms / 60000);
    current_.fetch_add(n, std::memory_order_relaxed);
}

namespace {

// One step of an EWMA with weight 0.2 for the new sample; races between writers lose a sample.
void blend(std::atomic<int64_t>& avg, int64_t sample) {
    int64_t old = avg.load(std::memory_order_relaxed);
    avg.store(old < 0 ? sample : old + (sample - old) / 5, std::memory_order_relaxed);
}

}  // namespace

void LatencyEwma::record(int64_t ttft_us, int64_t tail_us, int64_t tokens, bool streamed) {
    if (streamed) {
        blend(ttft_us_, std::max<int64_t>(0, ttft_us));
        if (tokens > 1) blend(per_token_us_, std::max<int64_t>(0, tail_us) / (tokens - 1));
        return;
    }
    // A whole answer arrives at once: its time is the first token's plus the rest's; without a
    // per-token figure from streams yet, the whole time counts as time to first token.
    int64_t per_token = per_token_us_.load(std::memory_order_relaxed);
    int64_t rest = per_token > 0 && tokens > 1 ? per_token * (tokens - 1) : 0;
    blend(ttft_us_, std::max<int64_t>(0, ttft_us + tail_us - rest));
}

int64_t LatencyEwma::expected_us(int64_t tokens) const {
    int64_t ttft = ttft_us_.load(std::memory_order_relaxed);
    if (ttft < 0) return -1;
    int64_t per_token = std::max<int64_t>(0, per_token_us_.load(std::memory_order_relaxed));
    return ttft + per_token * std::max<int64_t>(0, tokens - 1);
}

void LatencyEwma::forget() {
    ttft_us_.store(-1, std::memory_order_relaxed);
    per_token_us_.store(-1, std::memory_order_relaxed);
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
        latency.forget();  // its old figures predate the outage
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
