// switchyard_budget_used_ratio{level, name}: how much of each budget the config declares (teams,
// config keys, models) is spent or reserved, read from the state store every 15 s by a background
// thread, so that alerts can fire before a budget runs out. Keys made through the admin API are
// left out: their number has no bound.
#pragma once

#include <functional>
#include <memory>

#include "core/periodic.hpp"
#include "routing/runtime.hpp"
#include "state/limiter.hpp"

namespace sy::server {

class BudgetGauges {
public:
    using RuntimeSource = std::function<std::shared_ptr<const routing::Runtime>()>;
    BudgetGauges(state::Limiter& limiter, RuntimeSource source, int interval_ms = 15000);

    // One round of reads (the thread's work).
    void update(const config::Config& cfg);

private:
    state::Limiter& limiter_;
    RuntimeSource source_;
    int interval_ms_;
    Periodic thread_;  // last: stops first
};

}  // namespace sy::server
