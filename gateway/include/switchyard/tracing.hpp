// OpenTelemetry traces of requests. A sampled request gets a Trace: a root span and children
// (routing, policy, router, admission, one client span per upstream attempt) that the request's
// thread opens with SpanScope. The Trace is "current" on that thread for the request's life, so
// code deep in the request path adds spans without a parameter for it; an unsampled request has
// no current Trace and every SpanScope is a no-op. Finished traces go to the Exporter
// (tracing_exporter.hpp), which batches them to an OTLP/HTTP collector off the request path.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sy::tracing {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

enum class Kind : int { internal = 1, server = 2, client = 3 };  // OTLP SpanKind values

struct Attribute {
    using Value = std::variant<std::string, int64_t, double, bool>;
    std::string key;
    Value value;
};

struct Span {
    SpanId id{};
    SpanId parent{};  // all zero: a root without a remote parent
    std::string name;
    Kind kind = Kind::internal;
    int64_t start_unix_ns = 0;
    int64_t end_unix_ns = 0;
    std::vector<Attribute> attributes;
    bool error = false;
    std::string status_message;  // why it failed
};

// A W3C trace context (the traceparent header).
struct Parent {
    TraceId trace{};
    SpanId span{};
    bool sampled = false;
};
// Parses "00-<32 hex>-<16 hex>-<2 hex>"; nullopt when malformed or all-zero ids.
std::optional<Parent> parse_traceparent(std::string_view header);
std::string format_traceparent(const TraceId& trace, const SpanId& span, bool sampled);
std::string hex(const uint8_t* bytes, size_t n);

int64_t unix_now_ns();

class Trace {
public:
    // A new trace, or one continuing the client's (remote parent).
    explicit Trace(const std::optional<Parent>& remote);

    static constexpr size_t kRoot = 0;
    // Starts a span under `parent` (an index from begin, or kRoot); returns its index.
    size_t begin(std::string name, Kind kind, size_t parent);
    void end(size_t span);
    Span& span(size_t i) { return spans_[i]; }
    const TraceId& id() const { return id_; }
    // The traceparent to send upstream from `span`.
    std::string traceparent(size_t span) const { return format_traceparent(id_, spans_[span].id, true); }
    std::vector<Span> take_spans() { return std::move(spans_); }

private:
    TraceId id_{};
    std::vector<Span> spans_;  // [0] is the root
};

// The current request's trace on this thread (null when unsampled), and the span new
// SpanScopes hang from.
Trace* current();
size_t current_span();

// The traceparent an upstream call made now sends: the current span's in a sampled request;
// in an unsampled one, the client's own header passed through unchanged (or none).
std::string upstream_traceparent();

// Makes a trace current on this thread for a scope (the request handler's). `passthrough` is
// the client's traceparent, forwarded upstream when the request is not sampled.
class TraceScope {
public:
    explicit TraceScope(Trace* trace, std::string passthrough = {});
    ~TraceScope();
    TraceScope(const TraceScope&) = delete;
    TraceScope& operator=(const TraceScope&) = delete;

private:
    Trace* previous_;
    size_t previous_span_;
    std::string previous_passthrough_;
};

// This thread's current trace, span and passthrough as a value. A request that moves between
// threads (a fiber, server/edge_fibers) takes it along: the scheduler swaps it in and out.
struct ThreadState {
    Trace* trace = nullptr;
    size_t span = Trace::kRoot;
    std::string passthrough;
};
void swap_thread_state(ThreadState& other);

// A child of the current span for a scope; it is the current span meanwhile. No-op without a
// current trace.
class SpanScope {
public:
    explicit SpanScope(std::string_view name, Kind kind = Kind::internal);
    ~SpanScope();
    SpanScope(const SpanScope&) = delete;
    SpanScope& operator=(const SpanScope&) = delete;

    bool active() const { return trace_ != nullptr; }
    void set(std::string key, std::string value);
    void set(std::string key, const char* value) { set(std::move(key), std::string(value)); }
    void set(std::string key, int64_t value);
    void set(std::string key, double value);
    void set(std::string key, bool value);
    void fail(std::string message);
    // The traceparent an upstream call in this span sends.
    std::string traceparent() const;

private:
    Trace* trace_;
    size_t span_ = 0;
    size_t previous_span_ = 0;
};

}  // namespace sy::tracing
