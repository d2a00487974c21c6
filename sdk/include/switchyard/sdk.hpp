// Switchyard plugin SDK: a header-only C++17 layer over the C ABI in plugin.h.
//
// Write a class deriving from switchyard::Router, switchyard::Provider or switchyard::Guardrail
// whose constructor takes (const switchyard::Host&, std::string_view config_json), then register
// it once:
//
//     SWITCHYARD_ROUTER(MyRouter, "my_router", "1.0.0", "one-line description")
//     SWITCHYARD_PROVIDER(MyProvider, "my_provider", "1.0.0", "one-line description")
//     SWITCHYARD_GUARDRAIL(MyGuardrail, "my_guardrail", "1.0.0", "one-line description")
//
// The macros define the exported entry symbol and trampolines that catch every exception at
// the boundary: a throw becomes a status plus the message in the host's error buffer. Throw
// switchyard::Error to choose the status (SY_ERR_CONFIG from a constructor, SY_ERR_BAD_REQUEST
// for a request the plugin cannot translate, ...); any other exception maps to SY_ERR.
//
// Ownership: every view (std::string_view, RequestView, Candidate) borrows host memory for the
// duration of the call only; copy what you keep. Output goes through HttpBuilder and
// ResponseWriter, which write into host-owned buffers.
#ifndef SWITCHYARD_SDK_HPP
#define SWITCHYARD_SDK_HPP

#include <cstddef>
#include <cstring>
#include <type_traits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <switchyard/plugin.h>

namespace switchyard {

inline std::string_view view(sy_str s) { return s.data ? std::string_view(s.data, s.len) : std::string_view(); }

// How deep JSON from outside (an upstream answer, a stream event, tool-call arguments) may nest
// before a plugin parses it: recursive parsers such as rapidjson's overflow the stack on a few
// hundred kilobytes of '['. The host applies the same cap to client bodies.
inline constexpr size_t kMaxJsonDepth = 128;

// True when arrays and objects nest deeper than max_depth in the text (which need not be valid
// JSON: the count covers any prefix a parser would read). One pass, no recursion.
inline bool json_too_deep(std::string_view text, size_t max_depth = kMaxJsonDepth) {
    // Each level opens with a bracket: text with no more of them than max_depth cannot nest
    // deeper, and most JSON has far fewer. Counting them is a loop compilers vectorise; the
    // exact walk below runs only on text with many.
    size_t opens = 0;
    for (char c : text) opens += static_cast<size_t>((c == '[') | (c == '{'));
    if (opens <= max_depth) return false;
    size_t depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;  // the escaped character cannot end the string
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) return true;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return false;
}

// 1 for a byte JSON never holds raw (below), else 0: without branches, so that a loop over it
// vectorises.
constexpr unsigned json_raw_control(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return static_cast<unsigned>(c < 0x20) & static_cast<unsigned>(c != '\t') & static_cast<unsigned>(c != '\n') &
           static_cast<unsigned>(c != '\r');
}

// Where the first byte is that JSON never holds raw (a control character other than tab, LF and
// CR: outside strings only those are whitespace, inside strings none may appear), or npos. A
// reader should refuse such text before parsing it: rapidjson's SIMD string scan
// (RAPIDJSON_SSE2) lets 0x1A-0x1F through inside strings, and a NUL ends a NUL-terminated parse
// early. One pass that compilers vectorise, then a second only when there is one.
inline size_t json_forbidden_byte(std::string_view text) {
    unsigned found = 0;
    for (char ch : text) found |= json_raw_control(ch);
    if (!found) return std::string_view::npos;
    for (size_t i = 0; i < text.size(); ++i)
        if (json_raw_control(text[i])) return i;
    return std::string_view::npos;
}

// An exception carrying the status the trampoline returns.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message, sy_status status = SY_ERR)
        : std::runtime_error(message), status_(status) {}
    sy_status status() const { return status_; }

private:
    sy_status status_;
};

