#include "state/budget_views.hpp"


namespace sy::state {

std::optional<std::vector<BudgetState>> BudgetViews::get(const std::string& key, int64_t now_ms) {
    std::lock_guard lock(mu_);
    auto it = views_.find(key);
    if (it == views_.end() || it->second.expires_ms <= now_ms) return std::nullopt;
    return it->second.levels;
}

void BudgetViews::put(const std::string& key, const std::vector<BudgetState>& levels, int64_t now_ms) {
    std::lock_guard lock(mu_);
    if (views_.size() >= kMaxViews) {
        std::erase_if(views_, [now_ms](const auto& kv) { return kv.second.expires_ms <= now_ms; });
        if (views_.size() >= kMaxViews) views_.clear();  // that many keys within one TTL: start over
    }
    views_.insert_or_assign(key, View{levels, now_ms + ttl_ms_});
}

}  // namespace sy::state
