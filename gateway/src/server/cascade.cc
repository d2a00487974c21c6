#include "server/cascade.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>

#include <switchyard/log.hpp>

#include "core/clock.hpp"
#include "server/http_util.hpp"
#include "server/response_headers.hpp"

namespace sy::server {
namespace {

// A chat.completion replayed as chat.completion.chunk events: the message in one delta, the
// finish reason, usage when asked for, then [DONE].
std::string completion_as_sse(const std::string& body, bool include_usage) {
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("choices") || !d["choices"].IsArray()) return {};
    auto& alloc = d.GetAllocator();
    auto frame = [](const rapidjson::Value& v) {
        rapidjson::StringBuffer sb;
        rapidjson::Writer<rapidjson::StringBuffer> w(sb);
        v.Accept(w);
        return "data: " + std::string(sb.GetString(), sb.GetSize()) + "\n\n";
    };
    std::string out;
    for (auto& choice : d["choices"].GetArray()) {
        if (!choice.IsObject()) continue;
        rapidjson::Value chunk(rapidjson::kObjectType), choices(rapidjson::kArrayType), c(rapidjson::kObjectType);
        for (const char* k : {"id", "created", "model", "system_fingerprint"})
            if (d.HasMember(k)) chunk.AddMember(rapidjson::StringRef(k), rapidjson::Value(d[k], alloc), alloc);
        chunk.AddMember("object", "chat.completion.chunk", alloc);
        c.AddMember("index", choice.HasMember("index") ? rapidjson::Value(choice["index"], alloc) : rapidjson::Value(0), alloc);
        rapidjson::Value delta(rapidjson::kObjectType);
        if (choice.HasMember("message") && choice["message"].IsObject())
            for (auto& m : choice["message"].GetObject()) delta.AddMember(rapidjson::Value(m.name, alloc), rapidjson::Value(m.value, alloc), alloc);
        c.AddMember("delta", delta, alloc);
        c.AddMember("finish_reason", rapidjson::Value(), alloc);
        choices.PushBack(c, alloc);
        chunk.AddMember("choices", choices, alloc);
        out += frame(chunk);
        chunk["choices"][0]["delta"].SetObject();
        chunk["choices"][0]["finish_reason"] =
            choice.HasMember("finish_reason") ? rapidjson::Value(choice["finish_reason"], alloc) : rapidjson::Value("stop");
        out += frame(chunk);
    }
    if (include_usage && d.HasMember("usage")) {
        rapidjson::Value chunk(rapidjson::kObjectType);
        for (const char* k : {"id", "created", "model"})
            if (d.HasMember(k)) chunk.AddMember(rapidjson::StringRef(k), rapidjson::Value(d[k], alloc), alloc);
        chunk.AddMember("object", "chat.completion.chunk", alloc);
        chunk.AddMember("choices", rapidjson::Value(rapidjson::kArrayType), alloc);
        chunk.AddMember("usage", rapidjson::Value(d["usage"], alloc), alloc);
        out += frame(chunk);
    }
    return out;
}

void send_kept(const CallContext& ctx, const Captured& c, CallOutcome& out) {
    if (c.error) {
        send_error(ctx.request_http, ctx.response, *c.error);
        return;
    }
    if (refuse_answer(ctx, c.body, out)) return;  // held whole even for a stream: still checkable
    out.first_byte_ns = clock::steady_ns();
    if (!ctx.request.stream) {
        server::send_answer(ctx.request_http, ctx.response, c.body);
        return;
    }
    std::string frames = completion_as_sse(c.body, ctx.request.include_usage);
    SseSink sink(ctx.request_http, ctx.response);
    sink.start();
    if (frames.empty()) {
        sink.error_event(frames, ApiError::upstream(502, "the accepted answer is not a chat.completion", "upstream_invalid_response"));
        out.stream_error = true;
        return;
    }
    sink.done(frames);
    out.relayed_events = sink.events();
}

// The judge's answer to the request the router wrote, or an error message.
Captured ask_judge(const routing::Runtime& rt, const CallContext& ctx, const std::string& judge_request,
                   CascadeAttempt& record) {
    Captured c;
    ChatRequest judge;
    if (auto err = parse_chat_request(std::string(judge_request), judge, false)) {
        c.error = ApiError::internal("the router's judge request is invalid: " + err->message);
        return c;
    }
    const routing::Model* m = rt.find_model(judge.model);
    const routing::Deployment* dep = m ? routing::Runtime::pick_deployment(*m) : nullptr;
    if (!dep) {
        c.error = ApiError::internal("judge model '" + judge.model + "' is not a configured model");
        return c;
    }
    c = capture_completion(judge, ctx.request_id, *dep, ctx.client_fd, ctx.max_upstream_body);
    record = {m, dep, outcome_of(c, clock::steady_ns()), "judge"};
    return c;
}

}  // namespace

