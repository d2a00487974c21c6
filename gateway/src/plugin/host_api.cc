#include "plugin/host_api.hpp"

#include <cerrno>
#include <cstring>
#include <atomic>
#include <fstream>
#include <optional>

#include <switchyard/embedder.hpp>

#include <switchyard/chat_request.hpp>
#include <switchyard/log.hpp>

#include "core/secrets.hpp"

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
    secrets::scrub(w->error_message);  // upstream error bodies may echo the provider key
}

void writer_set_finish_reason(sy_response_writer* w, const char* r, size_t n) {
    w->finish_reason.assign(sv(r, n));
}

int64_t host_estimate_tokens(const char* text, size_t len) { return estimate_tokens(sv(text, len)); }

// host_ctx is the EmbedderSet of the runtime that created the plugin instance, or null.
const embed::Embedder* find_embedder(void* ctx, std::string_view name) {
    return ctx ? static_cast<const embed::EmbedderSet*>(ctx)->find(name) : embed::find_embedder(name);
}

sy_status host_embed(void* ctx, const char* name, size_t name_len, const char* text, size_t text_len, float* out,
                     size_t cap, size_t* dim, sy_error* err) {
    const embed::Embedder* e = find_embedder(ctx, sv(name, name_len));
    if (!e) {
        set_error(err, "unknown embedder '" + std::string(sv(name, name_len)) + "'");
        return SY_ERR;
    }
    *dim = e->dim();
    if (cap < e->dim()) return SY_OK;  // the caller learns the dimension and sizes its buffer
    std::string why;
    if (!e->embed(sv(text, text_len), out, why)) {
        set_error(err, why);
        return SY_ERR;
    }
    return SY_OK;
}

sy_status host_embedder_id(void* ctx, const char* name, size_t name_len, char* out, size_t cap, sy_error* err) {
    const embed::Embedder* e = find_embedder(ctx, sv(name, name_len));
    if (!e) {
        set_error(err, "unknown embedder '" + std::string(sv(name, name_len)) + "'");
        return SY_ERR_CONFIG;
    }
    sy_error id{out, cap};
    set_error(&id, e->id());
    return SY_OK;
}

thread_local std::optional<std::string> t_config_dir;

constexpr std::streamsize kMaxPluginFile = 512ll << 20;

sy_status host_read_file(void*, const char* path, size_t path_len, const sy_byte_sink* sink, sy_error* err) {
    std::string name(sv(path, path_len));
    if (!t_config_dir) {
        set_error(err, "read_file is only available while a plugin instance is created");
        return SY_ERR;
    }
    if (name.empty()) {
        set_error(err, "empty file name");
        return SY_ERR_CONFIG;
    }
    std::string full = name.front() == '/' ? name : *t_config_dir + "/" + name;
    std::ifstream in(full, std::ios::binary);
    if (!in) {
        set_error(err, "cannot open " + full + ": " + std::strerror(errno));
        return SY_ERR_CONFIG;
    }
    char buf[1 << 16];
    std::streamsize total = 0;
    while (in) {
        in.read(buf, sizeof buf);
        std::streamsize n = in.gcount();
        total += n;
        if (total > kMaxPluginFile) {
            set_error(err, full + " is larger than 512 MiB");
            return SY_ERR_CONFIG;
        }
        if (n > 0 && sink && sink->write) sink->write(sink->ctx, buf, static_cast<size_t>(n));
    }
    if (in.bad()) {
        set_error(err, "cannot read " + full);
        return SY_ERR_CONFIG;
    }
    return SY_OK;
}

std::atomic<StateBackend*> g_state{nullptr};
std::string g_state_prefix = "sy:plugin:";  // written once, before any request

sy_status host_state_hincrby(void*, const char* key, size_t key_len, const char* field, size_t field_len,
                             int64_t delta, sy_error* err) {
    StateBackend* b = g_state.load(std::memory_order_acquire);
    std::string why = "no state store";
    if (b && b->hincrby(g_state_prefix + std::string(sv(key, key_len)), sv(field, field_len), delta, why))
        return SY_OK;
    set_error(err, why);
    return SY_ERR;
}

sy_status host_state_hgetall(void*, const char* key, size_t key_len, const sy_byte_sink* sink, sy_error* err) {
    StateBackend* b = g_state.load(std::memory_order_acquire);
    if (!b) return SY_OK;  // nothing stored anywhere yet
    std::vector<std::pair<std::string, std::string>> fields;
    std::string why;
    if (!b->hgetall(g_state_prefix + std::string(sv(key, key_len)), fields, why)) {
        set_error(err, why);
        return SY_ERR;
    }
    for (const auto& [f, v] : fields) {
        if (!sink || !sink->write) break;
        sink->write(sink->ctx, f.c_str(), f.size() + 1);  // with the NUL
        sink->write(sink->ctx, v.c_str(), v.size() + 1);
    }
    return SY_OK;
}

const sy_host_api kHostApi = {
    sizeof(sy_host_api), SY_ABI_MAJOR, SY_ABI_MINOR, host_log, nullptr,
    builder_set_method, builder_set_path, builder_add_header, builder_append_body, builder_set_framing,
    writer_append_body, writer_emit_chunk, writer_set_usage, writer_set_error, writer_set_finish_reason,
    host_estimate_tokens, host_embed, host_embedder_id, host_read_file, host_state_hincrby, host_state_hgetall,
};

}  // namespace

const sy_host_api* host_api() { return &kHostApi; }

sy_host_api host_api_for(const embed::EmbedderSet* embedders) {
    sy_host_api api = kHostApi;
    api.host_ctx = const_cast<embed::EmbedderSet*>(embedders);  // host_ctx is void*; only read
    return api;
}

void set_state_backend(StateBackend* backend, std::string key_prefix) {
    if (backend) g_state_prefix = key_prefix + ":plugin:";
    g_state.store(backend, std::memory_order_release);
}

ConfigDirScope::ConfigDirScope(std::string dir) : had_previous_(t_config_dir.has_value()) {
    if (had_previous_) previous_ = *t_config_dir;
    t_config_dir = std::move(dir);
}

ConfigDirScope::~ConfigDirScope() {
    if (had_previous_) t_config_dir = previous_;
    else t_config_dir.reset();
}

std::string config_dir_of(const std::string& config_path) {
    size_t slash = config_path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : config_path.substr(0, slash);
}

std::string ErrorBuffer::str() const {
    std::string out(text);
    if (out.size() + 1 >= sizeof text) secrets::scrub_truncated(out);  // cut to fit: a key may end it
    else secrets::scrub(out);
    return out;
}

void set_error(sy_error* err, const std::string& message) {
    if (!err || !err->message || err->cap == 0) return;
    size_t n = std::min(message.size(), err->cap - 1);
    std::memcpy(err->message, message.data(), n);
    err->message[n] = '\0';
}

}  // namespace sy::plugin
