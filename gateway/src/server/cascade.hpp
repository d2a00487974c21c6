// Cascade routers (a router with a check hook): the ranked candidates are asked in order for a
// whole answer; the router checks each one (and may have a judge model asked); the first it
// accepts, or the last candidate's, answers the client (replayed as SSE when the client asked
// for a stream). Every attempt is accounted: its tokens and cost count, and the route header
// and the log name the models tried.
#pragma once

#include <string>
#include <vector>

#include "routing/runtime.hpp"
#include "server/provider_call.hpp"

namespace sy::server {

struct CascadeAttempt {
    const routing::Model* model = nullptr;
    const routing::Deployment* deployment = nullptr;
    CallOutcome outcome;            // status and usage of this attempt
    std::string verdict;            // "accepted", "rejected (why)", "failed (why)", "judge"
};

struct CascadeResult {
    CallOutcome outcome;            // what the client got
    const routing::Model* model = nullptr;            // the model whose answer was sent
    const routing::Deployment* deployment = nullptr;
    std::vector<CascadeAttempt> others;  // attempts that did not answer the client (and judges)
    std::string summary;            // "weak rejected (too short) -> strong accepted"
};

// True when the decision's router checks answers.
bool is_cascade(const routing::Runtime& rt, const routing::RouteDecision& decision);

CascadeResult run_cascade(const routing::Runtime& rt, const CallContext& ctx);

}  // namespace sy::server
