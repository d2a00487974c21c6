#include "server/provider_call.hpp"

#include <poll.h>

#include <chrono>

#include <rapidjson/document.h>

#include <switchyard/api_error.hpp>
#include <switchyard/log.hpp>
#include <switchyard/tracing.hpp>

#include "core/fiber.hpp"
#include "server/http_util.hpp"
#include "server/upstream_failure.hpp"
#include "upstream/event_parser.hpp"
#include "upstream/http_exchange.hpp"

namespace sy::server {

using plugin::to_sy_str;
using upstream::IoStatus;

ApiError error_from_status(sy_status st, const plugin::ProviderInstance& prov, const std::string& detail) {
    std::string message = "provider '" + prov.config().name + "': " + detail;
    if (st == SY_ERR_BAD_REQUEST || st == SY_ERR_UNSUPPORTED)
        return ApiError::bad_request(message, {}, st == SY_ERR_UNSUPPORTED ? "unsupported" : "invalid_request");
    // An in-process provider has no upstream: its generic failure (an exception) is the plugin's.
    if (st == SY_ERR && prov.is_local()) return ApiError{500, "api_error", "plugin_error", message, {}, {}};
    return ApiError::upstream(502, message, "upstream_invalid_response");
}

namespace {

// Answers the client with the error, or keeps it for the caller to retry elsewhere when the
// caller asked for that and the error is one another deployment may not have.
void fail(const CallContext& ctx, CallOutcome& out, const ApiError& e) {
    out.status = e.status;
    out.error = e.message;
    if ((ctx.defer_errors && is_retryable(e.status)) || (ctx.defer_content_filter && e.code == "content_filter") ||
        (ctx.sink && ctx.sink->started())) {
        out.deferred = e;
        return;
    }
    send_error(ctx.request_http, ctx.response, e);
}

// Appends the content of every choice's `field` ("delta" in chunks, "message" in whole answers)
// in an OpenAI JSON object; a tool call makes the answer one that cannot be continued.
void append_content(std::string_view json, const char* field, PartialAnswer& partial) {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("choices") || !d["choices"].IsArray()) return;
    for (const auto& choice : d["choices"].GetArray()) {
        if (!choice.IsObject() || !choice.HasMember(field) || !choice[field].IsObject()) continue;
        const auto& part = choice[field];
        if (part.HasMember("tool_calls")) partial.continuable = false;
        if (part.HasMember("content") && part["content"].IsString())
            partial.text.append(part["content"].GetString(), part["content"].GetStringLength());
    }
}

// The content deltas of OpenAI chunk frames ("data: {...}\n\n").
void collect_partial(std::string_view frames, PartialAnswer& partial) {
    size_t pos = 0;
    while (partial.continuable && (pos = frames.find("data: ", pos)) != std::string_view::npos) {
        size_t end = frames.find("\n\n", pos);
        std::string_view json = frames.substr(pos + 6, end == std::string_view::npos ? end : end - pos - 6);
        pos = end == std::string_view::npos ? frames.size() : end;
        append_content(json, "delta", partial);
    }
}

// The message content of a whole chat.completion answer, for the access log.
void collect_message(const std::string& body, PartialAnswer& partial) { append_content(body, "message", partial); }

// Keeps the text of frames about to be sent, when the answer is kept.
void keep_text(const CallContext& ctx, std::string_view frames) {
    if (ctx.partial && ctx.partial->continuable && !frames.empty()) collect_partial(frames, *ctx.partial);
}

// Relays frames, keeping their text when the answer is kept.
bool relay_frames(const CallContext& ctx, SseSink& sink, std::string& frames) {
    keep_text(ctx, frames);
    return sink.write(frames);
}

// A stream cut mid-way: sends what is pending and leaves the stream open for a continuation
// (CallOutcome::cut), when the model continues cut streams; false when it does not.
bool leave_open(const CallContext& ctx, SseSink& sink, std::string& frames, const ApiError& failure, CallOutcome& out) {
    if (!ctx.partial || !ctx.partial->continue_cut || !ctx.partial->continuable) return false;
    if (!relay_frames(ctx, sink, frames)) {
        out.client_gone = true;
        return true;
    }
    if (!ctx.partial->continuable) return false;  // the pending frames held a tool call
    out.cut = failure;
    out.error = failure.message;
    return true;
}

// A whole answer the provider's content filter emptied, kept back when another model may answer.
bool defer_filtered_answer(const CallContext& ctx, const sy_response_writer& w, CallOutcome& out) {
    if (!ctx.defer_content_filter || w.finish_reason != "content_filter") return false;
    fail(ctx, out, ApiError{400, "invalid_request_error", "content_filter",
                            "provider '" + ctx.decision.deployment->provider->config().name +
                                "': the answer was withheld by the content filter", {}, {}});
    return true;
}

// A stream that fails after it started still tells a client that asked for usage what it used:
// the upstream's counts when they arrived, else the prompt estimate and the chunks relayed.
void append_usage_before_error(const CallContext& ctx, const sy_usage* usage, int64_t relayed, std::string& frames) {
    if (!ctx.request.include_usage) return;
    int64_t prompt = usage && usage->prompt_tokens >= 0 ? usage->prompt_tokens : ctx.request.prompt_tokens;
    int64_t completion = usage && usage->completion_tokens >= 0 ? usage->completion_tokens : relayed;
    frames.append("data: {\"id\":\"").append(ctx.request_id)
        .append("\",\"object\":\"chat.completion.chunk\",\"model\":\"").append(ctx.decision.model->config->name)
        .append("\",\"choices\":[],\"usage\":{\"prompt_tokens\":").append(std::to_string(prompt))
        .append(",\"completion_tokens\":").append(std::to_string(completion))
        .append(",\"total_tokens\":").append(std::to_string(prompt + completion)).append("}}\n\n");
}


sy_provider_request provider_request(const CallContext& ctx, const sy_request_view& view) {
    sy_provider_request p{};
    p.struct_size = sizeof p;
    p.request = &view;
    p.upstream_model = to_sy_str(ctx.decision.deployment->config->model);
    p.stream = ctx.request.stream ? 1 : 0;
    p.include_usage = ctx.request.include_usage ? 1 : 0;
    return p;
}

void mark_first_byte(CallOutcome& out) {
    if (out.first_byte_ns == 0)
        out.first_byte_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now().time_since_epoch())
                                .count();
}

