#include "server/access_record.hpp"

#include <chrono>
#include <ctime>

#include "core/clock.hpp"
#include "core/json_out.hpp"
#include "policy/pii_detector.hpp"
#include "server/gateway.hpp"

namespace sy::server {
namespace {

void field_ms(JsonOut& w, const char* name, int64_t ns) {
    w.key(name);
    if (ns < 0) w.null();
    else w.number(static_cast<double>(ns / 1000) / 1000.0);
}

// Routing details for the request trace, as fields of its object: router scores, policy labels
// and fallbacks.
void write_routing(JsonOut& w, const routing::RouteDecision& d) {
    w.field("router", d.router);
    w.key("scores");
    w.begin_array();
    for (const auto& [model, score] : d.scores) {
        w.begin_object();
        w.field("model", model->config->name);
        w.key("score");
        w.number(score);
        w.end_object();
    }
    w.end_array();
    w.key("labels");
    w.begin_object();
    for (const auto& [k, v] : d.labels) w.field(k, v);
    w.end_object();
    w.key("fallbacks");
    w.begin_array();
    for (const auto& f : d.fallbacks) w.string(f);
    w.end_array();
}

}  // namespace

std::string utc_now() {
    auto now = std::chrono::system_clock::now();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
    thread_local std::time_t formatted_at = -1;  // every request formats it: once a second per thread
    thread_local char seconds[32];
    if (t != formatted_at) {
        std::tm tm{};
        gmtime_r(&t, &tm);
        std::strftime(seconds, sizeof seconds, "%Y-%m-%dT%H:%M:%S", &tm);
        formatted_at = t;
    }
    std::string out(seconds);
    out += '.';
    out += static_cast<char>('0' + ms / 100);
    out += static_cast<char>('0' + ms / 10 % 10);
    out += static_cast<char>('0' + ms % 10);
    out += 'Z';
    return out;
}

// The root span says what the access log says, in OpenTelemetry's terms (GenAI conventions).
void AccessRecord::finish_span_trace() const {
    tracing::Span& root = span_trace->span(tracing::Trace::kRoot);
    const int status = static_cast<int>(resp_.getStatus());
    root.name = "POST " + std::string(path);
    auto add = [&](const char* k, tracing::Attribute::Value v) { root.attributes.push_back({k, std::move(v)}); };
    add("http.request.method", std::string("POST"));
    add("url.path", std::string(path));
    add("http.response.status_code", int64_t{status});
    add("gen_ai.operation.name", std::string("chat"));
    add("switchyard.request_id", request_id_);
    if (chat) add("gen_ai.request.model", chat->model);
    if (decision && decision->model) {
        add("gen_ai.response.model", decision->model->config->name);
        add("switchyard.route", decision->reason);
        add("switchyard.attempts", int64_t{decision->attempts});
    }
    if (decision && decision->deployment) add("switchyard.provider", decision->deployment->provider->config().name);
    if (usage.input > 0 || usage.output > 0) {
        add("gen_ai.usage.input_tokens", usage.input);
        add("gen_ai.usage.output_tokens", usage.output);
    }
    if (cost_nano >= 0) add("switchyard.cost_usd", static_cast<double>(cost_nano) / 1e9);
    if (const config::ApiKeyConfig* k = key && *key ? key->get() : nullptr) {
        add("switchyard.key_id", k->id);
        if (!k->team.empty()) add("switchyard.team", k->team);
    }
    if (status >= 500 || (outcome && outcome->stream_error)) {
        root.error = true;
        root.status_message = outcome && !outcome->error.empty() ? outcome->error : "HTTP " + std::to_string(status);
    }
    span_trace->end(tracing::Trace::kRoot);
    if (TraceExporter* exporter = g_.tracer()) exporter->submit(*span_trace);
}

std::string AccessRecord::prompt_fields() const {
    if (!chat) return {};
    ChatRequest full;  // the messages as sent (the request path keeps only what routing reads)
    if (parse_chat_request(chat->body, full, true)) return {};
    uint32_t kinds = 0, k = 0;
    std::string out;
    JsonOut w(out);
    w.begin_object();
    w.key("messages");
    w.begin_array();
    for (const MessageText& m : full.messages) {
        w.begin_object();
        w.field("role", m.role);
        w.field("content", policy::redact_pii(m.text, &k));
        kinds |= k;
        w.end_object();
    }
    w.end_array();
    w.field("answer", policy::redact_pii(*answer, &k));
    kinds |= k;
    w.key("redacted");  // the kinds replaced, never the values
    w.begin_array();
    for (int i = 0; i < policy::kPiiKinds; ++i)
        if (kinds & (1u << i)) w.string(policy::pii_kind_name(static_cast<policy::PiiKind>(i)));
    w.end_array();
    w.end_object();
    w.finish();
    out.front() = ',';  // {..., "messages": ...}: spliced into the line without its braces
    out.pop_back();
    return out;
}

void AccessRecord::write_fields(JsonOut& w) const {
    w.field("ts", utc_now());
    w.field("request_id", request_id_);
    w.key("status");
    w.integer(static_cast<int>(resp_.getStatus()));
    const config::ApiKeyConfig* k = key && *key ? key->get() : nullptr;
    w.field("key", k ? k->id : "");
    w.field("team", k ? k->team : "");
    w.field("tier", k ? k->tier : "");
    w.field("model_requested", chat ? chat->model : "");
    w.key("stream");
    w.boolean(chat && chat->stream);
    w.field("model", decision && decision->model ? decision->model->config->name : "");
    w.field("provider", decision && decision->deployment ? decision->deployment->provider->config().name : "");
    w.field("route", decision ? decision->reason : "");
    w.field("router", decision ? decision->router : "");
    if (pii && !pii->empty()) w.field("pii", *pii);
    w.key("attempts");
    w.integer(decision ? decision->attempts : 0);
    w.key("tokens_in");
    w.integer(usage.input);
    w.key("tokens_out");
    w.integer(usage.output);
    w.key("tokens_cached");
    w.integer(usage.cached);
    w.field("usage", usage.estimated ? "estimated" : "reported");
    w.key("cost_usd");
    if (cost_nano < 0) w.null();
    else w.number(static_cast<double>(cost_nano) / 1e9);
    w.field("baseline_model", baseline_model);
    w.key("cost_baseline_usd");
    if (cost_baseline_nano < 0) w.null();
    else w.number(static_cast<double>(cost_baseline_nano) / 1e9);
    field_ms(w, "latency_ms", clock::steady_ns() - started_ns_);
    field_ms(w, "ttft_ms", outcome && outcome->first_byte_ns > 0 ? outcome->first_byte_ns - started_ns_ : -1);
    field_ms(w, "overhead_ms", overhead_ns);
    w.key("client_gone");
    w.boolean(outcome && outcome->client_gone);
    w.field("error", outcome ? outcome->error : "");
}

AccessRecord::~AccessRecord() {
    if (span_trace) finish_span_trace();
    const bool log = g_.access_log().enabled(), trace = g_.traces().enabled();
    if (!log && !trace) return;
    std::string fields;
    fields.reserve(1024);  // a line is most of a kilobyte: one allocation rather than several
    JsonOut w(fields);
    w.begin_object();
    write_fields(w);
    std::string line;
    if (log) {  // the log line is these fields; the trace goes on with the routing details
        line.reserve(w.text().size() + 1);
        line.assign(w.text()).push_back('}');
        if (answer) {  // prompts and answers, personal data redacted: the log line only
            std::string extra = prompt_fields();
            if (!extra.empty()) line.insert(line.size() - 1, extra);
        }
    }
    if (trace) {
        if (decision) write_routing(w, *decision);
        w.end_object();
        w.finish();
        g_.traces().add(request_id_, std::move(fields));
    }
    if (log) g_.access_log().write(std::move(line));
}

}  // namespace sy::server
