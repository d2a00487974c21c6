#include "server/savings.hpp"

#include <switchyard/metrics.hpp>

#include "server/access_record.hpp"
#include "server/savings_days.hpp"

namespace sy::server {
namespace {

struct SavingsMetrics {
    metrics::Family& baseline;
    metrics::Family& saved;
    metrics::Family& overspent;
};

// Counters only grow: a dearer pick than the baseline is counted apart, as overspent.
const SavingsMetrics& savings_metrics() {
    static auto& r = metrics::Registry::instance();
    static const SavingsMetrics m{
        r.counter("switchyard_cost_baseline_usd_total",
                  "What answered requests would have cost on their route's baseline model", {"router", "decision"}),
        r.counter("switchyard_cost_saved_usd_total",
                  "Baseline cost minus actual cost, of requests that cost less than the baseline", {"router", "decision"}),
        r.counter("switchyard_cost_overspent_usd_total",
                  "Actual cost minus baseline cost, of requests that cost more than the baseline", {"router", "decision"})};
    return m;
}

// Registered at start, so that /metrics lists the families before the first routed request.
[[maybe_unused]] const SavingsMetrics& kRegistered = savings_metrics();

}  // namespace

const routing::Model* baseline_model(const routing::Runtime& rt, const ChatRequest& req,
                                     const routing::RouteDecision& d) {
    if (!d.router.empty()) {
        auto it = rt.routers().find(d.router);
        if (it == rt.routers().end() || it->second.models.empty()) return nullptr;
        const std::string& b = it->second.instance->config().baseline;
        const routing::Model* strongest = it->second.models.front();
        if (b == "strongest") return strongest;
        if (b == "requested") {
            const routing::Model* asked = rt.find_model(req.model);
            return asked ? asked : strongest;  // router-<name> or auto: nothing real was asked for
        }
        return rt.find_model(b);
    }
    const std::string& b = rt.config().routing.savings_baseline;
    if (b == "none") return nullptr;
    return rt.find_model(b == "requested" ? req.model : b);
}

int64_t baseline_cost_nano(const routing::Model& m, const Usage& u) {
    const config::ModelConfig& c = *m.config;
    if (!c.priced) return -1;
    config::Prices p{c.input_price_per_mtok, c.output_price_per_mtok,
                     c.cached_input_price_per_mtok >= 0 ? c.cached_input_price_per_mtok : c.input_price_per_mtok};
    return cost_nano_usd(p, u.input, u.cached, u.output);
}

void account_savings(const routing::Runtime& rt, const ChatRequest& req, const routing::RouteDecision& d,
                     const Usage& used, int64_t cost_nano, AccessRecord& record) {
    const routing::Model* base = baseline_model(rt, req, d);
    if (base) {
        record.baseline_model = base->config->name;
        record.cost_baseline_nano = baseline_cost_nano(*base, used);
    }
    SavingsDays::instance().add_now(d.model->config->name, record.cost_baseline_nano, cost_nano);
    if (record.cost_baseline_nano < 0 || cost_nano < 0) return;
    const SavingsMetrics& m = savings_metrics();
    const std::vector<std::string> labels{d.router.empty() ? "none" : d.router, routing::decision_source(d.reason)};
    const int64_t diff = record.cost_baseline_nano - cost_nano;
    m.baseline.with(labels).inc(static_cast<double>(record.cost_baseline_nano) / 1e9);
    if (diff > 0) m.saved.with(labels).inc(static_cast<double>(diff) / 1e9);
    if (diff < 0) m.overspent.with(labels).inc(static_cast<double>(-diff) / 1e9);
}

}  // namespace sy::server
