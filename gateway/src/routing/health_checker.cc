#include "routing/health_checker.hpp"

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "upstream/http_exchange.hpp"

namespace sy::routing {
namespace {

// Takes the provider's deployments out of rotation (or brings them back), in every model.
void mark_provider(const Runtime& rt, const std::string& provider, bool down) {
    for (const auto& model : rt.models())
        for (const Deployment& d : model->deployments)
            if (d.config->provider == provider) d.health->set_checked_down(down);
}

}  // namespace

HealthChecker::HealthChecker(RuntimeSource source)
    : source_(std::move(source)), thread_([this] {
          std::shared_ptr<const Runtime> rt = source_();
          return rt ? std::max<int64_t>(check_due(*rt, steady_now_ms()), 10) : 1000;
      }) {}

bool HealthChecker::check(const Runtime& rt, const config::ProviderConfig& pc, std::string& why) const {
    upstream::ConnectionPool* pool = rt.pool_of(pc.name);
    if (!pool) {
        why = "no connection pool";
        return false;
    }
    const config::HealthCheckConfig& hc = pc.health_check;
    config::TimeoutConfig t{hc.timeout_ms, hc.timeout_ms, hc.timeout_ms, hc.timeout_ms};
    sy_http_builder req;
    req.method = "GET";
    req.path = hc.path;
    req.headers = hc.headers;
    upstream::HttpExchange ex(*pool, t, -1);
    upstream::ExchangeError io;
    std::string body;
    if (!ex.start(req, io) || !ex.read_all(body, 1 << 20, io)) {
        why = io.message;
        return false;
    }
    if (ex.head().status < 200 || ex.head().status > 299) {
        why = "HTTP " + std::to_string(ex.head().status);
        return false;
    }
    return true;
}

int64_t HealthChecker::check_due(const Runtime& rt, int64_t now_ms) {
    int64_t next = 1000;
    for (const config::ProviderConfig& pc : rt.config().providers) {
        const config::HealthCheckConfig& hc = pc.health_check;
        if (hc.path.empty()) continue;
        State& st = states_[pc.name];
        if (now_ms >= st.due_ms) {
            std::string why;
            bool passed = check(rt, pc, why);
            st.failures = passed ? 0 : st.failures + 1;
            bool down = st.failures >= hc.failures;
            if (down != st.down)
                log::warn("health", "provider " + pc.name + " health check " +
                                        (down ? "fails (" + why + "): its deployments are out of rotation" : "passes again"));
            st.down = down;
            metrics::Gateway::get().provider_check_up.with({pc.name}).set(down ? 0 : 1);
            mark_provider(rt, pc.name, down);  // every round: a reload may have added deployments
            st.due_ms = steady_now_ms() + hc.interval_ms;
        }
        next = std::min(next, st.due_ms - now_ms);
    }
    return next;
}

}  // namespace sy::routing
