// Queueing when every deployment of a model is cooling down or full (routing.queue): instead of
// panic mode, a request waits, bounded in time and in number, for the first deployment to take
// traffic again (a cooldown ending, as long as a 429's Retry-After asked, or capacity freeing).
// Each client key may hold only max_per_key places, so one key cannot fill the queue for all.
#pragma once

#include <optional>
#include <string_view>

#include <switchyard/api_error.hpp>
#include <switchyard/config.hpp>

#include "routing/runtime.hpp"

namespace sy::server {

struct QueueWait {
    std::optional<ApiError> error;  // 503 when the queue was full or the wait ran out
    bool client_gone = false;
};

// Waits until a deployment of decision.model is open, then sets decision.deployment to it.
// `deadline_ms` (steady clock, 0 = none) bounds the wait besides max_wait_ms.
QueueWait wait_for_deployment(const config::RoutingConfig::Queue& cfg, routing::RouteDecision& decision,
                              std::string_view key_id, int client_fd, int64_t deadline_ms);

}  // namespace sy::server
