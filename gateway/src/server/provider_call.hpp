// Calls the provider chosen for a request and writes the answer to the client: a JSON body, or
// an SSE stream relayed event by event. Remote providers go through the upstream client; local
// (in-process) providers are paced by the delays they ask for. Both stop when the client leaves.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <switchyard/chat_request.hpp>

#include "plugin/host_api.hpp"
#include "routing/runtime.hpp"
#include "server/http_util.hpp"
#include "upstream/http_exchange.hpp"

namespace sy::server {

struct CallOutcome {
    int status = 0;                // HTTP status sent (0 when the client left before any reply)
    bool client_gone = false;
    bool stream_error = false;     // a stream that started and then failed (ended with an error event)
    sy_usage usage{sizeof(sy_usage), -1, -1, -1, -1};
    std::string error;             // why it failed, for the log
    int64_t first_byte_ns = 0;     // steady clock when the first byte of the answer was sent
    int64_t relayed_events = 0;    // SSE data events sent to the client
    int64_t relayed_bytes = 0;     // JSON answer bytes sent to the client (or withheld by a response
                                   //   guardrail: the upstream was paid for them all the same)
    std::optional<ApiError> deferred;  // a retryable failure kept unsent (CallContext::defer_errors)
    std::optional<ApiError> cut;       // a stream cut mid-way and left open for a continuation
    int64_t extra_cost_nano = 0;       // what the cut attempts before a continued answer cost
    std::string finish_reason;         // of the answer relayed (OpenAI's: stop, length, tool_calls, ...)
};

// The answer's text as relayed so far: kept when its model may continue a cut stream
// (models[].continue_on_failure) or when the access log records answers. Tool calls cannot be
// continued (and their arguments are not kept).
struct PartialAnswer {
    std::string text;
    bool continuable = true;
    bool continue_cut = false;  // a stream cut mid-way is left open for a continuation
};

// The client's error for a plugin status with its message (a local provider's SY_ERR, e.g. an
// exception, is 500 plugin_error). Upstream failures and answers: server/upstream_failure.hpp.
ApiError error_from_status(sy_status st, const plugin::ProviderInstance& prov, const std::string& detail);

// Failures another deployment may not share: rate limits, server errors, unreachable, timeouts.
// (A content filter's refusal is shared by the model's deployments: only another model helps.)
inline bool is_retryable(int status) { return status == 429 || status == 500 || (status >= 502 && status <= 504); }

// Checks a whole answer before it is sent (response guardrails): an error it returns is sent in
// the answer's place. Gets the chat.completion body and its text.
using AnswerCheck = std::function<std::optional<ApiError>(const std::string& body, const std::string& text)>;

struct CallContext {
    Poco::Net::HTTPServerRequest& request_http;
    Poco::Net::HTTPServerResponse& response;
    const ChatRequest& request;
    const std::string& request_id;
    const routing::RouteDecision& decision;
    int client_fd;                 // -1 when unknown
    size_t max_upstream_body;      // bound on a buffered (non-streaming) upstream body
    bool defer_errors = false;     // keep a retryable failure before the first byte in CallOutcome::deferred
    bool defer_content_filter = false;  // keep a content-filter refusal (or a whole answer the
                                        //   filter emptied) in CallOutcome::deferred
    int64_t deadline_ms = 0;       // steady-clock ms the whole request must end by (x-switchyard-timeout-ms); 0 = none
    std::string_view key_id;       // the client key's id ("" without one): its share of the queue
    SseSink* sink = nullptr;       // the client's stream when the caller owns it (continuations);
                                   //   a call on a started sink defers every failure
    std::string* capture_body = nullptr;  // a whole (non-streamed) answer sent is also copied here
    PartialAnswer* partial = nullptr;  // collect the answer's text (and with continue_cut, leave a
                                       //   stream cut mid-way open: CallOutcome::cut)
    const AnswerCheck* check_answer = nullptr;  // a whole answer passes this before it is sent
    upstream::ConnectionPool* pool = nullptr;  // where a remote call goes instead of the deployment's
                                               //   pool: the client's base URL (client_base_url.hpp)
};

CallOutcome call_provider(const CallContext& ctx);

// Runs ctx.check_answer on a whole answer before it is sent; when it refuses, sends its error,
// notes it in `out` and returns true.
bool refuse_answer(const CallContext& ctx, const std::string& body, CallOutcome& out);

// Ends a started stream with the usage (when asked for) and an error event.
void end_stream_with_error(const CallContext& ctx, SseSink& sink, const ApiError& e);

// Sleeps for delay_us unless the client disconnects first (client_fd readable and closed).
// Returns false when it did; with client_fd -1, just sleeps.
bool sleep_unless_gone(uint64_t delay_us, int client_fd);

// A non-streaming answer kept for the caller instead of sent to the client (cascade routers
// check it first; judges are asked this way).
struct Captured {
    std::optional<ApiError> error;  // set when the provider failed
    std::string body;               // OpenAI chat.completion JSON
    sy_usage usage{sizeof(sy_usage), -1, -1, -1, -1};
    bool client_gone = false;
};

// Asks `deployment` for a whole answer to `request` (its stream flag is ignored).
Captured capture_completion(const ChatRequest& request, const std::string& request_id,
                            const routing::Deployment& deployment, int client_fd, size_t max_upstream_body);

// A captured answer as the outcome of a call (for metrics and usage_of).
CallOutcome outcome_of(const Captured& c, int64_t first_byte_ns);

}  // namespace sy::server
