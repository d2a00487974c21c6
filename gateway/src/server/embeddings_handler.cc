#include "server/embeddings_handler.hpp"

#include <rapidjson/document.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <switchyard/chat_request.hpp>
#include <switchyard/metrics.hpp>

#include "core/clock.hpp"
#include "core/json_depth.hpp"
#include "core/json_checks.hpp"
#include "server/admission.hpp"
#include "server/client_base_url.hpp"
#include "server/http_util.hpp"
#include "server/provider_call.hpp"
#include "server/response_headers.hpp"
#include "server/upstream_failure.hpp"
#include "upstream/http_exchange.hpp"

namespace sy::server {
namespace {

constexpr size_t kMaxUpstreamBody = 256u << 20;  // 2,048 inputs × 3,072 floats as JSON fit

// Validates the body and estimates its input tokens.
std::optional<ApiError> parse_embeddings(const std::string& body, std::string& model, int64_t& tokens) {
    if (json_too_deep(body)) return json_too_deep_error();
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    if (d.HasParseError() || !d.IsObject()) return ApiError::bad_request("the body must be a JSON object", "", "invalid_json");
    if (auto err = client_json_error(d)) return err;
    auto m = d.FindMember("model");
    if (m == d.MemberEnd() || !m->value.IsString() || m->value.GetStringLength() == 0)
        return ApiError::bad_request("model is required", "model");
    model.assign(m->value.GetString(), m->value.GetStringLength());
    auto in = d.FindMember("input");
    if (in == d.MemberEnd()) return ApiError::bad_request("input is required", "input");
    const rapidjson::Value& input = in->value;
    tokens = 0;
    auto count = [&](const rapidjson::Value& v) -> bool {
        if (v.IsString()) return tokens += estimate_tokens({v.GetString(), v.GetStringLength()}), v.GetStringLength() > 0;
        if (v.IsArray() && !v.Empty()) {
            for (const auto& t : v.GetArray())
                if (!t.IsInt64()) return false;
            return tokens += static_cast<int64_t>(v.Size()), true;
        }
        return false;
    };
    bool ok = input.IsString() ? count(input) : input.IsArray() && !input.Empty();
    if (ok && input.IsArray()) {
        if (input[0].IsInt64()) ok = count(input);
        else
            for (const auto& item : input.GetArray()) ok = ok && count(item);
    }
    if (!ok)
        return ApiError::bad_request("input must be a non-empty string, an array of them, or token arrays", "input");
    return std::nullopt;
}

struct Answer {
    std::optional<ApiError> error;
    std::string body;
    sy_usage usage{sizeof(sy_usage), -1, -1, -1, -1};
    bool client_gone = false;
};

// pool: the deployment's, or the client's base URL's (null for a local provider).
Answer call(const routing::Deployment& dep, upstream::ConnectionPool* pool, const sy_embeddings_request& er, int client_fd) {
    Answer a;
    const plugin::ProviderInstance& prov = *dep.provider;
    const sy_provider_vtable& vt = prov.vtable();
    plugin::ErrorBuffer eb;
    sy_response_writer w;
    auto failed = [&](sy_status st) { return error_from_status(st, prov, eb.str()); };
    if (prov.is_local()) {
        uint64_t delay = 0;
        sy_status st = vt.local_embeddings(prov.handle(), &er, &w, &delay, &eb.err);
        if (delay && !sleep_unless_gone(std::min<uint64_t>(delay, 60'000'000), client_fd)) a.client_gone = true;
        if (st != SY_OK) a.error = failed(st);
    } else {
        sy_http_builder b;
        if (sy_status st = vt.build_embeddings(prov.handle(), &er, &b, &eb.err); st != SY_OK) {
            a.error = failed(st);
            return a;
        }
        upstream::HttpExchange ex(*pool, dep.timeouts, client_fd, upstream::Waits::park_fiber);
        upstream::ExchangeError io;
        std::string body;
        if (!ex.start(b, io) || !ex.read_all(body, kMaxUpstreamBody, io)) {
            a.client_gone = io.status == upstream::IoStatus::cancelled;
            a.error = upstream_failure(io, prov.config().name);
            return a;
        }
        sy_upstream_response ur{sizeof ur, ex.head().status, plugin::to_sy_str(ex.head().content_type),
                                plugin::to_sy_str(body), plugin::to_sy_str(ex.head().retry_after)};
        if (sy_status st = vt.parse_embeddings(prov.handle(), &er, &ur, &w, &eb.err); st != SY_OK) a.error = failed(st);
    }
    if (!a.error && w.error_status) a.error = upstream_answer_error(w, {});
    if (w.has_usage) a.usage = w.usage;
    a.body = std::move(w.body);
    return a;
}

void record(const routing::Model& model, const routing::Deployment& dep, const Answer& a, int64_t input, int64_t cost,
            int64_t started_ns) {
    const auto& m = dep.metrics;
    int status = a.error ? a.error->status : 200;
    m.requests[a.client_gone ? 3 : status >= 500 ? 2 : status >= 400 ? 1 : 0]->inc();
    if (a.error) return;
    m.tokens[0][a.usage.prompt_tokens >= 0 ? 0 : 1]->inc(static_cast<double>(input));
    if (model.config->priced) m.cost->inc(static_cast<double>(cost) / 1e9);
    m.duration->observe(static_cast<double>(clock::steady_ns() - started_ns) / 1e9);
}

}  // namespace

void embeddings(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    Gateway::InflightGuard inflight(g);
    const int64_t started_ns = clock::steady_ns();
    const std::string request_id = request_id_for(req);
    set_header(resp, "x-request-id", request_id);
    std::shared_ptr<const routing::Runtime> rt = g.runtime();
    const config::Config& cfg = rt->config();
    state::KeyPtr key;
    if (auto err = authenticate(g, *rt, req, key)) {
        close_if_body_unread(req, resp);
        return send_error(req, resp, *err);
    }
    ChatRequest as_chat;  // what admission and limits read: the model and the input tokens
    as_chat.embeddings = true;
    std::string body;
    if (auto err = read_body(req, cfg.server.max_body_bytes, body)) {
        resp.setKeepAlive(false);
        return send_error(req, resp, *err);
    }
    if (auto err = parse_embeddings(body, as_chat.model, as_chat.prompt_tokens)) return send_error(req, resp, *err);
    if (key)
        if (auto err = check_model_allowed(*key, as_chat.model)) return send_error(req, resp, *err);
    const routing::Model* model = rt->find_model(as_chat.model);
    if (!model) {
        ApiError e = ApiError::not_found_model(as_chat.model);
        if (as_chat.model == "auto" || as_chat.model.starts_with("router-"))
            e = ApiError::bad_request("embeddings need a configured model name, not a router", "model", "invalid_model");
        return send_error(req, resp, e);
    }
    const routing::Deployment* dep = routing::Runtime::pick_deployment(*model);
    std::unique_ptr<upstream::ConnectionPool> client_pool;  // x-switchyard-base-url
    if (dep)
        if (auto err = client_upstream(req, *rt, *model, false, dep, client_pool)) return send_error(req, resp, *err);
    if (!dep || !dep->provider->embeds())
        return send_error(req, resp,
                          ApiError::bad_request("model '" + model->config->name + "' cannot embed: provider plugin '" +
                                                    (dep ? dep->provider->plugin_name() : std::string("none")) +
                                                    "' has no embeddings",
                                                "model", "model_cannot_embed"));
    set_header(resp, "x-switchyard-model", model->config->name);
    set_header(resp, "x-switchyard-provider", dep->provider->config().name);
    set_header(resp, "x-switchyard-route", "model");
    Reservation for_key, for_model;
    KeyPrincipal principal(cfg, key.get(), as_chat);
    if (state::Limiter* limiter = g.limiter())
        if (auto err = admit_request(*limiter, principal, as_chat, *model->config, resp, for_key, for_model))
            return send_error(req, resp, *err);

    sy_embeddings_request er{sizeof er, plugin::to_sy_str(body), plugin::to_sy_str(dep->config->model), as_chat.prompt_tokens,
                             plugin::to_sy_str(request_id)};
    Answer a = call(*dep, client_pool ? client_pool.get() : dep->pool, er, client_fd(req));
    const int64_t input = a.usage.prompt_tokens >= 0 ? a.usage.prompt_tokens : as_chat.prompt_tokens;
    const int64_t cost = a.error || !model->config->priced ? 0 : cost_nano_usd(dep->config->prices, input, 0, 0);
    for_key.settle(cost, a.error ? 0 : input);
    for_model.settle(cost, a.error ? 0 : input);
    record(*model, *dep, a, input, cost, started_ns);
    if (a.client_gone) return;
    if (a.error) return send_error(req, resp, *a.error);
    send_json(req, resp, 200, a.body);
}

}  // namespace sy::server
