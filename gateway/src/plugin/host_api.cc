#include "plugin/host_api.hpp"

#include <cstring>

#include <switchyard/chat_request.hpp>
#include <switchyard/log.hpp>

void sy_http_builder::reset() {
    method = "POST";
    path.clear();
    headers.clear();
    body.clear();
    framing = SY_FRAMING_SSE;
}

namespace sy::plugin {
namespace {

std::string_view sv(const char* p, size_t n) { return p ? std::string_view(p, n) : std::string_view(); }

void host_log(void*, sy_log_level level, const char* message, size_t len) {
    log::Level l = log::Level::info;
    switch (level) {
        case SY_LOG_DEBUG: l = log::Level::debug; break;
        case SY_LOG_INFO: l = log::Level::info; break;
        case SY_LOG_WARN: l = log::Level::warn; break;
        case SY_LOG_ERROR: l = log::Level::error; break;
    }
    log::write(l, "plugin", sv(message, len));
}

void builder_set_method(sy_http_builder* b, const char* m, size_t n) { b->method.assign(sv(m, n)); }
void builder_set_path(sy_http_builder* b, const char* p, size_t n) { b->path.assign(sv(p, n)); }
void builder_add_header(sy_http_builder* b, const char* name, size_t name_len, const char* value,
                        size_t value_len) {
    b->headers.emplace_back(std::string(sv(name, name_len)), std::string(sv(value, value_len)));
}
void builder_append_body(sy_http_builder* b, const char* d, size_t n) { b->body.append(sv(d, n)); }
void builder_set_framing(sy_http_builder* b, sy_stream_framing f) { b->framing = f; }

void writer_append_body(sy_response_writer* w, const char* d, size_t n) { w->body.append(sv(d, n)); }

void writer_emit_chunk(sy_response_writer* w, const char* d, size_t n) {
    w->sse.append("data: ").append(sv(d, n)).append("\n\n");
    ++w->chunks;
}

void writer_set_usage(sy_response_writer* w, const sy_usage* u) {
    if (!u) return;
    // Copy only the fields both sides know (the plugin may be older or newer).
    sy_usage copy{sizeof(sy_usage), -1, -1, -1, -1};
    std::memcpy(&copy, u, std::min<size_t>(u->struct_size, sizeof copy));
    copy.struct_size = sizeof copy;
    w->usage = copy;
    w->has_usage = true;
}

void writer_set_error(sy_response_writer* w, int status, const char* type, size_t type_len,
                      const char* message, size_t message_len) {
    w->error_status = (status >= 400 && status <= 599) ? status : 502;
    w->error_type.assign(sv(type, type_len));
    w->error_message.assign(sv(message, message_len));
}

void writer_set_finish_reason(sy_response_writer* w, const char* r, size_t n) {
    w->finish_reason.assign(sv(r, n));
}

int64_t host_estimate_tokens(const char* text, size_t len) { return estimate_tokens(sv(text, len)); }

const sy_host_api kHostApi = {
    sizeof(sy_host_api), SY_ABI_MAJOR, SY_ABI_MINOR, host_log, nullptr,
    builder_set_method, builder_set_path, builder_add_header, builder_append_body, builder_set_framing,
    writer_append_body, writer_emit_chunk, writer_set_usage, writer_set_error, writer_set_finish_reason,
    host_estimate_tokens,
};

}  // namespace

const sy_host_api* host_api() { return &kHostApi; }

void set_error(sy_error* err, const std::string& message) {
    if (!err || !err->message || err->cap == 0) return;
    size_t n = std::min(message.size(), err->cap - 1);
    std::memcpy(err->message, message.data(), n);
    err->message[n] = '\0';
}

}  // namespace sy::plugin
