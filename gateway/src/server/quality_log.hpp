// Quality signals in the access log, beside the request lines (which have no "type"): one
// "feedback" line per feedback taken and one "shadow" line per judged shadow (docs/quality.md).
#pragma once

#include <string>

#include "quality/verdict.hpp"
#include "routing/runtime.hpp"
#include "server/gateway.hpp"

namespace sy::server {

// The route label of a decision: its router, else its policy, else "model".
std::string route_of(const routing::RouteDecision& d);

struct FeedbackLine {
    std::string request_id, router, model, route;
    double score = 0;
};
void log_feedback(Gateway& g, const FeedbackLine& line);

struct ShadowLine {
    std::string request_id, router, model, baseline_model;
    quality::Verdict verdict = quality::Verdict::tie;
    double cost_usd = 0;  // the shadow call and the judge
};
void log_shadow(Gateway& g, const ShadowLine& line);

}  // namespace sy::server
