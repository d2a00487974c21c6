#include "server/continuation.hpp"

#include <cctype>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "routing/deployment_health.hpp"
#include "server/admission.hpp"
#include "server/attempt_span.hpp"
#include "server/attempts.hpp"

namespace sy::server {
namespace {

// Continuations of one request at most: each is a hop after a cut.
constexpr int kMaxContinuations = 3;

// The request again, with the answer so far as a last assistant message to continue from.
bool continuation_request(const ChatRequest& original, const std::string& partial, ChatRequest& out) {
    rapidjson::Document d;
    d.Parse(original.body.data(), original.body.size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("messages") || !d["messages"].IsArray()) return false;
    auto& a = d.GetAllocator();
    // Without trailing whitespace: Anthropic refuses a final assistant message that ends in it.
    std::string_view prefix = partial;
    while (!prefix.empty() && std::isspace(static_cast<unsigned char>(prefix.back()))) prefix.remove_suffix(1);
    rapidjson::Value msg(rapidjson::kObjectType);
    msg.AddMember("role", "assistant", a);
    msg.AddMember("content", rapidjson::Value(prefix.data(), static_cast<rapidjson::SizeType>(prefix.size()), a), a);
    d["messages"].PushBack(msg, a);
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    d.Accept(w);
    return !parse_chat_request(std::string(sb.GetString(), sb.GetSize()), out);
}

// Tells the client (and anyone reading the stream) that the answer goes on elsewhere; an empty
// delta, so that SDKs read on undisturbed.
std::string marker_chunk(const CallContext& ctx, const std::string& model, const ApiError& cause) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("id"), w.String(ctx.request_id.c_str());
    w.Key("object"), w.String("chat.completion.chunk");
    w.Key("model"), w.String(model.c_str());
    w.Key("choices"), w.StartArray(), w.StartObject();
    w.Key("index"), w.Int(0);
    w.Key("delta"), w.StartObject(), w.EndObject();
    w.Key("finish_reason"), w.Null();
    w.EndObject(), w.EndArray();
    w.Key("x_switchyard"), w.StartObject();
    w.Key("continued"), w.Bool(true);
    w.Key("after"), w.String(cause.message.c_str());
    w.EndObject();
    w.EndObject();
    return "data: " + std::string(sb.GetString(), sb.GetSize()) + "\n\n";
}

// What an attempt that was cut cost: its reported usage, else the prompt estimate and the
// chunks it relayed.
int64_t cut_cost(const routing::Model& m, const routing::Deployment& dep, const ChatRequest& req, const CallOutcome& o,
                 int64_t events) {
    if (!m.config->priced) return 0;
    int64_t input = o.usage.prompt_tokens >= 0 ? o.usage.prompt_tokens : req.prompt_tokens;
    int64_t output = o.usage.completion_tokens >= 0 ? o.usage.completion_tokens : events;
    return cost_nano_usd(dep.config->prices, input, 0, output);
}

// The next deployment to continue on: another of the model, else the first fallback with one.
const routing::Deployment* next_deployment(const routing::Runtime& rt, routing::RouteDecision& decision,
                                           std::vector<const routing::Deployment*>& tried) {
    if (const routing::Deployment* d = routing::Runtime::pick_deployment(*decision.model, routing::pick_of(decision, &tried)))
        return d;
    for (const routing::Model* m : fallbacks_for(rt, decision)) {
        routing::Pick pick = routing::pick_of(decision, &tried);
        if (const routing::Deployment* d = routing::Runtime::pick_deployment(*m, pick)) {
            decision.model = m;
            return d;
        }
    }
    return nullptr;
}

}  // namespace

CallOutcome continue_stream(const routing::Runtime& rt, CallContext& ctx, routing::RouteDecision& decision,
                            CallOutcome cut, std::vector<const routing::Deployment*>& tried) {
    static metrics::Series& continued = metrics::Gateway::get().fallbacks.with({"stream_continued"});
    SseSink& sink = *ctx.sink;
    const routing::Model* first_model = decision.model;
    const routing::Deployment* first = decision.deployment;
    // The cut attempt is charged by the caller when nothing continues; else it joins the extras.
    const int64_t first_cost = cut_cost(*first_model, *first, ctx.request, cut, cut.relayed_events);
    int64_t extra = cut.extra_cost_nano;  // later attempts that were cut too
    ApiError cause = *cut.cut;
    const auto& outliers = rt.config().routing.outliers;
    first->health->record_failure(outliers, routing::steady_now_ms());
    ChatRequest cont;
    for (int hop = 0; hop < kMaxContinuations && !cut.client_gone; ++hop) {
        const routing::Deployment* next = next_deployment(rt, decision, tried);
        if (!next || !continuation_request(ctx.request, ctx.partial->text, cont)) break;
        tried.push_back(next);
        continued.inc();
        decision.reason += "; continued on " + next->provider->config().name + " (" + decision.model->config->name + ")";
        log::info("retry", ctx.request_id + ": stream cut (" + cause.message + "), continuing on " +
                               next->provider->config().name + " after " + std::to_string(ctx.partial->text.size()) +
                               " bytes of answer");
        decision.deployment = next;
        std::string marker = marker_chunk(ctx, decision.model->config->name, cause);
        if (!sink.write(marker)) {
            cut.client_gone = true;
            break;
        }
        const int64_t events_before = sink.events();
        CallContext again{ctx.request_http, ctx.response, cont, ctx.request_id, decision, ctx.client_fd, ctx.max_upstream_body};
        again.deadline_ms = ctx.deadline_ms;
        again.sink = &sink;
        again.partial = ctx.partial;
        AttemptSpan span(*next, decision.attempts + 1, "continuation");
        CallOutcome o = call_provider(again);
        span.finish(o);
        ++decision.attempts;
        if (o.deferred || o.cut) next->health->record_failure(outliers, routing::steady_now_ms());
        else if (!o.client_gone) next->health->record_success();
        if (!o.deferred && !o.cut) {  // answered to the end, or the client left
            o.extra_cost_nano = extra + first_cost;
            return o;
        }
        cause = o.deferred ? *o.deferred : *o.cut;
        if (o.cut) extra += cut_cost(*decision.model, *next, cont, o, o.relayed_events - events_before);
        cut.client_gone = o.client_gone;
    }
    // Nothing could continue: the client gets the error event, and the first attempt is charged
    // as the answer (the caller charges what `cut` used, at the first deployment's prices).
    if (!cut.client_gone) end_stream_with_error(ctx, sink, cause);
    decision.model = first_model;
    decision.deployment = first;
    cut.cut.reset();
    cut.stream_error = !cut.client_gone;
    cut.error = cause.message;
    cut.extra_cost_nano = extra;
    return cut;
}

}  // namespace sy::server
