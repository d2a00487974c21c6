#include "routing/deployment_health.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "core/clock.hpp"

namespace sy::routing {

int64_t steady_now_ms() { return clock::steady_ms(); }

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

namespace {

// Events for health_sync; off (and never filled) without a shared store.
struct EventQueue {
    std::mutex mu;
    bool enabled = false;
    std::vector<HealthEvent> events;
    void push(const std::string& provider, const std::string& model, int64_t until_unix_ms) {
        std::lock_guard lock(mu);
        if (enabled && events.size() < 10000) events.push_back({provider, model, until_unix_ms});
    }
};

EventQueue& event_queue() {
    static EventQueue q;
    return q;
}

// While its provider's active check fails, a deployment reads as cooling down for this long
// (a figure for Retry-After and queue waits; the next passing check ends it).
constexpr int64_t kCheckedDownWaitMs = 1000;

}  // namespace

bool DeploymentHealth::available(int64_t now_ms) {
    if (checked_down_.load(std::memory_order_acquire)) return false;
    if (ejections_.load(std::memory_order_acquire) == 0) return true;
    if (now_ms < ejected_until_.load(std::memory_order_acquire)) return false;
    bool expected = false;  // cooldown over: one request probes
    return probing_.compare_exchange_strong(expected, true);
}

int64_t DeploymentHealth::wait_ms(int64_t now_ms) const {
    if (checked_down_.load(std::memory_order_acquire)) return kCheckedDownWaitMs;
    if (ejections_.load(std::memory_order_acquire) == 0) return 0;
    return std::max<int64_t>(0, ejected_until_.load(std::memory_order_acquire) - now_ms);
}

void DeploymentHealth::back_in_rotation(const char* why) {
    probing_.store(false);
    remote_.store(false);
    latency.forget();  // its old figures predate the outage
    log::info("health", "deployment " + provider_ + "/" + model_ + " " + why + ": back in rotation");
    metrics::Gateway::get().deployment_ejected.with({provider_, model_}).set(0);
}

void DeploymentHealth::record_success() {
    consecutive_.store(0, std::memory_order_relaxed);
    if (ejections_.exchange(0) > 0) {
        back_in_rotation("answered its probe");
        event_queue().push(provider_, model_, 0);
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
    remote_.store(false);
    consecutive_.store(0, std::memory_order_relaxed);
    metrics::Gateway::get().deployment_ejections.with({provider_, model_}).inc();
    metrics::Gateway::get().deployment_ejected.with({provider_, model_}).set(1);
    event_queue().push(provider_, model_, clock::unix_ms() + cooldown);
    log::warn("health", "deployment " + provider_ + "/" + model_ + " ejected for " + std::to_string(cooldown) + " ms (" +
                            (retry_after_ms > 0 ? "Retry-After" : probe_failed ? "its probe failed" : std::to_string(failures) + " failures in a row") + ")");
}

void DeploymentHealth::apply_remote_ejection(int64_t until_ms) {
    // Already out at least as long (its own ejection, echoed back, lands here too).
    if (ejections_.load(std::memory_order_acquire) > 0 && ejected_until_.load() + 100 >= until_ms) return;
    if (ejections_.load(std::memory_order_acquire) == 0) {
        remote_.store(true);
        metrics::Gateway::get().deployment_ejected.with({provider_, model_}).set(1);
        log::warn("health", "deployment " + provider_ + "/" + model_ + " ejected by another instance for " +
                                std::to_string(until_ms - steady_now_ms()) + " ms");
    }
    ejected_until_.store(until_ms, std::memory_order_release);
    ejections_.store(std::max(1, ejections_.load()), std::memory_order_release);
    probing_.store(false);
}

void DeploymentHealth::lift_remote_ejection() {
    if (!remote_.load(std::memory_order_acquire)) return;
    ejections_.store(0, std::memory_order_release);
    back_in_rotation("recovered on another instance");
}

void DeploymentHealth::set_checked_down(bool down) {
    if (checked_down_.exchange(down) == down) return;
    metrics::Gateway::get().deployment_ejected.with({provider_, model_}).set(down ? 1 : 0);
    if (down) log::warn("health", "deployment " + provider_ + "/" + model_ + " out of rotation: its provider's health check fails");
    else log::info("health", "deployment " + provider_ + "/" + model_ + " back in rotation: its provider's health check passes");
}

namespace {

struct Board {
    std::mutex mu;
    std::map<std::string, std::unique_ptr<DeploymentHealth>> entries;
};

Board& board() {
    static Board b;
    return b;
}

}  // namespace

DeploymentHealth& health_of(const std::string& provider, const std::string& upstream_model) {
    Board& b = board();
    std::lock_guard lock(b.mu);
    auto& slot = b.entries[provider + '\n' + upstream_model];
    if (!slot) slot = std::make_unique<DeploymentHealth>(provider, upstream_model);
    return *slot;
}

DeploymentHealth* find_health(const std::string& provider, const std::string& upstream_model) {
    Board& b = board();
    std::lock_guard lock(b.mu);
    auto it = b.entries.find(provider + '\n' + upstream_model);
    return it == b.entries.end() ? nullptr : it->second.get();
}

void for_each_health(const std::function<void(DeploymentHealth&)>& fn) {
    std::vector<DeploymentHealth*> all;
    {
        std::lock_guard lock(board().mu);
        for (auto& [key, h] : board().entries) all.push_back(h.get());
    }
    for (DeploymentHealth* h : all) fn(*h);
}

void enable_health_events() {
    std::lock_guard lock(event_queue().mu);
    event_queue().enabled = true;
}

std::vector<HealthEvent> take_health_events() {
    std::lock_guard lock(event_queue().mu);
    return std::exchange(event_queue().events, {});
}

}  // namespace sy::routing