bool is_cascade(const routing::Runtime& rt, const routing::RouteDecision& d) {
    if (d.router.empty()) return false;
    auto it = rt.routers().find(d.router);
    return it != rt.routers().end() && it->second.instance->checks_answers();
}

CascadeResult run_cascade(const routing::Runtime& rt, const CallContext& ctx) {
    CascadeResult r;
    const plugin::RouterInstance& router = *rt.routers().at(ctx.decision.router).instance;
    std::vector<const routing::Model*> order;
    for (const auto& [m, score] : ctx.decision.scores) order.push_back(m);
    if (order.empty()) order.push_back(ctx.decision.model);
    sy_request_view view = plugin::make_request_view(ctx.request, ctx.request_id);
    for (size_t i = 0; i < order.size(); ++i) {
        const routing::Model* model = order[i];
        const routing::Deployment* dep = routing::Runtime::pick_deployment(*model);
        if (!dep) continue;
        const bool last = i + 1 == order.size();
        Captured c = capture_completion(ctx.request, ctx.request_id, *dep, ctx.client_fd, ctx.max_upstream_body);
        CascadeAttempt attempt{model, dep, outcome_of(c, clock::steady_ns()), ""};
        if (c.client_gone) {
            r.outcome.client_gone = true;
            r.model = model;
            r.deployment = dep;
            return r;
        }
        std::string verdict = "accepted";
        bool accept = last;
        if (c.error) {
            verdict = "failed (" + std::to_string(c.error->status) + ")";
        } else if (!last) {
            plugin::RouterInstance::CheckResult chk = router.check(view, model->config->name, c.body, "");
            if (chk.error.empty() && chk.verdict == SY_VERDICT_ASK_JUDGE) {
                CascadeAttempt judged;
                Captured j = ask_judge(rt, ctx, chk.judge_request, judged);
                if (judged.model) r.others.push_back(judged);
                if (j.error) chk.error = "judge: " + j.error->message;
                else chk = router.check(view, model->config->name, c.body, j.body);
            }
            if (!chk.error.empty()) {
                log::warn("cascade", ctx.request_id + " router '" + ctx.decision.router + "' check failed: " + chk.error);
                verdict = "rejected (check failed)";
            } else {
                accept = chk.verdict == SY_VERDICT_ACCEPT;
                verdict = std::string(accept ? "accepted" : "rejected") + (chk.why.empty() ? "" : " (" + chk.why + ")");
            }
        }
        if (last && c.error) verdict = "failed (" + std::to_string(c.error->status) + ")";
        r.summary.append(r.summary.empty() ? "" : " -> ").append(model->config->name).append(" ").append(verdict);
        if (!accept) {
            r.others.push_back(std::move(attempt));
            continue;
        }
        r.model = model;
        r.deployment = dep;
        r.outcome = attempt.outcome;
        r.outcome.first_byte_ns = 0;
        set_header(ctx.response, "x-switchyard-model", model->config->name);
        set_header(ctx.response, "x-switchyard-provider", dep->provider->config().name);
        set_header(ctx.response, "x-switchyard-route", ctx.decision.reason + "; cascade: " + r.summary);
        send_kept(ctx, c, r.outcome);
        return r;
    }
    // No candidate had a usable deployment.
    ApiError e = ApiError::upstream(503, "no candidate of router '" + ctx.decision.router + "' could answer", "no_deployment");
    send_error(ctx.request_http, ctx.response, e);
    r.outcome.status = e.status;
    r.outcome.error = e.message;
    return r;
}

}  // namespace sy::server