void finish_outcome(CallOutcome& out, const sy_response_writer& w) {
    if (w.has_usage) out.usage = w.usage;
    out.finish_reason = w.finish_reason;
}

// Sends a whole answer, unless the answer check (response guardrails) refuses it: its error then
// goes out instead, and the answer is neither cached nor kept for the access log.
void deliver_answer(const CallContext& ctx, const sy_response_writer& w, CallOutcome& out) {
    out.relayed_bytes = static_cast<int64_t>(w.body.size());
    if (refuse_answer(ctx, w.body, out)) return;
    if (ctx.partial) collect_message(w.body, *ctx.partial);
    if (ctx.capture_body) *ctx.capture_body = w.body;
    send_answer(ctx.request_http, ctx.response, w.body);
    mark_first_byte(out);
    out.status = 200;
}

// ---------------------------------------------------------------- local providers

CallOutcome call_local(const CallContext& ctx, const plugin::ProviderInstance& prov, const sy_provider_request& preq) {
    CallOutcome out;
    const sy_provider_vtable& vt = prov.vtable();
    plugin::ErrorBuffer eb;
    sy_response_writer w;
    if (!ctx.request.stream) {
        uint64_t delay = 0;
        sy_status st = vt.local_complete(prov.handle(), &preq, &w, &delay, &eb.err);
        if (!sleep_unless_gone(delay, ctx.client_fd)) {
            out.client_gone = true;
            return out;
        }
        finish_outcome(out, w);
        if (st != SY_OK) {
            ApiError e = error_from_status(st, prov, eb.str());
            fail(ctx, out, e);
            out.status = e.status;
            out.error = e.message;
        } else if (w.error_status) {
            ApiError e = upstream_answer_error(w, {});
            fail(ctx, out, e);
            out.status = e.status;
            out.error = e.message;
        } else if (!defer_filtered_answer(ctx, w, out)) {
            deliver_answer(ctx, w, out);
        }
        return out;
    }
    void* state = nullptr;
    if (sy_status st = vt.local_stream_open(prov.handle(), &preq, &state, &eb.err); st != SY_OK) {
        ApiError e = error_from_status(st, prov, eb.str());
        fail(ctx, out, e);
        out.status = e.status;
        return out;
    }
    SseSink own(ctx.request_http, ctx.response);
    SseSink& sink = ctx.sink ? *ctx.sink : own;
    bool began = false;  // this attempt relayed something (the sink may carry an earlier one's)
    for (;;) {
        uint64_t delay = 0;
        sy_status st = vt.local_stream_next(prov.handle(), state, &w, &delay, &eb.err);
        if (!sleep_unless_gone(delay, ctx.client_fd)) {
            out.client_gone = true;
            break;
        }
        if (w.error_status && !began) {  // failed before the first byte: a real HTTP error
            ApiError e = upstream_answer_error(w, {});
            fail(ctx, out, e);
            out.status = e.status;
            out.error = e.message;
            break;
        }
        if (!began) {
            if (!sink.started()) sink.start();
            began = true;
            out.status = 200;
        }
        if (w.error_status || (st != SY_OK && st != SY_DONE)) {
            ApiError e = w.error_status ? upstream_answer_error(w, {})
                                        : error_from_status(st, prov, eb.str());
            mark_first_byte(out);
            if (leave_open(ctx, sink, w.sse, e, out)) break;
            keep_text(ctx, w.sse);
            append_usage_before_error(ctx, w.has_usage ? &w.usage : nullptr, sink.events(), w.sse);
            sink.error_event(w.sse, e);
            out.stream_error = true;
            out.error = e.message;
            break;
        }
        if (st == SY_DONE) {
            mark_first_byte(out);
            keep_text(ctx, w.sse);
            sink.done(w.sse);
            break;
        }
        if (!w.sse.empty()) mark_first_byte(out);
        if (!relay_frames(ctx, sink, w.sse)) {
            out.client_gone = true;
            break;
        }
    }
    finish_outcome(out, w);
    out.relayed_events = sink.events();
    vt.local_stream_close(prov.handle(), state);
    return out;
}

