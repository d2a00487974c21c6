// Test helpers for plugin authors: load a plugin .so through the real ABI and drive it with a
// fake host that records everything the plugin writes. Header-only; needs a POSIX dlopen
// (link with ${CMAKE_DL_LIBS}). Not for production use.
#ifndef SWITCHYARD_TESTING_HPP
#define SWITCHYARD_TESTING_HPP

#include <dlfcn.h>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <switchyard/plugin.h>

// The fake host's concrete writer types (the ABI keeps them opaque).
struct sy_http_builder {
    std::string method, path, body;
    std::vector<std::pair<std::string, std::string>> headers;
    sy_stream_framing framing = SY_FRAMING_SSE;
    std::string header(const std::string& name) const {
        for (const auto& [k, v] : headers)
            if (k == name) return v;
        return {};
    }
};

struct sy_response_writer {
    std::string body;
    std::vector<std::string> chunks;
    sy_usage usage{sizeof(sy_usage), -1, -1, -1, -1};
    bool has_usage = false;
    int error_status = 0;
    std::string error_type, error_message, finish_reason;
};

namespace switchyard::testing {

inline const sy_host_api* fake_host() {
    static const sy_host_api api = {
        sizeof(sy_host_api), SY_ABI_MAJOR, SY_ABI_MINOR,
        [](void*, sy_log_level, const char*, size_t) {}, nullptr,
        [](sy_http_builder* b, const char* d, size_t n) { b->method.assign(d, n); },
        [](sy_http_builder* b, const char* d, size_t n) { b->path.assign(d, n); },
        [](sy_http_builder* b, const char* k, size_t kn, const char* v, size_t vn) {
            b->headers.emplace_back(std::string(k, kn), std::string(v, vn));
        },
        [](sy_http_builder* b, const char* d, size_t n) { b->body.append(d, n); },
        [](sy_http_builder* b, sy_stream_framing f) { b->framing = f; },
        [](sy_response_writer* w, const char* d, size_t n) { w->body.append(d, n); },
        [](sy_response_writer* w, const char* d, size_t n) { w->chunks.emplace_back(d, n); },
        [](sy_response_writer* w, const sy_usage* u) {
            w->usage = *u;
            w->has_usage = true;
        },
        [](sy_response_writer* w, int status, const char* t, size_t tn, const char* m, size_t mn) {
            w->error_status = status;
            w->error_type.assign(t, tn);
            w->error_message.assign(m, mn);
        },
        [](sy_response_writer* w, const char* d, size_t n) { w->finish_reason.assign(d, n); },
        [](const char*, size_t len) -> int64_t { return static_cast<int64_t>((len + 3) / 4); },
    };
    return &api;
}

inline sy_str str(const std::string& s) { return {s.data(), s.size()}; }

// A request view whose strings live in this object.
struct Request {
    std::string body = R"({"model":"m","messages":[{"role":"user","content":"hello"}]})";
    std::string model = "m", last_user_text = "hello", system_text, user, request_id = "req-test";
    int64_t prompt_tokens = 10, max_tokens = -1;
    bool stream = false, has_tools = false, include_usage = false;
    std::string upstream_model = "upstream-m";

    sy_request_view view() const {
        sy_request_view v{};
        v.struct_size = sizeof v;
        v.body_json = str(body);
        v.model = str(model);
        v.last_user_text = str(last_user_text);
        v.system_text = str(system_text);
        v.user = str(user);
        v.request_id = str(request_id);
        v.prompt_tokens = prompt_tokens;
        v.max_tokens = max_tokens;
        v.stream = stream;
        v.message_count = 1;
        v.has_tools = has_tools;
        return v;
    }
};

// Error buffer for hook calls.
struct ErrorBuf {
    char text[512] = {0};
    sy_error err{text, sizeof text};
};

// A loaded plugin (dlclose on destruction).
class Plugin {
public:
    explicit Plugin(const std::string& path) {
        handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle_) throw std::runtime_error(std::string("dlopen: ") + dlerror());
        auto entry = reinterpret_cast<sy_plugin_entry_fn>(dlsym(handle_, SY_PLUGIN_ENTRY_SYMBOL));
        if (!entry) throw std::runtime_error("no entry symbol in " + path);
        desc_ = entry();
    }
    ~Plugin() {
        if (handle_) dlclose(handle_);
    }
    Plugin(const Plugin&) = delete;
    Plugin& operator=(const Plugin&) = delete;
    const sy_plugin_descriptor& descriptor() const { return *desc_; }
    const sy_router_vtable& router() const { return *static_cast<const sy_router_vtable*>(desc_->vtable); }
    const sy_provider_vtable& provider() const { return *static_cast<const sy_provider_vtable*>(desc_->vtable); }
    const sy_guardrail_vtable& guardrail() const { return *static_cast<const sy_guardrail_vtable*>(desc_->vtable); }

private:
    void* handle_ = nullptr;
    const sy_plugin_descriptor* desc_ = nullptr;
};

