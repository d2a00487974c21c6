#include <switchyard/tracing.hpp>

#include <chrono>
#include <random>
#include <utility>

#include "core/clock.hpp"

namespace sy::tracing {
namespace {

thread_local Trace* t_trace = nullptr;
thread_local size_t t_span = Trace::kRoot;
thread_local std::string t_passthrough;

template <size_t N>
void random_bytes(std::array<uint8_t, N>& out) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    for (size_t i = 0; i < N; i += 8) {
        uint64_t r = rng();
        for (size_t j = 0; j < 8 && i + j < N; ++j) out[i + j] = static_cast<uint8_t>(r >> (8 * j));
    }
}

template <size_t N>
bool all_zero(const std::array<uint8_t, N>& a) {
    for (uint8_t b : a)
        if (b) return false;
    return true;
}

int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // upper case is invalid in traceparent
}

template <size_t N>
bool parse_hex(std::string_view text, std::array<uint8_t, N>& out) {
    if (text.size() != 2 * N) return false;
    for (size_t i = 0; i < N; ++i) {
        int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return true;
}

}  // namespace

void swap_thread_state(ThreadState& other) {
    std::swap(t_trace, other.trace);
    std::swap(t_span, other.span);
    t_passthrough.swap(other.passthrough);
}

std::string hex(const uint8_t* bytes, size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(2 * n, '0');
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    return out;
}

std::optional<Parent> parse_traceparent(std::string_view h) {
    // version "00": 00-<trace-id>-<parent-id>-<flags>; later versions may append fields.
    if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
    if (h.substr(0, 2) == "ff" || (h.substr(0, 2) == "00" && h.size() != 55)) return std::nullopt;
    if (h.size() > 55 && h[55] != '-') return std::nullopt;  // a later version's extra fields
    Parent p;
    std::array<uint8_t, 1> flags{};
    std::array<uint8_t, 1> version{};
    if (!parse_hex(h.substr(0, 2), version) || !parse_hex(h.substr(3, 32), p.trace) ||
        !parse_hex(h.substr(36, 16), p.span) || !parse_hex(h.substr(53, 2), flags))
        return std::nullopt;
    if (all_zero(p.trace) || all_zero(p.span)) return std::nullopt;
    p.sampled = flags[0] & 1;
    return p;
}

std::string format_traceparent(const TraceId& trace, const SpanId& span, bool sampled) {
    return "00-" + hex(trace.data(), trace.size()) + "-" + hex(span.data(), span.size()) + (sampled ? "-01" : "-00");
}

int64_t unix_now_ns() { return clock::unix_ns(); }

Trace::Trace(const std::optional<Parent>& remote) {
    if (remote) id_ = remote->trace;
    else random_bytes(id_);
    spans_.reserve(8);
    Span& root = spans_.emplace_back();
    random_bytes(root.id);
    if (remote) root.parent = remote->span;
    root.kind = Kind::server;
    root.start_unix_ns = unix_now_ns();
}

size_t Trace::begin(std::string name, Kind kind, size_t parent) {
    Span s;
    random_bytes(s.id);
    s.parent = spans_[parent].id;
    s.name = std::move(name);
    s.kind = kind;
    s.start_unix_ns = unix_now_ns();
    spans_.push_back(std::move(s));
    return spans_.size() - 1;
}

void Trace::end(size_t span) {
    if (spans_[span].end_unix_ns == 0) spans_[span].end_unix_ns = unix_now_ns();
}

Trace* current() { return t_trace; }
size_t current_span() { return t_span; }

std::string upstream_traceparent() { return t_trace ? t_trace->traceparent(t_span) : t_passthrough; }

TraceScope::TraceScope(Trace* trace, std::string passthrough)
    : previous_(t_trace), previous_span_(t_span), previous_passthrough_(std::exchange(t_passthrough, std::move(passthrough))) {
    t_trace = trace;
    t_span = Trace::kRoot;
}

TraceScope::~TraceScope() {
    t_trace = previous_;
    t_span = previous_span_;
    t_passthrough = std::move(previous_passthrough_);
}

SpanScope::SpanScope(std::string_view name, Kind kind) : trace_(t_trace) {
    if (!trace_) return;
    span_ = trace_->begin(std::string(name), kind, t_span);
    previous_span_ = t_span;
    t_span = span_;
}

SpanScope::~SpanScope() {
    if (!trace_) return;
    trace_->end(span_);
    t_span = previous_span_;
}

void SpanScope::set(std::string key, std::string value) {
    if (trace_) trace_->span(span_).attributes.push_back({std::move(key), std::move(value)});
}
void SpanScope::set(std::string key, int64_t value) {
    if (trace_) trace_->span(span_).attributes.push_back({std::move(key), value});
}
void SpanScope::set(std::string key, double value) {
    if (trace_) trace_->span(span_).attributes.push_back({std::move(key), value});
}
void SpanScope::set(std::string key, bool value) {
    if (trace_) trace_->span(span_).attributes.push_back({std::move(key), value});
}

void SpanScope::fail(std::string message) {
    if (!trace_) return;
    Span& s = trace_->span(span_);
    s.error = true;
    s.status_message = std::move(message);
}

std::string SpanScope::traceparent() const { return trace_ ? trace_->traceparent(span_) : std::string(); }

}  // namespace sy::tracing