// ---------------------------------------------------------------- remote providers

// Reads a whole (error or non-streaming) upstream body and lets the plugin translate it.
sy_response_writer translate_full(size_t max_body, const plugin::ProviderInstance& prov,
                                  const sy_provider_request& preq, upstream::HttpExchange& ex,
                                  std::optional<ApiError>& failure, bool& client_gone) {
    sy_response_writer w;
    std::string body;
    upstream::ExchangeError io;
    if (!ex.read_all(body, max_body, io)) {
        client_gone = io.status == IoStatus::cancelled;
        failure = upstream_failure(io, prov.config().name);
        return w;
    }
    const auto& head = ex.head();
    sy_upstream_response ur{sizeof(sy_upstream_response), head.status, to_sy_str(head.content_type), to_sy_str(body),
                            to_sy_str(head.retry_after)};
    plugin::ErrorBuffer eb;
    sy_status st = prov.vtable().parse_response(prov.handle(), &preq, &ur, &w, &eb.err);
    if (st != SY_OK) failure = error_from_status(st, prov, eb.str());
    else if (w.error_status) failure = upstream_answer_error(w, head.retry_after);
    return w;
}

void relay_stream(const CallContext& ctx, const plugin::ProviderInstance& prov, const sy_provider_request& preq,
                  upstream::HttpExchange& ex, sy_stream_framing framing, CallOutcome& out) {
    const sy_provider_vtable& vt = prov.vtable();
    plugin::ErrorBuffer eb;
    void* state = nullptr;
    if (sy_status st = vt.stream_open(prov.handle(), &preq, &state, &eb.err); st != SY_OK) {
        ApiError e = error_from_status(st, prov, eb.str());
        fail(ctx, out, e);
        out.status = e.status;
        return;
    }
    SseSink own(ctx.request_http, ctx.response);
    SseSink& sink = ctx.sink ? *ctx.sink : own;
    if (!sink.started()) sink.start();
    out.status = 200;
    upstream::EventParser parser(framing);
    sy_response_writer w;
    std::string bytes;
    bytes.reserve(16 * 1024);
    bool finished = false;
    std::optional<ApiError> failure;
    std::optional<fiber::BackgroundScope> background;  // from the first relayed event on
    while (!finished && !failure) {
        bool body_done = false;
        upstream::ExchangeError io;
        bytes.clear();
        if (!ex.read_some(bytes, &body_done, io)) {
            if (io.status == IoStatus::cancelled) {
                out.client_gone = true;
                break;
            }
            failure = upstream_failure(io, prov.config().name);
            break;
        }
        parser.feed(bytes);
        std::string_view ev_name, data;
        auto handle_event = [&]() {
            sy_stream_event ev{sizeof(sy_stream_event), to_sy_str(ev_name), to_sy_str(data)};
            sy_status st = vt.stream_event(prov.handle(), state, &ev, &w, &eb.err);
            if (w.error_status) failure = upstream_answer_error(w, {});
            else if (st == SY_DONE) finished = true;
            else if (st != SY_OK)
                failure = error_from_status(SY_ERR_UPSTREAM, prov, "invalid stream event: " + eb.str());
        };
        while (!finished && !failure && parser.next(ev_name, data)) handle_event();
        if (!finished && !failure && body_done && parser.finish(ev_name, data)) handle_event();
        if (!finished && !failure && parser.overflowed())
            failure = ApiError::upstream(502, "provider '" + prov.config().name + "' sent an oversized stream event");
        if (body_done && !finished && !failure) {
            if (w.finish_reason.empty())
                failure = ApiError::upstream(502, "provider '" + prov.config().name +
                                                      "' ended the stream before it finished", "upstream_stream_cut");
            else
                finished = true;  // a complete answer without the [DONE] marker
        }
        if (finished || failure) break;  // the closing send carries the pending frames
        if (!w.sse.empty()) mark_first_byte(out);
        if (!relay_frames(ctx, sink, w.sse)) {
            out.client_gone = true;
            break;
        }
        // The client has its first event: the rest of the stream gives way to new requests.
        if (!background && out.first_byte_ns != 0) background.emplace();
    }
    if (out.client_gone) {
        ex.abort();  // closes the upstream connection: the upstream stops generating
    } else if (failure) {
        ex.abort();
        mark_first_byte(out);
        if (!leave_open(ctx, sink, w.sse, *failure, out)) {
            keep_text(ctx, w.sse);
            append_usage_before_error(ctx, w.has_usage ? &w.usage : nullptr, sink.events(), w.sse);
            sink.error_event(w.sse, *failure);
            out.stream_error = true;
            out.error = failure->message;
        }
    } else {
        mark_first_byte(out);
        keep_text(ctx, w.sse);
        sink.done(w.sse);
    }
    finish_outcome(out, w);
    out.relayed_events = sink.events();
    vt.stream_close(prov.handle(), state);
}

