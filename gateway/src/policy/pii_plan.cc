#include "policy/pii_plan.hpp"

namespace sy::policy {

PiiPlan plan_pii(uint32_t found, const config::PrivacyConfig& cfg, const PiiOverrides& overrides) {
    PiiPlan plan;
    plan.found = found;
    for (size_t k = 0; k < cfg.actions.size(); ++k) {
        const uint32_t bit = 1u << k;
        if (!(found & bit)) continue;
        switch (overrides[k].value_or(cfg.actions[k])) {
        case config::PiiAction::allow: break;
        case config::PiiAction::redact: plan.redact |= bit; break;
        case config::PiiAction::local_only: plan.local_only |= bit; break;
        case config::PiiAction::deny: plan.deny |= bit; break;
        }
    }
    return plan;
}

std::string pii_kind_list(uint32_t kinds) {
    std::string out;
    for (size_t k = 0; k < config::kPiiKindNames.size(); ++k)
        if (kinds & (1u << k)) out.append(out.empty() ? "" : ", ").append(config::kPiiKindNames[k]);
    return out;
}

}  // namespace sy::policy
