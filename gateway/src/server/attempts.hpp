// Reliability around one provider call: outlier detection hears of every answer; a retryable
// failure before the first byte (unreachable, timeout, 429, 5xx) is retried on another
// deployment of the model with exponential backoff and jitter, bounded by routing.retries and
// by a retry budget; when the model has none left, its fallback models are tried in order
// (the policy's fallbacks when it named some). Each hop goes into x-switchyard-route.
#pragma once

#include "routing/runtime.hpp"
#include "server/provider_call.hpp"

namespace sy::server {

// Before sending: a prompt (plus its max_tokens) that the chosen model's context window cannot
// hold moves to the first fallback model whose window can (models[].context_window); without
// one, the client's 400 context_length_exceeded. Models with an unknown window (0) never move.
std::optional<ApiError> fit_context_window(const routing::Runtime& rt, const ChatRequest& chat,
                                           routing::RouteDecision& decision);

// The models to try when the decision's has nothing left: the policy's fallbacks, else the model's.
std::vector<const routing::Model*> fallbacks_for(const routing::Runtime& rt, const routing::RouteDecision& decision);

// Counts a request towards the retry budget's window.
void note_request_for_retry_budget();

// Calls the decision's deployment, then others and fallback models as failures allow. Updates
// decision.model/deployment/reason to what answered (or failed last).
CallOutcome call_with_retries(const routing::Runtime& rt, CallContext& ctx, routing::RouteDecision& decision);

}  // namespace sy::server