// Host services available for the lifetime of the instance.
class Host {
public:
    explicit Host(const sy_host_api* api) : api_(api) {}
    const sy_host_api* api() const { return api_; }
    void log(sy_log_level level, std::string_view message) const {
        if (api_ && api_->log) api_->log(api_->host_ctx, level, message.data(), message.size());
    }
    int64_t estimate_tokens(std::string_view text) const {
        return api_ && api_->estimate_tokens ? api_->estimate_tokens(text.data(), text.size())
                                             : static_cast<int64_t>((text.size() + 3) / 4);
    }
    // True when the host provides the ABI 1.1 services (embedders, config files, shared state).
    bool has_embedders() const {
        return api_ && api_->struct_size >= offsetof(sy_host_api, state_hgetall) + sizeof(void*) && api_->embed;
    }
    // Embeds text with the named embedder ("" = the host's default) into out (resized to its dimension).
    void embed(std::string_view embedder, std::string_view text, std::vector<float>& out) const {
        require_embedders();
        char msg[256] = {0};
        sy_error err{msg, sizeof msg};
        size_t dim = out.size();
        if (api_->embed(api_->host_ctx, embedder.data(), embedder.size(), text.data(), text.size(), out.data(),
                        out.size(), &dim, &err) != SY_OK)
            throw Error(msg[0] ? msg : "embedding failed");
        if (dim != out.size()) {  // first call, or another dimension: size the buffer and redo
            out.assign(dim, 0.0f);
            if (api_->embed(api_->host_ctx, embedder.data(), embedder.size(), text.data(), text.size(),
                            out.data(), out.size(), &dim, &err) != SY_OK)
                throw Error(msg[0] ? msg : "embedding failed");
        }
    }
    // The identity of an embedder, e.g. "hash-ngram-v1/1024".
    std::string embedder_id(std::string_view embedder) const {
        require_embedders();
        char id[256] = {0};
        char msg[256] = {0};
        sy_error err{msg, sizeof msg};
        if (api_->embedder_id(api_->host_ctx, embedder.data(), embedder.size(), id, sizeof id, &err) != SY_OK)
            throw Error(msg[0] ? msg : "unknown embedder", SY_ERR_CONFIG);
        return id;
    }
    // Reads a file named in the config (relative to the gateway config's directory); create only.
    std::string read_file(std::string_view path) const {
        require_embedders();
        std::string data;
        sy_byte_sink sink{sizeof(sy_byte_sink), &data, [](void* ctx, const char* p, size_t n) {
                              static_cast<std::string*>(ctx)->append(p, n);
                          }};
        char msg[512] = {0};
        sy_error err{msg, sizeof msg};
        if (api_->read_file(api_->host_ctx, path.data(), path.size(), &sink, &err) != SY_OK)
            throw Error(msg[0] ? msg : "cannot read " + std::string(path), SY_ERR_CONFIG);
        return data;
    }

    // Adds delta to an integer field of a shared hash (the host namespaces the key).
    void hincrby(std::string_view key, std::string_view field, int64_t delta) const {
        require_embedders();
        char msg[256] = {0};
        sy_error err{msg, sizeof msg};
        if (api_->state_hincrby(api_->host_ctx, key.data(), key.size(), field.data(), field.size(), delta, &err) != SY_OK)
            throw Error(msg[0] ? msg : "state store failed");
    }
    // Every field of a shared hash.
    std::vector<std::pair<std::string, std::string>> hgetall(std::string_view key) const {
        require_embedders();
        std::string raw;
        sy_byte_sink sink{sizeof(sy_byte_sink), &raw, [](void* ctx, const char* p, size_t n) {
                              static_cast<std::string*>(ctx)->append(p, n);
                          }};
        char msg[256] = {0};
        sy_error err{msg, sizeof msg};
        if (api_->state_hgetall(api_->host_ctx, key.data(), key.size(), &sink, &err) != SY_OK)
            throw Error(msg[0] ? msg : "state store failed");
        std::vector<std::pair<std::string, std::string>> out;
        for (size_t pos = 0; pos < raw.size();) {
            size_t a = raw.find('\0', pos);
            if (a == std::string::npos) break;
            size_t b = raw.find('\0', a + 1);
            if (b == std::string::npos) break;
            out.emplace_back(raw.substr(pos, a - pos), raw.substr(a + 1, b - a - 1));
            pos = b + 1;
        }
        return out;
    }

private:
    void require_embedders() const {
        if (!has_embedders()) throw Error("the host does not provide plugin ABI 1.1 services", SY_ERR_UNSUPPORTED);
    }
    const sy_host_api* api_;
};

