#include "server/chat_handler.hpp"

#include <istream>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <switchyard/log.hpp>

#include "server/http_util.hpp"
#include "server/provider_call.hpp"

namespace sy::server {
namespace {

constexpr size_t kMaxUpstreamBody = 64 * 1024 * 1024;

// Reads the body, refusing more than `limit` bytes without buffering the excess.
std::optional<ApiError> read_body(Poco::Net::HTTPServerRequest& req, int64_t limit, std::string& body) {
    if (req.hasContentLength()) {
        int64_t len = req.getContentLength64();
        if (len > limit) return ApiError::payload_too_large(limit);
        body.resize(static_cast<size_t>(len));
        req.stream().read(body.data(), len);
        if (req.stream().gcount() != len) return ApiError::bad_request("Request body ended early", {}, "incomplete_body");
        return std::nullopt;
    }
    char buf[16 * 1024];
    std::istream& in = req.stream();
    while (in) {
        in.read(buf, sizeof buf);
        body.append(buf, static_cast<size_t>(in.gcount()));
        if (static_cast<int64_t>(body.size()) > limit) return ApiError::payload_too_large(limit);
    }
    return std::nullopt;
}

std::optional<ApiError> authenticate(const config::AuthConfig& auth, const Poco::Net::HTTPServerRequest& req) {
    if (!auth.required) return std::nullopt;
    const std::string& header = req.get("Authorization", Poco::Net::HTTPMessage::EMPTY);
    std::string_view token;
    if (std::string_view(header).starts_with("Bearer ")) token = std::string_view(header).substr(7);
    if (token.empty()) return ApiError::unauthorized("Missing API key: send Authorization: Bearer <key>");
    for (const auto& key : auth.keys)
        if (key.key == token) return std::nullopt;
    return ApiError::unauthorized("Invalid API key");
}

void log_outcome(const std::string& request_id, const ChatRequest& req, const routing::RouteDecision& d,
                 const CallOutcome& out) {
    if (out.client_gone) {
        log::info("chat", request_id + " client disconnected; upstream request cancelled (model " +
                              d.model->config->name + ")");
    } else if (!out.error.empty()) {
        log::warn("chat", request_id + " model " + d.model->config->name + " provider " +
                              d.deployment->provider->config().name + " status " + std::to_string(out.status) +
                              (out.stream_error ? " (stream ended with an error event)" : "") + ": " + out.error);
    } else if (log::level() == log::Level::debug) {
        log::debug("chat", request_id + " " + req.model + " -> " + d.model->config->name + " status " +
                               std::to_string(out.status));
    }
}

}  // namespace

void ChatHandler::handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    Gateway::InflightGuard inflight(gateway_);
    const std::string request_id = request_id_for(req);
    resp.set("x-request-id", request_id);
    if (gateway_.draining()) resp.setKeepAlive(false);
    std::shared_ptr<const routing::Runtime> rt = gateway_.runtime();
    const config::Config& cfg = rt->config();

    if (auto err = authenticate(cfg.auth, req)) {
        close_if_body_unread(req, resp);
        return send_error(req, resp, *err);
    }
    std::string body;
    if (auto err = read_body(req, cfg.server.max_body_bytes, body)) {
        resp.setKeepAlive(false);  // the rest of the body is still on the wire
        return send_error(req, resp, *err);
    }
    ChatRequest chat;
    if (auto err = parse_chat_request(std::move(body), chat)) return send_error(req, resp, *err);

    routing::RouteDecision decision;
    if (auto err = rt->route(chat, request_id, decision)) return send_error(req, resp, *err);
    resp.set("x-switchyard-model", decision.model->config->name);
    resp.set("x-switchyard-provider", decision.deployment->provider->config().name);
    resp.set("x-switchyard-route", decision.reason);

    CallContext ctx{req, resp, chat, request_id, decision, client_fd(req), kMaxUpstreamBody};
    CallOutcome out = call_provider(ctx);
    log_outcome(request_id, chat, decision, out);
}

}  // namespace sy::server