// An instance of a provider plugin with helpers for each hook.
class ProviderUnderTest {
public:
    ProviderUnderTest(const Plugin& p, const std::string& config_json) : vt_(p.provider()) {
        ErrorBuf eb;
        status_ = vt_.create(fake_host(), config_json.data(), config_json.size(), &inst_, &eb.err);
        error_ = eb.text;
    }
    ~ProviderUnderTest() {
        if (status_ == SY_OK) vt_.destroy(inst_);
    }
    sy_status create_status() const { return status_; }
    const std::string& create_error() const { return error_; }

    sy_provider_request preq(const Request& r, sy_request_view& view) const {
        view = r.view();
        return sy_provider_request{sizeof(sy_provider_request), &view, str(r.upstream_model), r.stream, r.include_usage};
    }
    sy_status build(const Request& r, sy_http_builder& out, std::string* err = nullptr) {
        sy_request_view v;
        sy_provider_request p = preq(r, v);
        ErrorBuf eb;
        sy_status st = vt_.build_request(inst_, &p, &out, &eb.err);
        if (err) *err = eb.text;
        return st;
    }
    sy_status parse(const Request& r, int status, const std::string& body, sy_response_writer& out,
                    std::string* err = nullptr) {
        sy_request_view v;
        sy_provider_request p = preq(r, v);
        sy_upstream_response resp{sizeof(sy_upstream_response), status, {"application/json", 16}, str(body), {nullptr, 0}};
        ErrorBuf eb;
        sy_status st = vt_.parse_response(inst_, &p, &resp, &out, &eb.err);
        if (err) *err = eb.text;
        return st;
    }
    // Feeds SSE data payloads to a new stream; returns the status of the last event.
    sy_status stream(const Request& r, const std::vector<std::string>& events, sy_response_writer& out,
                     std::string* err = nullptr) {
        sy_request_view v;
        sy_provider_request p = preq(r, v);
        ErrorBuf eb;
        void* state = nullptr;
        sy_status st = vt_.stream_open(inst_, &p, &state, &eb.err);
        for (const auto& data : events) {
            if (st != SY_OK) break;
            sy_stream_event ev{sizeof(sy_stream_event), {nullptr, 0}, str(data)};
            st = vt_.stream_event(inst_, state, &ev, &out, &eb.err);
        }
        vt_.stream_close(inst_, state);
        if (err) *err = eb.text;
        return st;
    }
    sy_status complete_local(const Request& r, sy_response_writer& out, uint64_t& delay_us) {
        sy_request_view v;
        sy_provider_request p = preq(r, v);
        ErrorBuf eb;
        return vt_.local_complete(inst_, &p, &out, &delay_us, &eb.err);
    }
    // Runs a local stream to its end; returns the summed delays.
    uint64_t stream_local(const Request& r, sy_response_writer& out, int max_steps = 100000) {
        sy_request_view v;
        sy_provider_request p = preq(r, v);
        ErrorBuf eb;
        void* state = nullptr;
        uint64_t total = 0;
        if (vt_.local_stream_open(inst_, &p, &state, &eb.err) != SY_OK) return 0;
        for (int i = 0; i < max_steps; ++i) {
            uint64_t d = 0;
            sy_status st = vt_.local_stream_next(inst_, state, &out, &d, &eb.err);
            total += d;
            if (st != SY_OK) break;
        }
        vt_.local_stream_close(inst_, state);
        return total;
    }

private:
    const sy_provider_vtable& vt_;
    void* inst_ = nullptr;
    sy_status status_ = SY_ERR;
    std::string error_;
};