// Read-only view of the client's request.
class RequestView {
public:
    explicit RequestView(const sy_request_view* v) : v_(v) {}
    std::string_view body_json() const { return view(v_->body_json); }
    std::string_view model() const { return view(v_->model); }
    std::string_view last_user_text() const { return view(v_->last_user_text); }
    std::string_view system_text() const { return view(v_->system_text); }
    std::string_view user() const { return view(v_->user); }
    std::string_view request_id() const { return view(v_->request_id); }
    int64_t prompt_tokens() const { return v_->prompt_tokens; }
    int64_t max_tokens() const { return v_->max_tokens; }  // -1 when absent
    bool stream() const { return v_->stream != 0; }
    int message_count() const { return v_->message_count; }
    bool has_tools() const { return v_->has_tools != 0; }
    const sy_request_view* raw() const { return v_; }

private:
    const sy_request_view* v_;
};

// One request as a provider sees it: the client's request plus the deployment's model name.
class ProviderRequest {
public:
    explicit ProviderRequest(const sy_provider_request* r) : r_(r), request_(r->request) {}
    const RequestView& request() const { return request_; }
    std::string_view upstream_model() const { return view(r_->upstream_model); }
    bool stream() const { return r_->stream != 0; }
    bool include_usage() const { return r_->include_usage != 0; }

private:
    const sy_provider_request* r_;
    RequestView request_;
};

class Candidate {
public:
    explicit Candidate(const sy_candidate* c) : c_(c) {}
    std::string_view name() const { return view(c_->name); }
    double input_price_per_mtok() const { return c_->input_price_per_mtok; }
    double output_price_per_mtok() const { return c_->output_price_per_mtok; }
    int64_t context_window() const { return c_->context_window; }
    bool healthy() const { return c_->healthy != 0; }

private:
    const sy_candidate* c_;
};

// Collects a router's ranked choices (best first) and its reason.
class Ranking {
public:
    void add(size_t candidate_index, double score) { choices_.push_back({candidate_index, score}); }
    void reason(std::string text) { reason_ = std::move(text); }
    // A short note the host keeps with the request and hands back to feedback().
    void memo(std::string text) { memo_ = std::move(text); }
    const std::string& memo() const { return memo_; }
    struct Choice {
        size_t index;
        double score;
    };
    const std::vector<Choice>& choices() const { return choices_; }
    const std::string& reason() const { return reason_; }

private:
    std::vector<Choice> choices_;
    std::string reason_;
    std::string memo_;
};

// Writes the upstream request (provider build_request).
class HttpBuilder {
public:
    HttpBuilder(const sy_host_api* api, sy_http_builder* b) : api_(api), b_(b) {}
    void method(std::string_view m) { api_->builder_set_method(b_, m.data(), m.size()); }
    void path(std::string_view p) { api_->builder_set_path(b_, p.data(), p.size()); }
    void header(std::string_view name, std::string_view value) {
        api_->builder_add_header(b_, name.data(), name.size(), value.data(), value.size());
    }
    void body(std::string_view data) { api_->builder_append_body(b_, data.data(), data.size()); }
    void framing(sy_stream_framing f) { api_->builder_set_framing(b_, f); }

private:
    const sy_host_api* api_;
    sy_http_builder* b_;
};

// Writes the OpenAI-shaped answer (parse_response, stream events, local providers).
class ResponseWriter {
public:
    ResponseWriter(const sy_host_api* api, sy_response_writer* w) : api_(api), w_(w) {}
    void body(std::string_view data) { api_->writer_append_body(w_, data.data(), data.size()); }
    void chunk(std::string_view json) { api_->writer_emit_chunk(w_, json.data(), json.size()); }
    void usage(int64_t prompt, int64_t completion, int64_t cached = -1, int64_t cache_write = -1) {
        sy_usage u{sizeof(sy_usage), prompt, completion, cached, cache_write};
        api_->writer_set_usage(w_, &u);
    }
    void error(int http_status, std::string_view type, std::string_view message) {
        api_->writer_set_error(w_, http_status, type.data(), type.size(), message.data(), message.size());
    }
    void finish_reason(std::string_view reason) { api_->writer_set_finish_reason(w_, reason.data(), reason.size()); }

private:
    const sy_host_api* api_;
    sy_response_writer* w_;
};

