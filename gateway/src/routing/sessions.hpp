// Session-consistent routing: a conversation keeps the model chosen for its first turn. The
// choice lives in the state store under <prefix>:sess:<hash> with routing.sessions.ttl_s, so
// every instance sharing the store honours it.
#pragma once

#include <string>
#include <string_view>

#include <switchyard/chat_request.hpp>

#include "routing/runtime.hpp"

namespace sy::routing {

// Who a request's conversation is: the policy's decision.session, else the x-session-id header,
// else the `user` field with the conversation's first system and user messages. Empty when the
// request names none of them (an anonymous conversation is not sticky).
std::string session_identity(const ChatRequest& req, std::string_view policy_key, std::string_view header);

// 16 hex digits (FNV-1a, stable across instances and builds) of the scope and the identity: the
// store key holds no user name and the route header can show it.
std::string session_hash(std::string_view scope, std::string_view identity);

// For a sticky route: routes to the model the session remembers when it is still a candidate,
// else remembers the chosen one (SET NX: the first instance to answer a new session wins).
// A store that cannot be reached leaves the route as it was.
void keep_session(const Runtime& rt, const ChatRequest& req, const RouteContext& ctx, RouteDecision& out);

// After the answer: switchyard_session_routes_total{outcome=new|kept|fallback} (fallback: the
// remembered model failed and another answered; the session keeps remembering its model).
void finish_session(RouteDecision& d);

}  // namespace sy::routing
