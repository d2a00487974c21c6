// The guardrails on the chat request path. Every configured guardrail applies to every chat
// request (OpenAI and Anthropic inbound): request checks run after routing and before the cache,
// the limits and any upstream call; response checks see a whole answer before it is sent. A
// streamed answer is checked when it ended: its bytes are already with the client, so a deny is
// recorded (log, metric, access log route) and keeps the answer out of the cache, but cannot be
// retracted.
#pragma once

#include <optional>
#include <string>

#include <Poco/Net/HTTPServerResponse.h>

#include <switchyard/api_error.hpp>
#include <switchyard/chat_request.hpp>

#include "routing/runtime.hpp"
#include "server/provider_call.hpp"

namespace sy::server {

// Runs the request checks. A deny (or a failed check under on_error: deny) is the client's answer;
// it is noted in the route reason and the x-switchyard-route header.
std::optional<ApiError> check_request_guardrails(const routing::Runtime& rt, const ChatRequest& chat,
                                                 const std::string& request_id, Poco::Net::HTTPServerResponse& resp,
                                                 routing::RouteDecision& decision);

// The response checks of one request. Holds references to its arguments.
class ResponseGuard {
public:
    ResponseGuard(const routing::Runtime& rt, const ChatRequest& chat, const std::string& request_id,
                  Poco::Net::HTTPServerResponse& resp, routing::RouteDecision& decision);
    ResponseGuard(const ResponseGuard&) = delete;  // check_ points at this object
    ResponseGuard& operator=(const ResponseGuard&) = delete;
    // For CallContext::check_answer; null when no guardrail checks answers.
    const AnswerCheck* check() const { return active_ ? &check_ : nullptr; }
    // Whether a streamed answer's text must be collected for stream_denied.
    bool wants_stream_text() const { return active_ && chat_.stream; }
    // Checks a streamed answer that ended; true when a guardrail denied it (recorded, not retracted).
    bool stream_denied(const CallOutcome& out, const std::string& text);

private:
    std::optional<ApiError> run(const std::string& body, const std::string& text, bool streamed);

    const routing::Runtime& rt_;
    const ChatRequest& chat_;
    const std::string& request_id_;
    Poco::Net::HTTPServerResponse& resp_;
    routing::RouteDecision& decision_;
    bool active_;
    AnswerCheck check_;
};

}  // namespace sy::server