// ------------------------------------------------------------------ plugin base classes

class Router {
public:
    virtual ~Router() = default;
    // Rank the candidates (indexes into cands) best first and give a short reason.
    virtual void route(const RequestView& request, const std::vector<Candidate>& candidates,
                       const sy_route_params& params, Ranking& out) = 0;
    // Predicted quality per candidate (quality has candidates.size() entries) and the strong-win
    // score of the first candidate over the last. Routers without a quality model keep the default.
    virtual void score(const RequestView&, const std::vector<Candidate>&, std::vector<double>& /*quality*/,
                       double& /*strong_win*/) {
        throw Error("this router does not score candidates", SY_ERR_UNSUPPORTED);
    }
    // Cascade routers override check(): the verdict on a candidate's answer (accept, escalate,
    // or ask a judge by filling judge_request with a chat request), and why.
    struct Check {
        sy_verdict verdict = SY_VERDICT_ACCEPT;
        std::string judge_request;  // for SY_VERDICT_ASK_JUDGE
        std::string why;
    };
    virtual Check check(const RequestView& /*request*/, std::string_view /*model*/, std::string_view /*answer_json*/,
                        std::string_view /*judge_answer_json*/) {
        throw Error("this router does not check answers", SY_ERR_UNSUPPORTED);
    }
    // Feedback (0..1) on a request this router ranked; `memo` is what route() noted. Routers
    // that learn online override it.
    virtual void feedback(std::string_view /*request_id*/, std::string_view /*model*/, std::string_view /*memo*/,
                          double /*score*/) {
        throw Error("this router does not learn from feedback", SY_ERR_UNSUPPORTED);
    }
};

// Routers that learn declare `static void train(const Host&, const sy_train_set&);` and write
// their weights with write(set.weights, bytes).
inline void write(const sy_byte_sink* sink, std::string_view data) {
    if (sink && sink->write) sink->write(sink->ctx, data.data(), data.size());
}

// Per-request state of a remote stream.
class ProviderStream {
public:
    virtual ~ProviderStream() = default;
    // Translate one upstream event; return SY_DONE when it ends the stream.
    virtual sy_status on_event(std::string_view event, std::string_view data, ResponseWriter& out) = 0;
};

// Per-request state of a local (in-process) stream.
class LocalStream {
public:
    virtual ~LocalStream() = default;
    // Emit the next chunk(s) and the delay before they are sent; SY_DONE ends the stream.
    virtual sy_status next(ResponseWriter& out, uint64_t& delay_us) = 0;
};

class EmbeddingsRequest {
public:
    explicit EmbeddingsRequest(const sy_embeddings_request* r) : r_(r) {}
    std::string_view body_json() const { return view(r_->body_json); }
    std::string_view upstream_model() const { return view(r_->upstream_model); }
    int64_t input_tokens() const { return r_->input_tokens; }
    std::string_view request_id() const { return view(r_->request_id); }

private:
    const sy_embeddings_request* r_;
};

class Provider {
public:
    virtual ~Provider() = default;
    // Providers that embed override these (remote: build and parse; local: local_embeddings).
    virtual void build_embeddings(const EmbeddingsRequest&, HttpBuilder&) { unsupported("build_embeddings"); }
    virtual void parse_embeddings(const EmbeddingsRequest&, const sy_upstream_response&, ResponseWriter&) {
        unsupported("parse_embeddings");
    }
    virtual uint64_t local_embeddings(const EmbeddingsRequest&, ResponseWriter&) {
        unsupported("local_embeddings");
        return 0;
    }
    // Remote providers override these.
    virtual void build_request(const ProviderRequest&, HttpBuilder&) { unsupported("build_request"); }
    virtual void parse_response(const ProviderRequest&, const sy_upstream_response&, ResponseWriter&) {
        unsupported("parse_response");
    }
    virtual std::unique_ptr<ProviderStream> open_stream(const ProviderRequest&) {
        unsupported("open_stream");
        return nullptr;
    }
    // Local providers override these; return the delay before the answer is sent.
    virtual uint64_t local_complete(const ProviderRequest&, ResponseWriter&) {
        unsupported("local_complete");
        return 0;
    }
    virtual std::unique_ptr<LocalStream> open_local_stream(const ProviderRequest&) {
        unsupported("open_local_stream");
        return nullptr;
    }

protected:
    [[noreturn]] static void unsupported(const char* what) {
        throw Error(std::string(what) + " is not implemented by this provider", SY_ERR_UNSUPPORTED);
    }
};

