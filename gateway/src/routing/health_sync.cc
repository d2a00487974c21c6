#include "routing/health_sync.hpp"

#include <chrono>
#include <set>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "core/clock.hpp"
#include "routing/deployment_health.hpp"

namespace sy::routing {
namespace {

}  // namespace

HealthSync::HealthSync(std::shared_ptr<state::Store> store, std::string key_prefix, int interval_ms, int64_t ttl_ms)
    : store_(std::move(store)),
      key_(std::move(key_prefix) + ":health"),
      interval_ms_(interval_ms),
      ttl_ms_(ttl_ms),
      thread_([this] {
          sync_once();
          return static_cast<int64_t>(interval_ms_);
      }) {
    enable_health_events();
}

void HealthSync::sync_once() {
    publish();
    apply();
}

void HealthSync::publish() {
    for (const HealthEvent& e : take_health_events()) {
        std::string field = e.provider + '\n' + e.model;
        state::Reply r = e.until_unix_ms > 0
                             ? store_->command(std::vector<std::string>{"HSET", key_, field, std::to_string(e.until_unix_ms)})
                             : store_->command(std::vector<std::string>{"HDEL", key_, field});
        // The hash outlives no ejection by much: every ejection pushes its expiry out.
        if (r.ok() && e.until_unix_ms > 0) r = store_->command(std::vector<std::string>{"PEXPIRE", key_, std::to_string(ttl_ms_)});
        if (!r.ok()) {
            metrics::Gateway::get().store_errors.with({std::string(store_->kind()), "health"}).inc();
            log::warn("health", "cannot share the health of " + e.provider + "/" + e.model + ": " + r.str);
        }
    }
}

void HealthSync::apply() {
    state::Reply r = store_->command(std::vector<std::string>{"HGETALL", key_});
    if (!r.ok()) {
        metrics::Gateway::get().store_errors.with({std::string(store_->kind()), "health"}).inc();
        return;
    }
    const int64_t unix_now = clock::unix_ms();
    const int64_t steady_now = steady_now_ms();
    std::set<DeploymentHealth*> listed;
    for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
        const std::string& field = r.elements[i].str;
        size_t nl = field.find('\n');
        if (nl == std::string::npos) continue;
        DeploymentHealth* h = find_health(field.substr(0, nl), field.substr(nl + 1));
        if (!h) continue;  // a deployment this instance's config does not have
        listed.insert(h);
        int64_t until = std::strtoll(r.elements[i + 1].str.c_str(), nullptr, 10);
        if (until > unix_now) h->apply_remote_ejection(steady_now + (until - unix_now));
    }
    // An ejection learnt from the hash ends when its field goes (the deployment recovered).
    for_each_health([&](DeploymentHealth& h) {
        if (h.remotely_ejected() && !listed.count(&h)) h.lift_remote_ejection();
    });
}

}  // namespace sy::routing
