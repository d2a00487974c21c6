#include "server/chat_handler.hpp"
#include "core/ascii.hpp"
#include "core/clock.hpp"
#include "core/fiber.hpp"
#include "server/anthropic_messages.hpp"
#include "server/attempts.hpp"
#include "server/cascade.hpp"
#include "server/feedback.hpp"
#include "server/guardrails.hpp"
#include "server/response_headers.hpp"
#include "server/shadow.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <istream>
#include <string>
#include <unordered_map>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "server/access_record.hpp"
#include "server/admission.hpp"
#include "server/cache_step.hpp"
#include "server/cached_answer.hpp"
#include "server/client_base_url.hpp"
#include "server/http_util.hpp"
#include "server/privacy_step.hpp"
#include "server/provider_call.hpp"
#include "server/restoring_translator.hpp"
#include "server/savings.hpp"
#include "routing/sessions.hpp"

namespace sy::server {
namespace {

// A team's spend series, looked up once per thread and label (a declared team, "none" or
// "other": bounded) instead of under the family's lock, which every worker shares, per request.
// Never held across a park.
metrics::Series& team_spend(const std::string& label) {
    thread_local std::unordered_map<std::string, metrics::Series*> series;
    auto it = series.find(label);
    if (it == series.end()) it = series.emplace(label, &metrics::Gateway::get().team_spend.with({label})).first;
    return *it->second;
}

constexpr size_t kMaxUpstreamBody = 64 * 1024 * 1024;

// Request headers with lower-cased names, for policies.
std::vector<std::pair<std::string, std::string>> lower_case_headers(const Poco::Net::HTTPServerRequest& req) {
    std::vector<std::pair<std::string, std::string>> out;
    out.reserve(req.size());
    for (const auto& [name, value] : req) {
        std::string lower = ascii_lower(name);
        if (lower == "authorization" || lower == "x-api-key") continue;  // secrets stay out of policies
        out.emplace_back(std::move(lower), value);
    }
    return out;
}

std::string labels_text(const routing::RouteDecision& d) {
    std::string out;
    for (const auto& [k, v] : d.labels) out += " " + k + "=" + v;
    return out;
}

// Requests, tokens, cost and latencies of one answered request. Usage the upstream did not
// report is estimated for the input (the gateway's estimate) and left out for the output.
// What one cascade attempt cost (its reported usage, else the prompt estimate).
int64_t attempt_cost(const routing::Model& model, const routing::Deployment& dep, const ChatRequest& req,
                     const CallOutcome& out) {
    if (!model.config->priced || out.status < 200 || out.status >= 300) return 0;
    Usage u = usage_of(req, out);
    return cost_nano_usd(dep.config->prices, u.input, u.cached, u.output);
}

void record_cascade(const std::string& router, const CascadeResult& c, int64_t extra_cost_nano) {
    auto& g = metrics::Gateway::get();
    for (const CascadeAttempt& a : c.others)
        if (a.verdict != "judge") g.cascade_attempts.with({router, a.model->config->name, "escalated"}).inc();
    if (c.model) g.cascade_attempts.with({router, c.model->config->name, "answered"}).inc();
    if (extra_cost_nano > 0) g.cascade_extra_cost.with({router}).inc(static_cast<double>(extra_cost_nano) / 1e9);
}

void record_metrics(const routing::Model& model, const routing::Deployment& dep, const ChatRequest& req,
                    const CallOutcome& out, int64_t started_ns) {
    const auto& m = dep.metrics;
    m.requests[out.client_gone ? 3 : out.status >= 500 ? 2 : out.status >= 400 ? 1 : 0]->inc();
    if (out.status < 200 || out.status >= 300) return;
    bool reported = out.usage.prompt_tokens >= 0;
    int64_t input = reported ? out.usage.prompt_tokens : req.prompt_tokens;
    int64_t output = out.usage.completion_tokens >= 0 ? out.usage.completion_tokens : 0;
    m.tokens[0][reported ? 0 : 1]->inc(static_cast<double>(input));
    if (out.usage.completion_tokens >= 0) m.tokens[1][0]->inc(static_cast<double>(output));
    if (out.usage.cached_prompt_tokens > 0) m.tokens[2][0]->inc(static_cast<double>(out.usage.cached_prompt_tokens));
    if (model.config->priced)
        m.cost->inc(static_cast<double>(cost_nano_usd(dep.config->prices, input, out.usage.cached_prompt_tokens, output)) / 1e9);
    else
        metrics::Gateway::get().unpriced.with({model.config->name}).inc();
    int64_t end = clock::steady_ns();
    m.duration->observe(static_cast<double>(end - started_ns) / 1e9);
    if (out.first_byte_ns > 0) m.ttft->observe(static_cast<double>(out.first_byte_ns - started_ns) / 1e9);
}

void log_outcome(const std::string& request_id, const ChatRequest& req, const routing::RouteDecision& d,
                 const CallOutcome& out) {
    if (out.client_gone) {
        log::info("chat", request_id + " client disconnected; upstream request cancelled (model " +
                              d.model->config->name + ")");
    } else if (!out.error.empty()) {
        log::warn("chat", request_id + " model " + d.model->config->name + " provider " +
                              d.deployment->provider->config().name + " status " + std::to_string(out.status) +
                              (out.stream_error ? " (stream ended with an error event)" : "") + ": " + out.error +
                              labels_text(d));
    } else if (log::level() == log::Level::debug) {
        log::debug("chat", request_id + " " + req.model + " -> " + d.model->config->name + " status " +
                               std::to_string(out.status) + " route " + d.reason + labels_text(d));
    }
}

// The key's budget as policies see it (req.budget): the first level with a budget, spent plus
// reserved by requests in flight, read from the store only when a policy asks.
std::function<void(double&, double&)> budget_reader(state::Limiter& limiter, KeyPrincipal& principal) {
    return [&limiter, &principal](double& spent, double& limit) {
        bool limited = false;
        const state::Principal* who = principal.get(limited);
        if (!who || !limited) return;
        fiber::ParkingScope parking;  // a Redis round trip parks the request (nothing here holds a lock)
        auto levels = limiter.read(*who);
        if (!levels) return;
        for (const state::BudgetState& b : *levels) {
            if (b.limit_nano < 0) continue;
            spent = static_cast<double>(b.spent_nano + b.reserved_nano) / 1e9;
            limit = static_cast<double>(b.limit_nano) / 1e9;
            return;
        }
    };
}

}  // namespace

void ChatHandler::handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    if (dialect_ == Dialect::openai) return handle(req, resp);
    AnthropicTranslator translator;
    TranslatorScope scope(&translator);  // answers and errors in the Messages shape
    handle(req, resp);
}