// ABI 1.2: a check on requests and whole answers. Override check_request, check_response or both
// (only the overridden ones are offered to the host). A throw is an error the host handles with
// the guardrail's on_error, never a deny.
class Guardrail {
public:
    struct Verdict {
        bool deny = false;
        int http_status = 0;  // deny: status hint (400..599); 0 = 400
        std::string message;  // deny: told to the client
        std::string reason;   // short note for logs and the route header (not the client's text)
        static Verdict allow() { return {}; }
        static Verdict denied(std::string message, std::string reason = {}, int http_status = 0) {
            return Verdict{true, http_status, std::move(message), std::move(reason)};
        }
    };
    // The answer to check: its text, and for a non-streamed answer its chat.completion JSON.
    struct Answer {
        std::string_view model;
        std::string_view text;
        std::string_view json;  // empty for a stream
        bool streamed = false;  // already with the client: a deny is recorded, not retracted
    };
    virtual ~Guardrail() = default;
    virtual Verdict check_request(const RequestView& /*request*/) { return Verdict::allow(); }
    virtual Verdict check_response(const RequestView& /*request*/, const Answer& /*answer*/) {
        return Verdict::allow();
    }
};

// ------------------------------------------------------------------ boundary trampolines

namespace detail {

inline void write_error(sy_error* err, const char* message) {
    if (!err || !err->message || err->cap == 0) return;
    size_t n = std::strlen(message);
    if (n > err->cap - 1) n = err->cap - 1;
    std::memcpy(err->message, message, n);
    err->message[n] = '\0';
}

// Runs fn, turning any exception into a status and a message.
template <typename Fn>
sy_status guarded(sy_error* err, Fn&& fn) noexcept {
    try {
        return fn();
    } catch (const Error& e) {
        write_error(err, e.what());
        return e.status();
    } catch (const std::exception& e) {
        write_error(err, e.what());
        return SY_ERR;
    } catch (...) {
        write_error(err, "unknown exception in plugin");
        return SY_ERR;
    }
}

template <typename T>
struct Instance {
    Host host;
    std::unique_ptr<T> impl;
};

template <typename T>
sy_status create(const sy_host_api* host, const char* config, size_t len, void** out, sy_error* err) noexcept {
    return guarded(err, [&] {
        Host h(host);
        auto inst = std::make_unique<Instance<T>>(Instance<T>{h, std::make_unique<T>(h, std::string_view(config, len))});
        *out = inst.release();
        return SY_OK;
    });
}

template <typename T>
void destroy(void* instance) noexcept {
    delete static_cast<Instance<T>*>(instance);
}

template <typename T>
struct RouterAdapter {
    static sy_status route(void* instance, const sy_request_view* req, const sy_candidate* cands, size_t n,
                           const sy_route_params* params, sy_choice* choices, size_t cap, size_t* n_choices,
                           char* reason, size_t reason_cap, sy_error* err) noexcept {
        return guarded(err, [&] {
            auto* self = static_cast<Instance<T>*>(instance);
            std::vector<Candidate> list;
            list.reserve(n);
            for (size_t i = 0; i < n; ++i) list.emplace_back(&cands[i]);
            Ranking ranking;
            self->impl->route(RequestView(req), list, *params, ranking);
            size_t count = 0;
            for (const auto& c : ranking.choices()) {
                if (count == cap) break;
                choices[count++] = sy_choice{sizeof(sy_choice), static_cast<uint32_t>(c.index), c.score};
            }
            *n_choices = count;
            if (reason && reason_cap > 0) {
                sy_error r{reason, reason_cap};
                write_error(&r, ranking.reason().c_str());
            }
            if (params->struct_size >= offsetof(sy_route_params, memo_cap) + sizeof(size_t) && params->memo &&
                params->memo_cap > 0) {
                sy_error m{params->memo, params->memo_cap};
                write_error(&m, ranking.memo().c_str());
            }
            return SY_OK;
        });
    }

