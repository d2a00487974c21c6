// Feedback on answers: the routing of each request (router, model, route, and the router's memo
// when it learns) is kept in the feedback ledger (feedback_ledger.hpp) for routing.feedback_ttl_s (so any instance can take
// the feedback), and POST /v1/feedback {"request_id": "...", "score": 0..1, "thumbs": "up"|"down"}
// is counted once per request in the quality board and, for routers that learn, handed back to
// the router.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <memory>
#include <string>

#include "plugin/host_api.hpp"

#include "routing/runtime.hpp"
#include "server/gateway.hpp"

namespace sy::server {

// Keeps what feedback on this request needs (one store write per routed request, in the
// background); returns the ticket to await before the answer's first byte.
uint64_t remember_for_feedback(Gateway& g, const routing::Runtime& rt, const std::string& request_id,
                               const routing::RouteDecision& decision);

// The state store as seen by plugins (sy_host_api.state_*).
std::unique_ptr<plugin::StateBackend> plugin_state_over(std::shared_ptr<state::Store> store);

// POST /v1/feedback.
void feedback(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);

}  // namespace sy::server