CallOutcome call_remote(const CallContext& ctx, const plugin::ProviderInstance& prov, const sy_provider_request& preq) {
    CallOutcome out;
    sy_http_builder builder;
    plugin::ErrorBuffer eb;
    if (sy_status st = prov.vtable().build_request(prov.handle(), &preq, &builder, &eb.err); st != SY_OK) {
        ApiError e = error_from_status(st, prov, eb.str());
        fail(ctx, out, e);
        out.status = e.status;
        out.error = e.message;
        return out;
    }
    if (std::string tp = tracing::upstream_traceparent(); !tp.empty()) builder.headers.emplace_back("traceparent", std::move(tp));
    // A request deadline (x-switchyard-timeout-ms) caps every timeout of this attempt.
    config::TimeoutConfig timeouts = ctx.decision.deployment->timeouts;
    if (ctx.deadline_ms > 0) {
        int64_t left = ctx.deadline_ms - upstream::now_ms();
        if (left <= 0) {
            fail(ctx, out, ApiError::upstream(504, "the request's deadline (x-switchyard-timeout-ms) passed", "request_timeout"));
            return out;
        }
        for (int* t : {&timeouts.connect_ms, &timeouts.first_byte_ms, &timeouts.idle_ms, &timeouts.total_ms})
            *t = static_cast<int>(std::min<int64_t>(*t, left));
    }
    upstream::HttpExchange ex(ctx.pool ? *ctx.pool : *ctx.decision.deployment->pool, timeouts, ctx.client_fd,
                              upstream::Waits::park_fiber);
    upstream::ExchangeError io;
    if (!ex.start(builder, io)) {
        if (io.status == IoStatus::cancelled) {
            out.client_gone = true;
            return out;
        }
        ApiError e = upstream_failure(io, prov.config().name);
        fail(ctx, out, e);
        out.status = e.status;
        out.error = e.message;
        return out;
    }
    bool streaming = ctx.request.stream && ex.head().status >= 200 && ex.head().status < 300;
    if (streaming) {
        relay_stream(ctx, prov, preq, ex, builder.framing, out);
        return out;
    }
    std::optional<ApiError> failure;
    sy_response_writer w = translate_full(ctx.max_upstream_body, prov, preq, ex, failure, out.client_gone);
    if (out.client_gone) return out;
    finish_outcome(out, w);
    if (failure) {
        fail(ctx, out, *failure);
        out.status = failure->status;
        out.error = failure->message;
    } else if (!defer_filtered_answer(ctx, w, out)) {
        deliver_answer(ctx, w, out);
    }
    return out;
}

}  // namespace

