// Active health checks (providers[].health_check): a background thread sends GET
// <base_url><path> to each provider that asks for it, every interval_ms. `failures` failed checks
// in a row (no answer in timeout_ms, or a non-2xx status) take every deployment of the provider
// out of rotation; the next passing check brings them back. Works on whichever runtime is
// current, so reloads add and drop checks.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/periodic.hpp"
#include "routing/runtime.hpp"

namespace sy::routing {

class HealthChecker {
public:
    using RuntimeSource = std::function<std::shared_ptr<const Runtime>()>;
    explicit HealthChecker(RuntimeSource source);

    // Checks the providers that are due; returns ms until the next is due (at most 1000).
    int64_t check_due(const Runtime& rt, int64_t now_ms);

private:
    struct State {
        int64_t due_ms = 0;
        int failures = 0;
        bool down = false;
    };
    bool check(const Runtime& rt, const config::ProviderConfig& pc, std::string& why) const;

    RuntimeSource source_;
    std::map<std::string, State> states_;  // by provider name; used by the thread only
    Periodic thread_;  // last: stops first
};

}  // namespace sy::routing
