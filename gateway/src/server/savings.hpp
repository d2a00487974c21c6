// Savings accounting: what each answered request would have cost on its route's baseline model
// (routers[].baseline, else routing.savings_baseline), priced from the price table with the
// usage the answer actually had, next to what it cost.
#pragma once

#include <cstdint>

#include <switchyard/chat_request.hpp>

#include "routing/runtime.hpp"
#include "server/admission.hpp"

namespace sy::server {

class AccessRecord;

// The baseline of a route: a router's `baseline` (strongest = its first candidate; requested =
// the model the client named, when it names one, else the strongest; or a model), else
// routing.savings_baseline (requested, none or a model). Null when there is none.
const routing::Model* baseline_model(const routing::Runtime& rt, const ChatRequest& req,
                                     const routing::RouteDecision& d);

// The model's price table applied to `u`; -1 when the model has no prices.
int64_t baseline_cost_nano(const routing::Model& m, const Usage& u);

// Fills the record's baseline fields and, when both costs are known, counts
// switchyard_cost_baseline_usd_total, switchyard_cost_saved_usd_total (baseline above actual)
// and switchyard_cost_overspent_usd_total (actual above baseline) by {router, decision}.
void account_savings(const routing::Runtime& rt, const ChatRequest& req, const routing::RouteDecision& d,
                     const Usage& used, int64_t cost_nano, AccessRecord& record);

}  // namespace sy::server
