// Continuing a stream whose upstream died mid-way (models[].continue_on_failure): the answer so
// far goes to another deployment of the model (else to its fallback models) as an assistant
// message to continue from, and that answer is relayed on the same client stream after a marker
// chunk ("x_switchyard": {"continued": true, ...}). The cut attempt is charged too. When nothing
// can continue, the client gets the error event it would have had.
#pragma once

#include <vector>

#include "routing/runtime.hpp"
#include "server/provider_call.hpp"

namespace sy::server {

// `cut` is the outcome whose stream was left open; `tried` holds the deployments not to use.
CallOutcome continue_stream(const routing::Runtime& rt, CallContext& ctx, routing::RouteDecision& decision,
                            CallOutcome cut, std::vector<const routing::Deployment*>& tried);

}  // namespace sy::server
