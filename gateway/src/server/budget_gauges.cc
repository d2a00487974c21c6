#include "server/budget_gauges.hpp"

#include <switchyard/metrics.hpp>

#include "server/admission.hpp"

namespace sy::server {
namespace {

// Spent plus reserved over the limit of the principal's first budgeted level.
void publish(state::Limiter& limiter, const state::Principal& who, const char* level, const std::string& name) {
    auto states = limiter.read(who);
    if (!states) return;  // the store did not answer: keep the last figure
    for (const state::BudgetState& b : *states) {
        if (b.limit_nano <= 0) continue;
        double ratio = static_cast<double>(b.spent_nano + b.reserved_nano) / static_cast<double>(b.limit_nano);
        metrics::Gateway::get().budget_used.with({level, name}).set(ratio);
        return;
    }
}

}  // namespace

BudgetGauges::BudgetGauges(state::Limiter& limiter, RuntimeSource source, int interval_ms)
    : limiter_(limiter), source_(std::move(source)), interval_ms_(interval_ms), thread_([this] {
          if (std::shared_ptr<const routing::Runtime> rt = source_()) update(rt->config());
          return static_cast<int64_t>(interval_ms_);
      }) {}

void BudgetGauges::update(const config::Config& cfg) {
    for (const config::TeamConfig& t : cfg.teams) {
        if (t.limits.budget_nano_usd < 0) continue;
        state::Principal who{"t:" + t.name, {{"team:" + t.name, "team", "team '" + t.name + "'", t.limits}}, {}};
        publish(limiter_, who, "team", t.name);
    }
    const ChatRequest none;
    for (const config::ApiKeyConfig& k : cfg.auth.keys) {
        if (k.limits.budget_nano_usd < 0) continue;
        state::Principal who;
        if (build_principal(cfg, k, none, "", who)) publish(limiter_, who, "key", k.id);
    }
    for (const config::ModelConfig& m : cfg.models) {
        state::Principal who;
        if (m.limits.budget_nano_usd >= 0 && model_principal(m, who)) publish(limiter_, who, "model", m.name);
    }
}

}  // namespace sy::server
