#include "server/trace_exporter.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <random>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "core/secrets.hpp"
#include "upstream/endpoint.hpp"
#include "upstream/http_exchange.hpp"

namespace sy::server {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_value(Writer& w, const tracing::Attribute& a) {
    w.StartObject();
    if (const auto* s = std::get_if<std::string>(&a.value)) {
        w.Key("stringValue");
        w.String(s->data(), static_cast<rapidjson::SizeType>(s->size()));
    } else if (const auto* i = std::get_if<int64_t>(&a.value)) {
        w.Key("intValue");  // int64 is a string in OTLP JSON
        w.String(std::to_string(*i).c_str());
    } else if (const auto* d = std::get_if<double>(&a.value)) {
        w.Key("doubleValue");
        w.Double(*d);
    } else {
        w.Key("boolValue");
        w.Bool(std::get<bool>(a.value));
    }
    w.EndObject();
}

void write_span(Writer& w, const tracing::TraceId& trace, const tracing::Span& s) {
    static const tracing::SpanId kNone{};
    w.StartObject();
    w.Key("traceId"), w.String(tracing::hex(trace.data(), trace.size()).c_str());
    w.Key("spanId"), w.String(tracing::hex(s.id.data(), s.id.size()).c_str());
    if (s.parent != kNone) w.Key("parentSpanId"), w.String(tracing::hex(s.parent.data(), s.parent.size()).c_str());
    w.Key("name"), w.String(s.name.c_str());
    w.Key("kind"), w.Int(static_cast<int>(s.kind));
    w.Key("startTimeUnixNano"), w.String(std::to_string(s.start_unix_ns).c_str());
    w.Key("endTimeUnixNano"), w.String(std::to_string(s.end_unix_ns ? s.end_unix_ns : s.start_unix_ns).c_str());
    w.Key("attributes");
    w.StartArray();
    for (const tracing::Attribute& a : s.attributes) {
        w.StartObject();
        w.Key("key"), w.String(a.key.c_str());
        w.Key("value");
        write_value(w, a);
        w.EndObject();
    }
    w.EndArray();
    w.Key("status");
    w.StartObject();
    w.Key("code"), w.Int(s.error ? 2 : 1);  // STATUS_CODE_ERROR : STATUS_CODE_OK
    if (s.error) w.Key("message"), w.String(s.status_message.c_str());
    w.EndObject();
    w.EndObject();
}

metrics::Series& spans_counter(const char* outcome) {
    return metrics::Gateway::get().trace_spans.with({outcome});
}

}  // namespace

std::string otlp_json(const std::string& service_name, const std::vector<FinishedTrace>& batch) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    w.Key("resourceSpans"), w.StartArray(), w.StartObject();
    w.Key("resource"), w.StartObject(), w.Key("attributes"), w.StartArray();
    w.StartObject(), w.Key("key"), w.String("service.name");
    w.Key("value"), w.StartObject(), w.Key("stringValue"), w.String(service_name.c_str()), w.EndObject();
    w.EndObject();
    w.EndArray(), w.EndObject();
    w.Key("scopeSpans"), w.StartArray(), w.StartObject();
    w.Key("scope"), w.StartObject(), w.Key("name"), w.String("switchyard"), w.EndObject();
    w.Key("spans"), w.StartArray();
    for (const FinishedTrace& t : batch)
        for (const tracing::Span& s : t.spans) write_span(w, t.id, s);
    w.EndArray();
    w.EndObject(), w.EndArray();
    w.EndObject(), w.EndArray();
    w.EndObject();
    return {sb.GetString(), sb.GetSize()};
}

std::unique_ptr<TraceExporter> TraceExporter::create(const config::TracingConfig& cfg, std::string& error) {
    auto ep = upstream::parse_base_url(cfg.endpoint, error);
    if (!ep) {
        error = "endpoint: " + error;
        return nullptr;
    }
    auto tls = upstream::tls_for(*ep, {cfg.tls_verify, cfg.tls_ca_file}, error);
    if (ep->tls && !tls) return nullptr;
    auto pool = std::make_unique<upstream::ConnectionPool>(*ep, 2, std::move(tls));
    return std::unique_ptr<TraceExporter>(new TraceExporter(cfg, std::move(pool)));
}

TraceExporter::TraceExporter(const config::TracingConfig& cfg, std::unique_ptr<upstream::ConnectionPool> pool)
    : cfg_(cfg), pool_(std::move(pool)), thread_([this] { run(); }) {}

TraceExporter::~TraceExporter() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

bool TraceExporter::sample(const std::optional<tracing::Parent>& parent) const {
    if (parent) return parent->sampled;
    if (cfg_.sample_ratio >= 1.0) return true;
    if (cfg_.sample_ratio <= 0.0) return false;
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < cfg_.sample_ratio;
}

void TraceExporter::submit(tracing::Trace& trace) {
    FinishedTrace t{trace.id(), trace.take_spans()};
    const size_t n = t.spans.size();
    {
        std::lock_guard lock(mu_);
        if (queued_spans_ + n <= static_cast<size_t>(cfg_.queue_size)) {
            queued_spans_ += n;
            queue_.push_back(std::move(t));
            if (queued_spans_ >= static_cast<size_t>(cfg_.batch_size)) wake_.notify_one();
            return;
        }
    }
    static metrics::Series& dropped = spans_counter("dropped_queue_full");
    dropped.inc(static_cast<double>(n));
}

void TraceExporter::run() {
    std::unique_lock lock(mu_);
    for (;;) {
        wake_.wait_for(lock, std::chrono::milliseconds(cfg_.flush_interval_ms), [this] {
            return stop_ || queued_spans_ >= static_cast<size_t>(cfg_.batch_size);
        });
        if (queue_.empty()) {
            if (stop_) return;
            continue;
        }
        // Take up to batch_size spans (whole traces).
        std::vector<FinishedTrace> batch;
        size_t spans = 0;
        while (!queue_.empty() && (batch.empty() || spans + queue_.front().spans.size() <= static_cast<size_t>(cfg_.batch_size))) {
            spans += queue_.front().spans.size();
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        queued_spans_ -= spans;
        lock.unlock();
        static metrics::Series& exported = spans_counter("exported");
        static metrics::Series& failed = spans_counter("dropped_export_failed");
        std::string why = send(batch);
        (why.empty() ? exported : failed).inc(static_cast<double>(spans));
        if (!why.empty() && !failing_) log::warn("tracing", "cannot export spans to " + cfg_.endpoint + ": " + why +
                                                                "; dropping them until it works again");
        if (why.empty() && failing_) log::info("tracing", "exporting spans to " + cfg_.endpoint + " again");
        failing_ = !why.empty();
        lock.lock();
    }
}

std::string TraceExporter::send(const std::vector<FinishedTrace>& batch) {
    sy_http_builder req;
    req.method = "POST";
    req.path = "/v1/traces";
    req.headers = cfg_.headers;
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = otlp_json(cfg_.service_name, batch);
    secrets::scrub(req.body);
    config::TimeoutConfig t{cfg_.timeout_ms, cfg_.timeout_ms, cfg_.timeout_ms, cfg_.timeout_ms};
    upstream::HttpExchange ex(*pool_, t, -1);
    upstream::ExchangeError io;
    std::string body;
    if (!ex.start(req, io) || !ex.read_all(body, 64 * 1024, io)) return io.message.empty() ? "no answer" : io.message;
    if (ex.head().status < 200 || ex.head().status > 299) return "the collector answered HTTP " + std::to_string(ex.head().status);
    return {};
}

}  // namespace sy::server
