#include "server/guardrails.hpp"
#include "server/response_headers.hpp"

#include <switchyard/tracing.hpp>

namespace sy::server {
namespace {

// A deny speaks with the plugin's status (403: permission_error); a fail-closed timeout or error
// is the gateway's failure to check, not the client's fault: 503.
ApiError error_for(const plugin::GuardrailCheck& c, plugin::GuardStage stage) {
    const std::string& name = c.guardrail->config().name;
    if (c.verdict != plugin::CheckVerdict::deny)
        return ApiError::upstream(503, "guardrail '" + name + "' could not check the " + plugin::stage_name(stage) +
                                           " (" + plugin::verdict_name(c.verdict) + ") and is set to deny then",
                                  "guardrail_unavailable");
    const int status = c.detail.http_status;
    std::string what = stage == plugin::GuardStage::request ? "denied the request" : "withheld the answer";
    return ApiError{status, status == 403 ? "permission_error" : "invalid_request_error", "guardrail_denied",
                    "guardrail '" + name + "' " + what + ": " + c.detail.message, {}, {}};
}

// Runs one stage in a span; on a deny notes it in the route reason and header.
std::optional<ApiError> run_stage(plugin::GuardStage stage, const plugin::GuardrailRun& run,
                                  tracing::SpanScope& span, Poco::Net::HTTPServerResponse& resp,
                                  routing::RouteDecision& decision, bool streamed) {
    span.set("switchyard.guardrail.checks", static_cast<int64_t>(run.checks.size()));
    const plugin::GuardrailCheck* denial = run.denial();
    if (!denial) return std::nullopt;
    const std::string& name = denial->guardrail->config().name;
    span.set("switchyard.guardrail.denied_by", name);
    decision.reason += "; guardrail:" + name + " " + (denial->verdict == plugin::CheckVerdict::deny ? "denied" : plugin::verdict_name(denial->verdict)) +
                       " " + plugin::stage_name(stage) + (streamed ? " (after the stream)" : "");
    if (!streamed) set_header(resp, "x-switchyard-route", decision.reason);  // headers of a stream are gone
    return error_for(*denial, stage);
}

}  // namespace

std::optional<ApiError> check_request_guardrails(const routing::Runtime& rt, const ChatRequest& chat,
                                                 const std::string& request_id, Poco::Net::HTTPServerResponse& resp,
                                                 routing::RouteDecision& decision) {
    const plugin::GuardrailSet& set = rt.guardrails();
    if (!set.checks_requests()) return std::nullopt;
    tracing::SpanScope span("switchyard.guardrails");
    span.set("switchyard.guardrail.stage", "request");
    return run_stage(plugin::GuardStage::request, set.check_request(chat, request_id), span, resp, decision, false);
}

ResponseGuard::ResponseGuard(const routing::Runtime& rt, const ChatRequest& chat, const std::string& request_id,
                             Poco::Net::HTTPServerResponse& resp, routing::RouteDecision& decision)
    : rt_(rt), chat_(chat), request_id_(request_id), resp_(resp), decision_(decision),
      active_(rt.guardrails().checks_responses()),
      check_([this](const std::string& body, const std::string& text) { return run(body, text, false); }) {}

std::optional<ApiError> ResponseGuard::run(const std::string& body, const std::string& text, bool streamed) {
    tracing::SpanScope span("switchyard.guardrails");
    span.set("switchyard.guardrail.stage", "response");
    plugin::AnswerToCheck answer{decision_.model ? decision_.model->config->name : chat_.model, text,
                                 streamed ? std::string() : body, streamed};
    return run_stage(plugin::GuardStage::response, rt_.guardrails().check_response(chat_, request_id_, std::move(answer)),
                     span, resp_, decision_, streamed);
}

bool ResponseGuard::stream_denied(const CallOutcome& out, const std::string& text) {
    if (!wants_stream_text() || out.client_gone || out.status != 200 || out.stream_error) return false;
    return run({}, text, true).has_value();
}

}  // namespace sy::server