// An instance of a router plugin.
class RouterUnderTest {
public:
    RouterUnderTest(const Plugin& p, const std::string& config_json) : vt_(p.router()) {
        ErrorBuf eb;
        status_ = vt_.create(fake_host(), config_json.data(), config_json.size(), &inst_, &eb.err);
        error_ = eb.text;
    }
    ~RouterUnderTest() {
        if (status_ == SY_OK) vt_.destroy(inst_);
    }
    sy_status create_status() const { return status_; }
    const std::string& create_error() const { return error_; }

    struct Result {
        std::vector<uint32_t> order;
        std::string reason;
        sy_status status;
    };
    // names: candidate names; unhealthy: names marked unhealthy.
    Result route(const std::vector<std::string>& names, const std::vector<std::string>& unhealthy = {},
                 double threshold = std::nan(""), const Request& r = Request()) {
        std::vector<sy_candidate> cands;
        for (const auto& n : names) {
            sy_candidate c{};
            c.struct_size = sizeof c;
            c.name = str(n);
            c.healthy = 1;
            for (const auto& u : unhealthy)
                if (u == n) c.healthy = 0;
            cands.push_back(c);
        }
        sy_request_view v = r.view();
        sy_route_params params{sizeof(sy_route_params), threshold};
        std::vector<sy_choice> choices(names.size());
        size_t n = 0;
        char reason[256] = {0};
        ErrorBuf eb;
        Result res;
        res.status = vt_.route(inst_, &v, cands.data(), cands.size(), &params, choices.data(), choices.size(), &n,
                               reason, sizeof reason, &eb.err);
        for (size_t i = 0; i < n; ++i) res.order.push_back(choices[i].candidate_index);
        res.reason = reason;
        return res;
    }

private:
    const sy_router_vtable& vt_;
    void* inst_ = nullptr;
    sy_status status_ = SY_ERR;
    std::string error_;
};

// An instance of a guardrail plugin (ABI 1.2).
class GuardrailUnderTest {
public:
    GuardrailUnderTest(const Plugin& p, const std::string& config_json) : vt_(p.guardrail()) {
        ErrorBuf eb;
        status_ = vt_.create(fake_host(), config_json.data(), config_json.size(), &inst_, &eb.err);
        error_ = eb.text;
    }
    ~GuardrailUnderTest() {
        if (status_ == SY_OK) vt_.destroy(inst_);
    }
    sy_status create_status() const { return status_; }
    const std::string& create_error() const { return error_; }

    struct Result {
        sy_status status = SY_ERR;
        bool deny = false;
        int http_status = 0;
        std::string message, reason, error;
    };
    // A missing hook reads as allow, as the host treats it.
    Result check_request(const Request& r = Request()) {
        if (!vt_.check_request) return Result{SY_OK, false, 0, {}, {}, {}};
        sy_request_view v = r.view();
        return call([&](sy_guardrail_verdict* out, sy_error* err) { return vt_.check_request(inst_, &v, out, err); });
    }
    Result check_response(const std::string& answer_text, const Request& r = Request(), bool streamed = false) {
        if (!vt_.check_response) return Result{SY_OK, false, 0, {}, {}, {}};
        sy_request_view v = r.view();
        sy_guardrail_response resp{sizeof(sy_guardrail_response), &v, str(r.model), str(answer_text), {nullptr, 0},
                                   streamed ? 1 : 0, 0};
        return call([&](sy_guardrail_verdict* out, sy_error* err) { return vt_.check_response(inst_, &resp, out, err); });
    }

private:
    template <typename Fn>
    Result call(Fn&& fn) {
        char message[512] = {0}, reason[128] = {0};
        sy_guardrail_verdict out{sizeof(sy_guardrail_verdict), SY_GUARDRAIL_ALLOW, 0, 0, message, sizeof message,
                                 reason, sizeof reason};
        ErrorBuf eb;
        Result r;
        r.status = fn(&out, &eb.err);
        r.deny = r.status == SY_OK && out.action == SY_GUARDRAIL_DENY;
        r.http_status = out.http_status;
        r.message = message;
        r.reason = reason;
        r.error = eb.text;
        return r;
    }
    const sy_guardrail_vtable& vt_;
    void* inst_ = nullptr;
    sy_status status_ = SY_ERR;
    std::string error_;
};

}  // namespace switchyard::testing

#endif  // SWITCHYARD_TESTING_HPP