void ChatHandler::handle(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    Gateway::InflightGuard inflight(gateway_);
    const int64_t started_ns = clock::steady_ns();
    const std::string request_id = request_id_for(req);
    set_header(resp, "x-request-id", request_id);
    if (gateway_.draining()) resp.setKeepAlive(false);
    std::shared_ptr<const routing::Runtime> rt = gateway_.runtime();
    const config::Config& cfg = rt->config();
    // A sampled request's trace, current on this thread while the request runs.
    std::optional<tracing::Trace> trace;
    std::string passthrough;
    if (TraceExporter* tracer = gateway_.tracer()) {
        std::optional<tracing::Parent> parent;
        if (req.has("traceparent")) parent = tracing::parse_traceparent(req.get("traceparent"));
        if (tracer->sample(parent)) trace.emplace(parent);
        else if (parent) passthrough = req.get("traceparent");
    }
    tracing::TraceScope trace_scope(trace ? &*trace : nullptr, std::move(passthrough));
    // What the access-log line reports, declared before the record so that they outlive it.
    state::KeyPtr key;
    ChatRequest chat;
    routing::RouteDecision decision;
    CallOutcome out;
    PartialAnswer answer;  // kept for the access log when it records prompts and answers
    PrivacyResult privacy;
    AccessRecord record(gateway_, resp, request_id, started_ns);
    record.key = &key;
    record.chat = &chat;
    record.decision = &decision;
    record.span_trace = trace ? &*trace : nullptr;
    record.pii = &privacy.summary;
    const bool log_prompts = cfg.telemetry.log_prompts && gateway_.access_log().enabled();
    if (log_prompts) record.answer = &answer.text;
    record.path = dialect_ == Dialect::anthropic ? "/v1/messages" : "/v1/chat/completions";

    if (auto err = authenticate(gateway_, *rt, req, key)) {
        close_if_body_unread(req, resp);
        return send_error(req, resp, *err);
    }
    std::string body;
    if (auto err = read_body(req, cfg.server.max_body_bytes, body)) {
        resp.setKeepAlive(false);  // the rest of the body is still on the wire
        return send_error(req, resp, *err);
    }
    if (dialect_ == Dialect::anthropic) {
        std::string chat_body;
        if (auto err = messages_to_chat(body, chat_body)) return send_error(req, resp, *err);
        body.swap(chat_body);
    }
    const bool policies = rt->has_policies();
    const bool scans_pii = rt->scans_pii();  // message details are kept for the scan
    if (auto err = parse_chat_request(std::move(body), chat, scans_pii)) return send_error(req, resp, *err);
    if (key)
        if (auto err = check_model_allowed(*key, chat.model)) return send_error(req, resp, *err);

    KeyPrincipal principal(cfg, key.get(), chat);
    std::optional<std::vector<std::pair<std::string, std::string>>> headers;  // for req.headers, once read
    std::function<const std::vector<std::pair<std::string, std::string>>&()> headers_on_demand;
    routing::RouteContext route_ctx;
    std::function<void(double&, double&)> budget;
    if (policies) {
        headers_on_demand = [&headers, &req]() -> const std::vector<std::pair<std::string, std::string>>& {
            if (!headers) headers = lower_case_headers(req);
            return *headers;
        };
        route_ctx = {nullptr, key.get(), static_cast<int64_t>(std::time(nullptr))};
        route_ctx.headers_source = &headers_on_demand;
        if (key && gateway_.limiter()) {
            budget = budget_reader(*gateway_.limiter(), principal);
            route_ctx.budget_source = &budget;
        }
    }
    std::optional<uint32_t> pii;  // kinds of personal data in the prompt, once scanned
    // The privacy section acts on every prompt; policies alone need the scan only when one reads
    // req.pii or decides what to do with personal data (decision.pii).
    std::function<uint32_t()> scan_on_demand;
    if (cfg.privacy.any()) {
        route_ctx.pii = pii = routing::scan_pii(chat);
    } else if (scans_pii) {
        scan_on_demand = [&pii, &chat] {
            if (!pii) pii = routing::scan_pii(chat);
            return *pii;
        };
        route_ctx.pii_source = &scan_on_demand;
    }
    route_ctx.store = gateway_.store();
    if (req.has("x-session-id")) route_ctx.session_header = req.get("x-session-id");
    // Affinity balancing keeps a session on one deployment: by x-session-id, else by `user`.
    decision.affinity = req.get("x-session-id", chat.user);
    {
        tracing::SpanScope span("switchyard.route");
        auto err = rt->route(chat, request_id, route_ctx, decision);
        if (err) {
            span.fail(err->message);
            return send_error(req, resp, *err);
        }
        span.set("switchyard.route", decision.reason);
        span.set("switchyard.model", decision.model->config->name);
    }
    if (scan_on_demand && std::any_of(decision.pii_overrides.begin(), decision.pii_overrides.end(),
                                      [](const auto& action) { return action.has_value(); }))
        scan_on_demand();  // a pii decision acts on what the prompt holds (once scanned, kept)
    if (pii)
        if (auto err = apply_privacy(*rt, *pii, request_id, chat, decision, privacy)) return send_error(req, resp, *err);
    // Redacted values come back in the answer: ahead of any other translator of this request.
    std::optional<RestoringTranslator> restorer;
    std::optional<TranslatorScope> restoring;
    if (privacy.redacted && cfg.privacy.restore) {
        restorer.emplace(privacy.placeholders, current_translator());
        restoring.emplace(&*restorer);
    }
    note_request_for_retry_budget();
    if (decision.deployment)
        if (auto err = fit_context_window(*rt, chat, decision)) return send_error(req, resp, *err);
    if (!decision.deployment)  // only a local-only route can find none (it checked already)
        return send_error(req, resp, ApiError::upstream(503, "model '" + decision.model->config->name +
                                                                 "' has no deployment to serve this request",
                                                             "no_deployment_available"));
    std::unique_ptr<upstream::ConnectionPool> client_pool;  // x-switchyard-base-url: the client's host
    if (auto err = client_upstream(req, *rt, *decision.model, decision.local_only, decision.deployment, client_pool))
        return send_error(req, resp, *err);
    if (client_pool) decision.reason += "; client base_url";
    set_header(resp, "x-switchyard-model", decision.model->config->name);
    set_header(resp, "x-switchyard-provider", decision.deployment->provider->config().name);
    set_header(resp, "x-switchyard-route", decision.reason);
    if (auto err = check_request_guardrails(*rt, chat, request_id, resp, decision)) return send_error(req, resp, *err);
    // The response caches: a hit answers at once, costs nothing and touches no budget or limit.
    // (Not a redacted request: its stored answer would hold the values put back.)
    std::optional<CacheStep> cache;
    if (!privacy.redacted && !client_pool) cache = CacheStep::begin(gateway_, *rt, req, chat, decision, key.get());
    if (cache && cache->answer(req, resp, chat, decision.reason)) {
        out.status = 200;
        record.outcome = &out;
        record.cost_nano = 0;
        return;
    }
    if (cache && !cache->fills()) cache.reset();
    std::string captured;  // a whole answer to store
    const config::ModelConfig& model = *decision.model->config;

    Reservation for_key, for_model;
    if (state::Limiter* limiter = gateway_.limiter())
        if (auto err = admit_request(*limiter, principal, chat, model, resp, for_key, for_model))
            return send_error(req, resp, *err);
    const uint64_t feedback_ticket = remember_for_feedback(gateway_, *rt, request_id, decision);  // admitted

    CallContext ctx{req, resp, chat, request_id, decision, client_fd(req), kMaxUpstreamBody};
    if (feedback_ticket != 0)  // feedback sent right after the answer must find its record
        before_head(resp, [ledger = gateway_.feedback_ledger(), feedback_ticket] { ledger->await(feedback_ticket); });
    if (key) ctx.key_id = key->id;
    ResponseGuard guard(*rt, chat, request_id, resp, decision);
    ctx.check_answer = guard.check();
    const bool shadow = !client_pool && ShadowRunner::wants(*rt, decision);  // also asked of the baseline, after the answer
    if (log_prompts || cache || shadow || guard.wants_stream_text()) ctx.partial = &answer;  // the answer's text (stored from a stream)
    if (cache) ctx.capture_body = &captured;
    ctx.pool = client_pool.get();
    if (req.has("x-switchyard-timeout-ms")) {
        const std::string& v = req.get("x-switchyard-timeout-ms");
        char* end = nullptr;
        long long ms = std::strtoll(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0' || ms <= 0 || ms > cfg.routing.max_request_timeout_ms)
            return send_error(req, resp, ApiError::bad_request("x-switchyard-timeout-ms must be a whole number of milliseconds from 1 to " +
                                                                   std::to_string(cfg.routing.max_request_timeout_ms),
                                                               "x-switchyard-timeout-ms"));
        ctx.deadline_ms = routing::steady_now_ms() + ms;
    }
    const int64_t call_ns = clock::steady_ns();
    int64_t other_attempts_cost = 0;  // a cascade's rejected answers and judges: paid for too
    if (client_pool) {
        // One attempt: no retry, fallback or cascade carries the request to the configured hosts,
        // and the client's host says nothing about the deployment's health.
        out = call_provider(ctx);
        decision.attempts = 1;
    } else if (is_cascade(*rt, decision)) {
        CascadeResult cascade = run_cascade(*rt, ctx);
        out = cascade.outcome;
        for (const CascadeAttempt& a : cascade.others) {
            record_metrics(*a.model, *a.deployment, chat, a.outcome, started_ns);
            other_attempts_cost += attempt_cost(*a.model, *a.deployment, chat, a.outcome);
        }
        decision.attempts = static_cast<int>(cascade.others.size()) + 1;
        if (cascade.model) {
            decision.model = cascade.model;
            decision.deployment = cascade.deployment;
            decision.reason += "; cascade: " + cascade.summary;
        }
        record_cascade(decision.router, cascade, other_attempts_cost);
    } else {
        out = call_with_retries(*rt, ctx, decision);
        other_attempts_cost += out.extra_cost_nano;  // stream attempts cut before a continuation
    }
    const int64_t answered_ns = clock::steady_ns();
    if (guard.stream_denied(out, answer.text)) cache.reset();  // recorded, and not cached
    if (cache)
        if (auto completion = completion_to_cache(chat, out, captured, answer, request_id, decision.model->config->name))
            cache->fill(*completion);
    record.outcome = &out;
    const config::ModelConfig& served = *decision.model->config;
    Usage used = usage_of(chat, out);
    const int64_t cost =
        (served.priced ? cost_nano_usd(decision.deployment->config->prices, used.input, used.cached, used.output) : 0) + other_attempts_cost;
    record.usage = used;
    record.cost_nano = served.priced || other_attempts_cost > 0 ? cost : -1;
    account_savings(*rt, chat, decision, used, record.cost_nano, record);
    routing::finish_session(decision);
    if (cost > 0) {  // a bounded label: only teams the config declares are named
        const std::string& team = key ? key->team : std::string();
        team_spend(team.empty() ? "none" : cfg.find_team(team) ? team : "other").inc(static_cast<double>(cost) / 1e9);
    }
    for_key.settle(cost, used.input + used.output);
    for_model.settle(cost, used.input + used.output);
    record_metrics(*decision.model, *decision.deployment, chat, out, started_ns);
    if (!out.client_gone && (out.stream_error || out.status >= 500 || out.status == 429)) {
        const char* kind = out.stream_error ? "stream_interrupted" : out.status == 504 ? "timeout"
                           : out.status == 429                 ? "rate_limited"
                                                               : "error";
        metrics::Gateway::get().upstream_errors.with({decision.deployment->provider->config().name, kind}).inc();
    }
    log_outcome(request_id, chat, decision, out);
    if (shadow) gateway_.shadow().submit(rt, chat, request_id, decision, out, answer.text);
    static metrics::Histogram& overhead = metrics::Gateway::get().overhead.with({});
    record.overhead_ns = (call_ns - started_ns) + (clock::steady_ns() - answered_ns);
    overhead.observe(static_cast<double>(record.overhead_ns) / 1e9);
}

}  // namespace sy::server
