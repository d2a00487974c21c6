#include "server/attempt_span.hpp"

#include <string_view>

namespace sy::server {
namespace {

// gen_ai.provider.name: the convention's well-known names where one fits, else the plugin's.
std::string genai_provider(std::string_view plugin) {
    if (plugin == "gemini") return "gcp.gemini";
    return std::string(plugin);
}

}  // namespace

AttemptSpan::AttemptSpan(const routing::Deployment& dep, int attempt, const char* hop)
    : span_("chat " + dep.config->model, tracing::Kind::client), dep_(dep) {
    if (!span_.active()) return;
    span_.set("gen_ai.operation.name", "chat");
    span_.set("gen_ai.provider.name", genai_provider(dep.provider->plugin_name()));
    span_.set("gen_ai.request.model", dep.config->model);
    span_.set("switchyard.provider", dep.provider->config().name);
    span_.set("switchyard.attempt", int64_t{attempt});
    span_.set("switchyard.hop", hop);
}

void AttemptSpan::finish(const CallOutcome& out) {
    if (!span_.active()) return;
    if (out.status > 0) span_.set("http.response.status_code", int64_t{out.status});
    if (out.usage.prompt_tokens >= 0) span_.set("gen_ai.usage.input_tokens", out.usage.prompt_tokens);
    if (out.usage.completion_tokens >= 0) span_.set("gen_ai.usage.output_tokens", out.usage.completion_tokens);
    const ApiError* e = out.deferred ? &*out.deferred : out.cut ? &*out.cut : nullptr;
    if (e) {
        span_.set("error.type", e->code.empty() ? std::to_string(e->status) : e->code);
        span_.fail(e->message);
    } else if (out.client_gone) {
        span_.set("error.type", "client_gone");
    } else if (out.stream_error || out.status >= 400) {
        span_.set("error.type", out.stream_error ? std::string("stream_interrupted") : std::to_string(out.status));
        span_.fail(out.error);
    } else {
        span_.set("gen_ai.response.model", dep_.config->model);
    }
}

}  // namespace sy::server