bool refuse_answer(const CallContext& ctx, const std::string& body, CallOutcome& out) {
    if (!ctx.check_answer) return false;
    PartialAnswer text;
    collect_message(body, text);
    std::optional<ApiError> refused = (*ctx.check_answer)(body, text.text);
    if (!refused) return false;
    send_error(ctx.request_http, ctx.response, *refused);
    out.status = refused->status;
    out.error = refused->message;
    return true;
}

void end_stream_with_error(const CallContext& ctx, SseSink& sink, const ApiError& e) {
    std::string frames;
    append_usage_before_error(ctx, nullptr, sink.events(), frames);
    sink.error_event(frames, e);
}

bool sleep_unless_gone(uint64_t delay_us, int client_fd) {
    if (delay_us == 0) return true;
    fiber::ParkingScope parking;
    int64_t deadline = upstream::now_ms() + static_cast<int64_t>((delay_us + 999) / 1000);
    int fd = client_fd;
    if (fd < 0) {
        fiber::poll(nullptr, 0, static_cast<int>((delay_us + 999) / 1000));
        return true;
    }
    // The client socket doubles as the "upstream": it never becomes readable unless it closes
    // or pipelines; wait_readable distinguishes the two.
    IoStatus st = upstream::wait_readable(-1, deadline, fd);
    return st != IoStatus::cancelled;
}

Captured capture_completion(const ChatRequest& request, const std::string& request_id,
                            const routing::Deployment& deployment, int client_fd, size_t max_upstream_body) {
    Captured out;
    const plugin::ProviderInstance& prov = *deployment.provider;
    sy_request_view view = plugin::make_request_view(request, request_id);
    view.stream = 0;
    sy_provider_request preq{};
    preq.struct_size = sizeof preq;
    preq.request = &view;
    preq.upstream_model = to_sy_str(deployment.config->model);
    plugin::ErrorBuffer eb;
    sy_response_writer w;
    if (prov.is_local()) {
        uint64_t delay = 0;
        sy_status st = prov.vtable().local_complete(prov.handle(), &preq, &w, &delay, &eb.err);
        out.client_gone = !sleep_unless_gone(delay, client_fd);
        if (st != SY_OK) out.error = error_from_status(st, prov, eb.str());
        else if (w.error_status) out.error = upstream_answer_error(w, {});
    } else {
        sy_http_builder builder;
        if (sy_status st = prov.vtable().build_request(prov.handle(), &preq, &builder, &eb.err); st != SY_OK) {
            out.error = error_from_status(st, prov, eb.str());
            return out;
        }
        upstream::HttpExchange ex(*deployment.pool, deployment.timeouts, client_fd);
        upstream::ExchangeError io;
        if (!ex.start(builder, io)) {
            out.client_gone = io.status == IoStatus::cancelled;
            out.error = upstream_failure(io, prov.config().name);
            return out;
        }
        std::optional<ApiError> failure;
        w = translate_full(max_upstream_body, prov, preq, ex, failure, out.client_gone);
        out.error = failure;
    }
    if (w.has_usage) out.usage = w.usage;
    out.body = std::move(w.body);
    return out;
}

CallOutcome outcome_of(const Captured& c, int64_t first_byte_ns) {
    CallOutcome o;
    o.client_gone = c.client_gone;
    o.status = c.error ? c.error->status : 200;
    o.usage = c.usage;
    o.error = c.error ? c.error->message : "";
    o.first_byte_ns = first_byte_ns;
    o.relayed_bytes = static_cast<int64_t>(c.body.size());
    return o;
}

CallOutcome call_provider(const CallContext& ctx) {
    const plugin::ProviderInstance& prov = *ctx.decision.deployment->provider;
    sy_request_view view = plugin::make_request_view(ctx.request, ctx.request_id);
    sy_provider_request preq = provider_request(ctx, view);
    return prov.is_local() ? call_local(ctx, prov, preq) : call_remote(ctx, prov, preq);
}

}  // namespace sy::server
