#include "server/deployment_queue.hpp"

#include <mutex>
#include <string>
#include <unordered_map>

#include <switchyard/metrics.hpp>

#include "routing/deployment_health.hpp"
#include "server/provider_call.hpp"

namespace sy::server {
namespace {

// Places in the queue, in total and per client key.
class Places {
public:
    bool take(const config::RoutingConfig::Queue& cfg, std::string_view key) {
        std::lock_guard lock(mu_);
        if (total_ >= cfg.max_length) return false;
        int& mine = per_key_[std::string(key)];
        if (mine >= cfg.max_per_key) return false;
        ++mine;
        ++total_;
        return true;
    }
    void give_back(std::string_view key) {
        std::lock_guard lock(mu_);
        auto it = per_key_.find(std::string(key));
        if (it != per_key_.end() && --it->second == 0) per_key_.erase(it);
        --total_;
    }

private:
    std::mutex mu_;
    int total_ = 0;
    std::unordered_map<std::string, int> per_key_;
};

Places& places() {
    static Places p;
    return p;
}

// The soonest any deployment of the model ends its cooldown, in ms (0 when none cools down).
int64_t soonest_cooldown_end(const routing::Model& model, int64_t now) {
    int64_t soonest = 0;
    for (const auto& d : model.deployments)
        if (int64_t w = d.health->wait_ms(now); w > 0 && (soonest == 0 || w < soonest)) soonest = w;
    return soonest;
}

ApiError unavailable(const routing::Model& model, const std::string& code, const std::string& why, int64_t now) {
    int64_t wait = soonest_cooldown_end(model, now);
    return ApiError{503, "upstream_error", code,
                    "Every deployment of model '" + model.config->name + "' is cooling down or at capacity; " + why,
                    {}, std::to_string(std::max<int64_t>(1, (wait + 999) / 1000))};
}

}  // namespace

QueueWait wait_for_deployment(const config::RoutingConfig::Queue& cfg, routing::RouteDecision& decision,
                              std::string_view key_id, int client_fd, int64_t deadline_ms) {
    metrics::Gateway& g = metrics::Gateway::get();
    static metrics::Series& released = g.queued.with({"released"});
    static metrics::Series& timed_out = g.queued.with({"timed_out"});
    static metrics::Series& full = g.queued.with({"full"});
    static metrics::Series& gone = g.queued.with({"client_gone"});
    static metrics::Series& waiting = g.queue_waiting.with({});
    static metrics::Histogram& waited = g.queue_wait.with({});
    const routing::Model& model = *decision.model;
    const int64_t start = routing::steady_now_ms();
    QueueWait out;
    if (!places().take(cfg, key_id)) {
        full.inc();
        out.error = unavailable(model, "queue_full", "the queue for a deployment is full", start);
        return out;
    }
    waiting.inc();
    int64_t limit = start + cfg.max_wait_ms;
    if (deadline_ms > 0) limit = std::min(limit, deadline_ms);
    const std::vector<const routing::Deployment*> none;  // with a `tried` list, a pick finds only open ones
    for (;;) {
        if (const routing::Deployment* d = routing::Runtime::pick_deployment(model, routing::pick_of(decision, &none))) {
            decision.deployment = d;
            released.inc();
            break;
        }
        const int64_t now = routing::steady_now_ms();
        if (now >= limit) {
            timed_out.inc();
            out.error = unavailable(model, "no_deployment_available",
                                    "waited " + std::to_string(now - start) + " ms for one", now);
            break;
        }
        // Wake at the soonest cooldown end, and at least every 50 ms for capacity and probes.
        int64_t nap = soonest_cooldown_end(model, now);
        nap = std::clamp<int64_t>(nap > 0 ? nap : 50, 1, std::min<int64_t>(50, limit - now));
        if (!sleep_unless_gone(static_cast<uint64_t>(nap) * 1000, client_fd)) {
            gone.inc();
            out.client_gone = true;
            break;
        }
    }
    waited.observe(static_cast<double>(routing::steady_now_ms() - start) / 1e3);
    waiting.inc(-1);
    places().give_back(key_id);
    return out;
}

}  // namespace sy::server
