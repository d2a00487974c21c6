#include "server/access_record.hpp"

#include <chrono>
#include <ctime>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/clock.hpp"
#include "policy/pii_detector.hpp"
#include "server/gateway.hpp"

namespace sy::server {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void field(JsonWriter& w, const char* name, std::string_view value) {
    w.Key(name);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void field_ms(JsonWriter& w, const char* name, int64_t ns) {
    w.Key(name);
    if (ns < 0) w.Null();
    else w.Double(static_cast<double>(ns / 1000) / 1000.0);
}


// Routing details for the request trace, as fields of its object: router scores, policy labels
// and fallbacks.
void write_routing(JsonWriter& w, const routing::RouteDecision& d) {
    field(w, "router", d.router);
    w.Key("scores");
    w.StartArray();
    for (const auto& [model, score] : d.scores) {
        w.StartObject();
        field(w, "model", model->config->name);
        w.Key("score");
        w.Double(score);
        w.EndObject();
    }
    w.EndArray();
    w.Key("labels");
    w.StartObject();
    for (const auto& [k, v] : d.labels) {
        w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
        w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    }
    w.EndObject();
    w.Key("fallbacks");
    w.StartArray();
    for (const auto& f : d.fallbacks) w.String(f.c_str(), static_cast<rapidjson::SizeType>(f.size()));
    w.EndArray();
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
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    w.Key("messages");
    w.StartArray();
    for (const MessageText& m : full.messages) {
        w.StartObject();
        field(w, "role", m.role);
        field(w, "content", policy::redact_pii(m.text, &k));
        kinds |= k;
        w.EndObject();
    }
    w.EndArray();
    field(w, "answer", policy::redact_pii(*answer, &k));
    kinds |= k;
    w.Key("redacted");  // the kinds replaced, never the values
    w.StartArray();
    for (int i = 0; i < policy::kPiiKinds; ++i)
        if (kinds & (1u << i)) w.String(policy::pii_kind_name(static_cast<policy::PiiKind>(i)));
    w.EndArray();
    w.EndObject();
    std::string out(sb.GetString(), sb.GetSize());
    out.front() = ',';  // {..., "messages": ...}: spliced into the line without its braces
    out.pop_back();
    return out;
}

template <typename JsonWriter>
void AccessRecord::write_fields(JsonWriter& w) const {
    field(w, "ts", utc_now());
    field(w, "request_id", request_id_);
    w.Key("status");
    w.Int(static_cast<int>(resp_.getStatus()));
    const config::ApiKeyConfig* k = key && *key ? key->get() : nullptr;
    field(w, "key", k ? k->id : "");
    field(w, "team", k ? k->team : "");
    field(w, "tier", k ? k->tier : "");
    field(w, "model_requested", chat ? chat->model : "");
    w.Key("stream");
    w.Bool(chat && chat->stream);
    field(w, "model", decision && decision->model ? decision->model->config->name : "");
    field(w, "provider", decision && decision->deployment ? decision->deployment->provider->config().name : "");
    field(w, "route", decision ? decision->reason : "");
    field(w, "router", decision ? decision->router : "");
    if (pii && !pii->empty()) field(w, "pii", *pii);
    w.Key("attempts");
    w.Int(decision ? decision->attempts : 0);
    w.Key("tokens_in");
    w.Int64(usage.input);
    w.Key("tokens_out");
    w.Int64(usage.output);
    w.Key("tokens_cached");
    w.Int64(usage.cached);
    field(w, "usage", usage.estimated ? "estimated" : "reported");
    w.Key("cost_usd");
    if (cost_nano < 0) w.Null();
    else w.Double(static_cast<double>(cost_nano) / 1e9);
    field(w, "baseline_model", baseline_model);
    w.Key("cost_baseline_usd");
    if (cost_baseline_nano < 0) w.Null();
    else w.Double(static_cast<double>(cost_baseline_nano) / 1e9);
    field_ms(w, "latency_ms", clock::steady_ns() - started_ns_);
    field_ms(w, "ttft_ms", outcome && outcome->first_byte_ns > 0 ? outcome->first_byte_ns - started_ns_ : -1);
    field_ms(w, "overhead_ms", overhead_ns);
    w.Key("client_gone");
    w.Bool(outcome && outcome->client_gone);
    field(w, "error", outcome ? outcome->error : "");
}

AccessRecord::~AccessRecord() {
    if (span_trace) finish_span_trace();
    const bool log = g_.access_log().enabled(), trace = g_.traces().enabled();
    if (!log && !trace) return;
    rapidjson::StringBuffer sb;
    sb.Reserve(1024);  // a line is most of a kilobyte: one allocation rather than several
    JsonWriter w(sb);
    w.StartObject();
    write_fields(w);
    std::string line;
    if (log) {  // the log line is these fields; the trace goes on with the routing details
        line.reserve(sb.GetSize() + 1);
        line.assign(sb.GetString(), sb.GetSize()).push_back('}');
        if (answer) {  // prompts and answers, personal data redacted: the log line only
            std::string extra = prompt_fields();
            if (!extra.empty()) line.insert(line.size() - 1, extra);
        }
    }
    if (trace) {
        if (decision) write_routing(w, *decision);
        w.EndObject();
        g_.traces().add(request_id_, std::string(sb.GetString(), sb.GetSize()));
    }
    if (log) g_.access_log().write(std::move(line));
}

}  // namespace sy::server
