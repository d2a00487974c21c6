// Passive outlier detection per deployment: consecutive failures (or a 429 with Retry-After)
// eject a deployment for a cooldown that doubles on each repeat; when it ends, one request
// probes it (half-open) and its success brings the deployment back. The state lives in a
// process-wide board keyed by provider instance and upstream model, so it survives reloads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <switchyard/config.hpp>

namespace sy::routing {

// Requests or tokens of the last minute, as a sliding window over two one-minute buckets (the
// previous minute weighs by the share of it still inside the window).
class MinuteWindow {
public:
    int64_t count(int64_t now_ms) const;
    void add(int64_t n, int64_t now_ms);

private:
    void roll(int64_t minute);
    std::atomic<int64_t> minute_{0};
    std::atomic<int64_t> current_{0};
    std::atomic<int64_t> previous_{0};
};

// Latency of recent answers, for lowest_latency balancing: exponentially weighted moving
// averages of the time to first token and of the time per output token, in microseconds.
class LatencyEwma {
public:
    // A successful answer: `ttft_us` until its first byte, then `tail_us` for `tokens` output tokens.
    void record(int64_t ttft_us, int64_t tail_us, int64_t tokens, bool streamed);
    // Expected microseconds for an answer of `tokens` output tokens; -1 when nothing was measured.
    int64_t expected_us(int64_t tokens) const;
    void forget();  // after an ejection: the deployment is measured afresh

private:
    std::atomic<int64_t> ttft_us_{-1};
    std::atomic<int64_t> per_token_us_{-1};
};

class DeploymentHealth {
public:
    DeploymentHealth(std::string provider, std::string model) : provider_(std::move(provider)), model_(std::move(model)) {}

    // May a request go here now? After a cooldown this admits exactly one probe.
    bool available(int64_t now_ms);
    // Milliseconds until it may be tried again (0 when available).
    int64_t wait_ms(int64_t now_ms) const;
    void record_success();
    // Requests in flight on this deployment (least_inflight balancing).
    std::atomic<int> inflight{0};
    // Round-robin position of the models that balance over this deployment's group.
    std::atomic<uint64_t> turn{0};
    // This instance's traffic in the last minute (deployments[].rpm and .tpm).
    MinuteWindow requests_per_minute, tokens_per_minute;
    LatencyEwma latency;
    // A failure that counts against the deployment; retry_after_ms > 0 ejects at once for that long.
    void record_failure(const config::RoutingConfig::Outliers& cfg, int64_t now_ms, int64_t retry_after_ms = 0);

    // Shared health (health_sync): another instance ejected this deployment until `until_ms`
    // (steady clock here). Lifted when that instance sees it recover, or when the time passes
    // and a probe here succeeds.
    void apply_remote_ejection(int64_t until_ms);
    bool remotely_ejected() const { return remote_.load(std::memory_order_acquire); }
    void lift_remote_ejection();
    // Active health checks: a provider whose checks fail is out until one passes.
    void set_checked_down(bool down);

    const std::string& provider() const { return provider_; }
    const std::string& model() const { return model_; }

private:
    void back_in_rotation(const char* why);
    std::string provider_, model_;
    std::atomic<bool> remote_{false};        // the ejection came from another instance
    std::atomic<bool> checked_down_{false};  // its provider's active health check fails
    std::atomic<int> consecutive_{0};
    std::atomic<int> ejections_{0};          // in a row; 0 = healthy
    std::atomic<int64_t> ejected_until_{0};  // steady-clock ms
    std::atomic<bool> probing_{false};
};

// The board entry for a deployment (created on first use, never freed).
DeploymentHealth& health_of(const std::string& provider, const std::string& upstream_model);
// The entry if one exists (shared health names deployments this config may not have).
DeploymentHealth* find_health(const std::string& provider, const std::string& upstream_model);
void for_each_health(const std::function<void(DeploymentHealth&)>& fn);

// Ejections and recoveries of this instance, for health_sync to publish. Kept only once
// enabled; `until_unix_ms` is 0 for a recovery.
struct HealthEvent {
    std::string provider, model;
    int64_t until_unix_ms = 0;
};
void enable_health_events();
std::vector<HealthEvent> take_health_events();

int64_t steady_now_ms();

}  // namespace sy::routing
