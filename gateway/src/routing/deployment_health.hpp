// Passive outlier detection per deployment: consecutive failures (or a 429 with Retry-After)
// eject a deployment for a cooldown that doubles on each repeat; when it ends, one request
// probes it (half-open) and its success brings the deployment back. The state lives in a
// process-wide board keyed by provider instance and upstream model, so it survives reloads.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <switchyard/config.hpp>

namespace sy::routing {

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
    // A failure that counts against the deployment; retry_after_ms > 0 ejects at once for that long.
    void record_failure(const config::RoutingConfig::Outliers& cfg, int64_t now_ms, int64_t retry_after_ms = 0);

private:
    std::string provider_, model_;
    std::atomic<int> consecutive_{0};
    std::atomic<int> ejections_{0};          // in a row; 0 = healthy
    std::atomic<int64_t> ejected_until_{0};  // steady-clock ms
    std::atomic<bool> probing_{false};
};

// The board entry for a deployment (created on first use, never freed).
DeploymentHealth& health_of(const std::string& provider, const std::string& upstream_model);

int64_t steady_now_ms();

}  // namespace sy::routing
