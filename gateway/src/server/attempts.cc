#include "server/attempts.hpp"

#include <atomic>
#include <chrono>
#include <random>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "core/clock.hpp"
#include "routing/deployment_health.hpp"
#include "server/attempt_span.hpp"
#include "server/continuation.hpp"
#include "server/deployment_queue.hpp"
#include "server/http_util.hpp"
#include "server/response_headers.hpp"

namespace sy::server {
namespace {

// Retries may be at most `budget` of the requests of a 10 s window (plus a floor), so that
// retries never multiply an outage.
class RetryBudget {
public:
    void note_request() {
        roll();
        requests_.fetch_add(1, std::memory_order_relaxed);
    }
    bool take(const config::RoutingConfig::Retries& cfg) {
        roll();
        int64_t allowed = std::max<int64_t>(cfg.min_per_window,
                                            static_cast<int64_t>(cfg.budget * static_cast<double>(requests_.load())));
        if (retries_.fetch_add(1) + 1 <= allowed) return true;
        retries_.fetch_sub(1);
        return false;
    }

private:
    void roll() {
        int64_t now = routing::steady_now_ms() / 10000;
        int64_t window = window_.load(std::memory_order_relaxed);
        if (now != window && window_.compare_exchange_strong(window, now)) {
            requests_.store(0);
            retries_.store(0);
        }
    }
    std::atomic<int64_t> window_{0};
    std::atomic<int64_t> requests_{0};
    std::atomic<int64_t> retries_{0};
};

RetryBudget& budget() {
    static RetryBudget b;
    return b;
}

int64_t retry_after_ms(const ApiError& e) {
    if (e.status != 429 || e.retry_after.empty()) return 0;
    char* end = nullptr;
    double s = std::strtod(e.retry_after.c_str(), &end);
    return end != e.retry_after.c_str() && s > 0 ? static_cast<int64_t>(s * 1000) : 0;
}

// Waits before a retry (exponential, with full jitter), or returns false when the client left.
bool back_off(const config::RoutingConfig::Retries& cfg, int retry, int client_fd) {
    int64_t cap = cfg.backoff_ms;
    for (int i = 1; i < retry && cap < cfg.max_backoff_ms; ++i) cap *= 2;
    cap = std::min<int64_t>(cap, cfg.max_backoff_ms);
    if (cap <= 0) return true;
    thread_local std::mt19937_64 rng{std::random_device{}()};
    int64_t wait = std::uniform_int_distribution<int64_t>(cap / 2, cap)(rng);
    return sleep_unless_gone(static_cast<uint64_t>(wait) * 1000, client_fd);
}

void set_route_headers(Poco::Net::HTTPServerResponse& resp, const routing::RouteDecision& d) {
    set_header(resp, "x-switchyard-model", d.model->config->name);
    set_header(resp, "x-switchyard-provider", d.deployment->provider->config().name);
    set_header(resp, "x-switchyard-route", d.reason);
}

// Counts an attempt against the deployment's per-minute capacity (rpm, and tpm by the prompt).
void note_attempt(const routing::Deployment& dep, const routing::RouteDecision& d, int64_t now_ms) {
    dep.health->requests_per_minute.add(1, now_ms);
    dep.health->tokens_per_minute.add(d.input_tokens, now_ms);
}

// Adds the answer's output tokens to the deployment's minute, and its latency to the averages
// that lowest_latency balancing reads.
void note_answer(const routing::Deployment& dep, const ChatRequest& req, const CallOutcome& out, int64_t started_ns,
                 int64_t now_ms) {
    int64_t tokens = out.usage.completion_tokens >= 0 ? out.usage.completion_tokens
                     : req.stream                     ? out.relayed_events
                                                      : out.relayed_bytes / 4;
    if (tokens > 0) dep.health->tokens_per_minute.add(tokens, now_ms);
    if (out.status != 200 || out.stream_error || out.client_gone || out.first_byte_ns <= 0) return;
    int64_t end_ns = clock::steady_ns();
    dep.health->latency.record((out.first_byte_ns - started_ns) / 1000, (end_ns - out.first_byte_ns) / 1000, tokens,
                               req.stream);
}

bool is_content_filter(const ApiError& e) { return e.code == "content_filter"; }

const char* reason_of(const ApiError& e) {
    return is_content_filter(e) ? "content_filtered" : e.status == 429 ? "rate_limited" : "unavailable";
}

// How a fallback hop reads in x-switchyard-route: "after 503", or "(content filter)".
std::string hop_cause(const ApiError& e) {
    return is_content_filter(e) ? "(content filter)" : "after " + std::to_string(e.status);
}

}  // namespace

void note_request_for_retry_budget() { budget().note_request(); }

std::vector<const routing::Model*> fallbacks_for(const routing::Runtime& rt, const routing::RouteDecision& decision) {
    std::vector<const routing::Model*> out;
    for (const auto& name : decision.fallbacks)
        if (const routing::Model* m = rt.find_model(name)) out.push_back(m);
    return out.empty() ? rt.fallbacks_of(*decision.model) : out;
}

std::optional<ApiError> fit_context_window(const routing::Runtime& rt, const ChatRequest& chat,
                                           routing::RouteDecision& decision) {
    const int64_t need = chat.prompt_tokens + std::max<int64_t>(0, chat.max_tokens);
    auto fits = [&](const routing::Model& m) { return m.config->context_window <= 0 || need <= m.config->context_window; };
    if (fits(*decision.model)) return std::nullopt;
    for (const routing::Model* m : fallbacks_for(rt, decision)) {
        if (!fits(*m) || m->config->context_window <= 0) continue;
        const routing::Deployment* dep = routing::Runtime::pick_deployment(*m, routing::pick_of(decision));
        if (!dep) continue;
        metrics::Gateway::get().fallbacks.with({"context_window"}).inc();
        decision.reason += "; fallback " + m->config->name + " (context window)";
        decision.model = m;
        decision.deployment = dep;
        return std::nullopt;
    }
    return ApiError::bad_request("This request needs about " + std::to_string(need) + " tokens (prompt estimate plus max_tokens) and model '" +
                                     decision.model->config->name + "' holds " +
                                     std::to_string(decision.model->config->context_window) +
                                     "; no fallback model with a larger context window is configured",
                                 "messages", "context_length_exceeded");
}

CallOutcome call_with_retries(const routing::Runtime& rt, CallContext& ctx, routing::RouteDecision& decision) {
    const auto& cfg = rt.config().routing;
    std::vector<const routing::Model*> fallbacks = fallbacks_for(rt, decision);
    size_t next_fallback = 0;
    std::vector<const routing::Deployment*> tried;
    int retries = 0;
    // A model that continues cut streams: the client's stream is kept here, with its text so far.
    std::optional<SseSink> sink;
    PartialAnswer own;
    PartialAnswer* const given = ctx.partial;  // the access log's, when it records answers
    if (decision.model->config->continue_on_failure && ctx.request.stream) {
        sink.emplace(ctx.request_http, ctx.response);
        ctx.sink = &*sink;
        if (!ctx.partial) ctx.partial = &own;
        ctx.partial->continue_cut = true;
    }
    struct Detach {
        CallContext& c;
        PartialAnswer* given;
        ~Detach() { c.sink = nullptr, c.partial = given; }
    } detach{ctx, given};
    // Everything cools down or is full: wait for a deployment rather than go in panic mode.
    if (cfg.queue.max_wait_ms > 0 && !routing::Runtime::is_open(*decision.deployment, routing::pick_of(decision))) {
        QueueWait w = wait_for_deployment(cfg.queue, decision, ctx.key_id, ctx.client_fd, ctx.deadline_ms);
        CallOutcome out;
        out.client_gone = w.client_gone;
        if (w.error) {
            send_error(ctx.request_http, ctx.response, *w.error);
            out.status = w.error->status;
            out.error = w.error->message;
        }
        if (w.error || w.client_gone) return out;
        decision.reason += "; queued";
    }
    const char* hop = "first";  // why the next attempt is made (its span says)
    for (;;) {
        set_route_headers(ctx.response, decision);
        // Keep a failure unsent while something else could still answer.
        ctx.defer_errors = retries < cfg.retries.attempts || next_fallback < fallbacks.size();
        ctx.defer_content_filter = next_fallback < fallbacks.size();
        const routing::Deployment& dep = *decision.deployment;
        const int64_t started_ns = clock::steady_ns();
        note_attempt(dep, decision, routing::steady_now_ms());
        dep.health->inflight.fetch_add(1, std::memory_order_relaxed);
        AttemptSpan span(dep, decision.attempts + 1, hop);
        CallOutcome out = call_provider(ctx);
        span.finish(out);
        ++decision.attempts;
        dep.health->inflight.fetch_sub(1, std::memory_order_relaxed);
        const int64_t now = routing::steady_now_ms();
        note_answer(dep, ctx.request, out, started_ns, now);
        // A content filter's refusal is the model's, not the deployment's: no retry, no ejection.
        const bool filtered = out.deferred && is_content_filter(*out.deferred);
        const bool failed = !filtered && (out.deferred || (!out.client_gone && out.status > 0 && is_retryable(out.status)));
        if (failed) dep.health->record_failure(cfg.outliers, now, out.deferred ? retry_after_ms(*out.deferred) : 0);
        else if (out.status > 0 && out.status < 500 && !out.cut) dep.health->record_success();
        if (out.cut) {
            tried.push_back(&dep);
            return continue_stream(rt, ctx, decision, std::move(out), tried);
        }
        if (!out.deferred) return out;

        tried.push_back(&dep);
        const ApiError failure = *out.deferred;
        const routing::Deployment* next = nullptr;
        if (!filtered && retries < cfg.retries.attempts) {
            next = routing::Runtime::pick_deployment(*decision.model, routing::pick_of(decision, &tried));
            if (next && !budget().take(cfg.retries)) {
                static metrics::Series& exhausted = metrics::Gateway::get().fallbacks.with({"retry_budget_exhausted"});
                exhausted.inc();
                next = nullptr;
            }
            if (next && ctx.deadline_ms > 0 && routing::steady_now_ms() + cfg.retries.backoff_ms >= ctx.deadline_ms)
                next = nullptr;  // no time left for another attempt
            if (next) {
                ++retries;
                metrics::Gateway::get().retries.with({dep.provider->config().name}).inc();
                if (!back_off(cfg.retries, retries, ctx.client_fd)) {
                    out.client_gone = true;
                    return out;
                }
                decision.reason += "; retry " + next->provider->config().name + " after " + std::to_string(failure.status);
                decision.deployment = next;
                hop = "retry";
                continue;
            }
        }
        while (!next && next_fallback < fallbacks.size() && budget().take(cfg.retries)) {
            const routing::Model* m = fallbacks[next_fallback++];
            next = routing::Runtime::pick_deployment(*m, routing::pick_of(decision));
            if (!next) continue;
            metrics::Gateway::get().fallbacks.with({reason_of(failure)}).inc();
            decision.reason += "; fallback " + m->config->name + " " + hop_cause(failure);
            log::info("retry", ctx.request_id + " falls back from " + decision.model->config->name + " to " +
                                   m->config->name + " (" + hop_cause(failure) + ")");
            decision.model = m;
            decision.deployment = next;
            tried.clear();
            hop = "fallback";
        }
        if (next) continue;
        // Nothing left to try: the client gets the last failure.
        send_error(ctx.request_http, ctx.response, failure);
        out.deferred.reset();
        return out;
    }
}

}  // namespace sy::server