    static sy_status score(void* instance, const sy_request_view* req, const sy_candidate* cands, size_t n,
                           double* quality, double* strong_win, sy_error* err) noexcept {
        return guarded(err, [&] {
            auto* self = static_cast<Instance<T>*>(instance);
            std::vector<Candidate> list;
            list.reserve(n);
            for (size_t i = 0; i < n; ++i) list.emplace_back(&cands[i]);
            std::vector<double> q(n, 0.0);
            double win = 0;
            self->impl->score(RequestView(req), list, q, win);
            for (size_t i = 0; i < n; ++i) quality[i] = q[i];
            *strong_win = win;
            return SY_OK;
        });
    }

    template <typename U, typename = void>
    struct trainable : std::false_type {};
    template <typename U>
    struct trainable<U, std::void_t<decltype(U::train(std::declval<const Host&>(),
                                                      std::declval<const sy_train_set&>()))>>
        : std::true_type {};

    static sy_status train(const sy_host_api* host, const sy_train_set* set, sy_error* err) noexcept {
        return guarded(err, [&]() -> sy_status {
            if constexpr (trainable<T>::value) {
                T::train(Host(host), *set);
                return SY_OK;
            } else {
                throw Error("this router is not trainable", SY_ERR_UNSUPPORTED);
            }
        });
    }

    // The feedback slot is filled only when T overrides Router::feedback, so that the host keeps
    // nothing for routers that do not learn.
    static constexpr bool learns = !std::is_same_v<decltype(&T::feedback), decltype(&Router::feedback)>;

    static sy_status feedback(void* instance, const sy_feedback* fb, sy_error* err) noexcept {
        return guarded(err, [&] {
            static_cast<Instance<T>*>(instance)->impl->feedback(view(fb->request_id), view(fb->model), view(fb->memo),
                                                                 fb->score);
            return SY_OK;
        });
    }

    static constexpr bool checks = !std::is_same_v<decltype(&T::check), decltype(&Router::check)>;

    static sy_status check(void* instance, const sy_check_input* in, int32_t* verdict, const sy_byte_sink* judge,
                           char* why, size_t why_cap, sy_error* err) noexcept {
        return guarded(err, [&] {
            Router::Check c = static_cast<Instance<T>*>(instance)->impl->check(
                RequestView(in->request), view(in->model), view(in->answer_json), view(in->judge_answer_json));
            *verdict = c.verdict;
            if (c.verdict == SY_VERDICT_ASK_JUDGE) write(judge, c.judge_request);
            if (why && why_cap > 0) {
                sy_error w{why, why_cap};
                write_error(&w, c.why.c_str());
            }
            return SY_OK;
        });
    }

    static const sy_router_vtable* vtable() {
        static const sy_router_vtable vt = {sizeof(sy_router_vtable), &create<T>, &destroy<T>, &route, &score,
                                            trainable<T>::value ? &train : nullptr,
                                            learns ? &feedback : nullptr, checks ? &check : nullptr};
        return &vt;
    }
};

template <typename T>
struct ProviderAdapter {
    static Instance<T>* self(void* p) { return static_cast<Instance<T>*>(p); }

    static sy_status build_request(void* inst, const sy_provider_request* req, sy_http_builder* out,
                                   sy_error* err) noexcept {
        return guarded(err, [&] {
            HttpBuilder b(self(inst)->host.api(), out);
            self(inst)->impl->build_request(ProviderRequest(req), b);
            return SY_OK;
        });
    }
    static sy_status parse_response(void* inst, const sy_provider_request* req, const sy_upstream_response* resp,
                                    sy_response_writer* out, sy_error* err) noexcept {
        return guarded(err, [&] {
            ResponseWriter w(self(inst)->host.api(), out);
            self(inst)->impl->parse_response(ProviderRequest(req), *resp, w);
            return SY_OK;
        });
    }
    static sy_status stream_open(void* inst, const sy_provider_request* req, void** state, sy_error* err) noexcept {
        return guarded(err, [&] {
            *state = self(inst)->impl->open_stream(ProviderRequest(req)).release();
            return SY_OK;
        });
    }
    static sy_status stream_event(void* inst, void* state, const sy_stream_event* ev, sy_response_writer* out,
                                  sy_error* err) noexcept {
        return guarded(err, [&] {
            if (!state) throw Error("stream_event without an open stream");
            ResponseWriter w(self(inst)->host.api(), out);
            return static_cast<ProviderStream*>(state)->on_event(view(ev->event), view(ev->data), w);
        });
    }
    static void stream_close(void*, void* state) noexcept { delete static_cast<ProviderStream*>(state); }

