// The request path up to the routing decision, without sockets: request head and body ->
// dispatch -> key -> (Anthropic Messages -> chat) -> parse -> model allow-list -> PII scan ->
// policies -> router -> model and deployment. The gateway is tests/fuzz/request_path.yaml
// (mock providers, the example policies, two routers, keys); nothing is called upstream.
//
// Input: an HTTP/1.1 request as it arrives. The head goes through the edge's strict parser
// (server/http_head.hpp, as the server reads it) and the body through its framing: the
// Content-Length bytes, or the chunked decoder, both under the server's default limits.
// Checks beyond "no crash": an error has a 4xx/5xx status and a code; a routed request has a
// model, and a deployment unless its route is local-only.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>


#include <switchyard/log.hpp>

#include "config/loader.hpp"
#include "core/ascii.hpp"
#include "plugin/plugin_registry.hpp"
#include "routing/runtime.hpp"
#include "server/admission.hpp"
#include "server/anthropic_messages.hpp"
#include "server/chunked_body.hpp"
#include "server/http_head.hpp"
#include "state/key_store.hpp"

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Head {
    std::string method;
    std::string target;
    Headers fields;  // as sent (names in their original case)

    const std::string* get(std::string_view name) const {
        for (const auto& [k, v] : fields)
            if (sy::ascii_lower(k) == name) return &v;
        return nullptr;
    }
};

// The request line, header fields and body as the edge frames them; false when the edge refuses
// the request (it answers 400/413/414/431 and closes) or it is incomplete.
bool parse_request(std::string_view bytes, Head& out, std::string& body) {
    namespace http = sy::server::http;
    static const http::HeadLimits limits;
    constexpr uint64_t kMaxBody = 4 * 1024 * 1024;  // server.max_body_bytes' default
    http::RequestHead head;
    http::Rejection why;
    if (http::parse_head(bytes, limits, head, why) != http::Parse::complete) return false;
    out.method = std::string(head.method.in(bytes));
    out.target = std::string(head.target.in(bytes));
    for (const http::Field& f : head.fields) out.fields.emplace_back(f.name.in(bytes), f.value.in(bytes));
    std::string_view rest = bytes.substr(head.size);
    switch (head.framing) {
        case http::Framing::none: return true;
        case http::Framing::content_length:
            if (head.content_length > kMaxBody || head.content_length > rest.size()) return false;
            body.assign(rest.substr(0, head.content_length));
            return true;
        case http::Framing::chunked: {
            http::ChunkedDecoder decoder(kMaxBody, limits.max_header_bytes);
            size_t consumed = 0;
            return decoder.feed(rest, body, consumed, why) == http::Parse::complete;
        }
    }
    return false;
}

std::shared_ptr<sy::routing::Runtime>& runtime() {
    static std::shared_ptr<sy::routing::Runtime> rt;
    return rt;
}

[[noreturn]] void finding(const std::string& what) {
    std::fprintf(stderr, "request_path: %s\n", what.c_str());
    std::abort();
}

void check_error(const sy::ApiError& e) {
    if (e.status < 400 || e.status > 599 || e.code.empty())
        finding("bad error: " + std::to_string(e.status) + " " + e.message);
}

// Headers as policies see them: lower-cased names, without the credentials.
Headers policy_headers(const Head& head) {
    Headers out;
    for (const auto& [name, value] : head.fields) {
        std::string lower = sy::ascii_lower(name);
        if (lower != "authorization" && lower != "x-api-key") out.emplace_back(std::move(lower), value);
    }
    return out;
}

// The configured key the request presents (Bearer, or x-api-key), as server/admission.cc finds it;
// an unknown key is anonymous (auth.required is false).
std::shared_ptr<const sy::config::ApiKeyConfig> key_of(const Head& head) {
    std::string_view token;
    if (const std::string* auth = head.get("authorization"); auth && std::string_view(*auth).starts_with("Bearer "))
        token = std::string_view(*auth).substr(7);
    else if (const std::string* k = head.get("x-api-key"))
        token = *k;
    if (token.empty()) return nullptr;
    return runtime()->find_config_key(sy::state::key_hash(token));
}

void route(const Head& head, std::string body, bool messages_api) {
    const sy::routing::Runtime& rt = *runtime();
    auto key = key_of(head);
    if (messages_api) {
        std::string chat_body;
        if (auto err = sy::server::messages_to_chat(body, chat_body)) return check_error(*err);
        body.swap(chat_body);
    }
    sy::ChatRequest chat;
    if (auto err = sy::parse_chat_request(std::move(body), chat, rt.scans_pii())) return check_error(*err);
    if (key)
        if (auto err = sy::server::check_model_allowed(*key, chat.model)) return check_error(*err);
    Headers headers = policy_headers(head);
    sy::routing::RouteContext ctx;
    ctx.headers = &headers;
    ctx.key = key.get();
    ctx.unix_time = 1700000000;  // a fixed clock: the same input routes the same way
    ctx.pii = sy::routing::scan_pii(chat);
    if (const std::string* session = head.get("x-session-id")) ctx.session_header = *session;
    sy::routing::RouteDecision decision;
    decision.affinity = ctx.session_header.empty() ? chat.user : ctx.session_header;
    if (auto err = rt.route(chat, "req-fuzz", ctx, decision)) return check_error(*err);
    if (!decision.model) finding("routed without a model: " + decision.reason);
    if (!decision.deployment && !decision.local_only) finding("routed without a deployment: " + decision.reason);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    sy::log::set_level(sy::log::Level::error);
    sy::config::LoadResult loaded = sy::config::load_config_file(SY_FUZZ_DIR "/request_path.yaml");
    if (!loaded.config) finding("config: " + loaded.error);
    auto registry = std::make_shared<sy::plugin::PluginRegistry>();
    std::vector<std::string> files;
    for (const char* name : {"mock", "random", "fixed"}) files.push_back(std::string(SY_PLUGIN_DIR "/") + name + ".so");
    registry->load({}, files);
    std::string error;
    runtime() = sy::routing::Runtime::build(*loaded.config, registry, error);
    if (!runtime()) finding("runtime: " + error);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    Head head;
    std::string body;
    if (!parse_request(input, head, body)) return 0;
    if (head.method != "POST") return 0;
    std::string_view path = std::string_view(head.target).substr(0, head.target.find('?'));
    if (path == "/v1/chat/completions" || path == "/chat/completions")
        route(head, std::move(body), false);
    else if (path == "/v1/messages")
        route(head, std::move(body), true);
    return 0;
}