    static sy_status local_complete(void* inst, const sy_provider_request* req, sy_response_writer* out,
                                    uint64_t* delay_us, sy_error* err) noexcept {
        return guarded(err, [&] {
            ResponseWriter w(self(inst)->host.api(), out);
            *delay_us = self(inst)->impl->local_complete(ProviderRequest(req), w);
            return SY_OK;
        });
    }
    static sy_status local_stream_open(void* inst, const sy_provider_request* req, void** state,
                                       sy_error* err) noexcept {
        return guarded(err, [&] {
            *state = self(inst)->impl->open_local_stream(ProviderRequest(req)).release();
            return SY_OK;
        });
    }
    static sy_status local_stream_next(void* inst, void* state, sy_response_writer* out, uint64_t* delay_us,
                                       sy_error* err) noexcept {
        return guarded(err, [&] {
            if (!state) throw Error("local_stream_next without an open stream");
            ResponseWriter w(self(inst)->host.api(), out);
            *delay_us = 0;
            return static_cast<LocalStream*>(state)->next(w, *delay_us);
        });
    }
    static void local_stream_close(void*, void* state) noexcept { delete static_cast<LocalStream*>(state); }

    static sy_status build_embeddings(void* inst, const sy_embeddings_request* req, sy_http_builder* out,
                                      sy_error* err) noexcept {
        return guarded(err, [&] {
            HttpBuilder b(self(inst)->host.api(), out);
            self(inst)->impl->build_embeddings(EmbeddingsRequest(req), b);
            return SY_OK;
        });
    }
    static sy_status parse_embeddings(void* inst, const sy_embeddings_request* req, const sy_upstream_response* resp,
                                      sy_response_writer* out, sy_error* err) noexcept {
        return guarded(err, [&] {
            ResponseWriter w(self(inst)->host.api(), out);
            self(inst)->impl->parse_embeddings(EmbeddingsRequest(req), *resp, w);
            return SY_OK;
        });
    }
    static sy_status local_embeddings(void* inst, const sy_embeddings_request* req, sy_response_writer* out,
                                      uint64_t* delay_us, sy_error* err) noexcept {
        return guarded(err, [&] {
            ResponseWriter w(self(inst)->host.api(), out);
            *delay_us = self(inst)->impl->local_embeddings(EmbeddingsRequest(req), w);
            return SY_OK;
        });
    }
    // Embedding slots are filled only for providers that override them.
    static constexpr bool remote_embeds = !std::is_same_v<decltype(&T::build_embeddings), decltype(&Provider::build_embeddings)>;
    static constexpr bool local_embeds = !std::is_same_v<decltype(&T::local_embeddings), decltype(&Provider::local_embeddings)>;

    static const sy_provider_vtable* vtable(uint32_t flags) {
        static const sy_provider_vtable vt = {
            sizeof(sy_provider_vtable), flags, &create<T>, &destroy<T>, &build_request, &parse_response,
            &stream_open, &stream_event, &stream_close, &local_complete, &local_stream_open,
            &local_stream_next, &local_stream_close,
            remote_embeds ? &build_embeddings : nullptr, remote_embeds ? &parse_embeddings : nullptr,
            local_embeds ? &local_embeddings : nullptr,
        };
        return &vt;
    }
};

template <typename T>
struct GuardrailAdapter {
    static sy_status write_verdict(const Guardrail::Verdict& v, sy_guardrail_verdict* out) {
        out->action = v.deny ? SY_GUARDRAIL_DENY : SY_GUARDRAIL_ALLOW;
        out->http_status = v.http_status;
        if (out->message && out->message_cap > 0) {
            sy_error m{out->message, out->message_cap};
            write_error(&m, v.message.c_str());
        }
        if (out->reason && out->reason_cap > 0) {
            sy_error r{out->reason, out->reason_cap};
            write_error(&r, v.reason.c_str());
        }
        return SY_OK;
    }
    static sy_status check_request(void* instance, const sy_request_view* req, sy_guardrail_verdict* out,
                                   sy_error* err) noexcept {
        return guarded(err, [&] {
            return write_verdict(static_cast<Instance<T>*>(instance)->impl->check_request(RequestView(req)), out);
        });
    }
    static sy_status check_response(void* instance, const sy_guardrail_response* resp, sy_guardrail_verdict* out,
                                    sy_error* err) noexcept {
        return guarded(err, [&] {
            Guardrail::Answer a{view(resp->model), view(resp->answer_text), view(resp->answer_json),
                                resp->streamed != 0};
            return write_verdict(static_cast<Instance<T>*>(instance)->impl->check_response(RequestView(resp->request), a),
                                 out);
        });
    }
    // A slot is filled only when T overrides the check, so the host skips the others.
    static constexpr bool on_request =
        !std::is_same_v<decltype(&T::check_request), decltype(&Guardrail::check_request)>;
    static constexpr bool on_response =
        !std::is_same_v<decltype(&T::check_response), decltype(&Guardrail::check_response)>;

    static const sy_guardrail_vtable* vtable() {
        static const sy_guardrail_vtable vt = {sizeof(sy_guardrail_vtable), &create<T>, &destroy<T>,
                                               on_request ? &check_request : nullptr,
                                               on_response ? &check_response : nullptr};
        return &vt;
    }
};

// Providers declare `static constexpr bool kLocal = true;` to run in process.
template <typename T, typename = void>
struct is_local : std::false_type {};
template <typename T>
struct is_local<T, std::void_t<decltype(T::kLocal)>> : std::bool_constant<T::kLocal> {};

inline sy_plugin_descriptor make_descriptor(sy_plugin_kind kind, const char* name, const char* version,
                                            const char* description, const void* vtable, uint32_t vtable_size) {
    return sy_plugin_descriptor{SY_PLUGIN_MAGIC, SY_ABI_MAJOR, SY_ABI_MINOR, sizeof(sy_plugin_descriptor),
                                static_cast<uint32_t>(kind), name, version, description, vtable, vtable_size,
                                0, {nullptr, nullptr, nullptr, nullptr}};
}

}  // namespace detail
}  // namespace switchyard

#define SWITCHYARD_ROUTER(Class, Name, Version, Description)                                             \
    extern "C" SY_PLUGIN_EXPORT const sy_plugin_descriptor* switchyard_plugin_entry(void) {             \
        static const sy_plugin_descriptor d = ::switchyard::detail::make_descriptor(                    \
            SY_KIND_ROUTER, Name, Version, Description, ::switchyard::detail::RouterAdapter<Class>::vtable(), \
            sizeof(sy_router_vtable));                                                                   \
        return &d;                                                                                       \
    }

#define SWITCHYARD_PROVIDER(Class, Name, Version, Description)                                             \
    extern "C" SY_PLUGIN_EXPORT const sy_plugin_descriptor* switchyard_plugin_entry(void) {               \
        static const sy_plugin_descriptor d = ::switchyard::detail::make_descriptor(                      \
            SY_KIND_PROVIDER, Name, Version, Description,                                                  \
            ::switchyard::detail::ProviderAdapter<Class>::vtable(                                          \
                ::switchyard::detail::is_local<Class>::value ? SY_PROVIDER_LOCAL : SY_PROVIDER_REMOTE),   \
            sizeof(sy_provider_vtable));                                                                   \
        return &d;                                                                                         \
    }

#define SWITCHYARD_GUARDRAIL(Class, Name, Version, Description)                                          \
    extern "C" SY_PLUGIN_EXPORT const sy_plugin_descriptor* switchyard_plugin_entry(void) {             \
        static const sy_plugin_descriptor d = ::switchyard::detail::make_descriptor(                    \
            SY_KIND_GUARDRAIL, Name, Version, Description,                                               \
            ::switchyard::detail::GuardrailAdapter<Class>::vtable(), sizeof(sy_guardrail_vtable));       \
        return &d;                                                                                       \
    }

#endif  // SWITCHYARD_SDK_HPP
