#include "server/handlers.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <switchyard/metrics.hpp>

#include "server/admin_handlers.hpp"
#include "server/status_page.hpp"
#include "server/chat_handler.hpp"
#include "server/http_util.hpp"
#include "server/embeddings_handler.hpp"
#include "server/feedback.hpp"
#include "server/models_handler.hpp"

namespace sy::server {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// A handler that is a plain function of (gateway, request, response).
template <void (*Fn)(Gateway&, HTTPServerRequest&, HTTPServerResponse&)>
class FnHandler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit FnHandler(Gateway& g) : g_(g) {}
    void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override {
        resp.set("x-request-id", request_id_for(req));
        Fn(g_, req, resp);
    }

private:
    Gateway& g_;
};

void healthz(Gateway&, HTTPServerRequest& req, HTTPServerResponse& resp) {
    send_json(req, resp, 200, R"({"status":"ok"})");
}

void readyz(Gateway& g, HTTPServerRequest& req, HTTPServerResponse& resp) {
    if (g.draining()) {
        resp.setKeepAlive(false);
        send_json(req, resp, 503, R"({"status":"draining"})");
    } else if (!g.runtime()) {
        send_json(req, resp, 503, R"({"status":"starting"})");
    } else {
        switch (g.probe_state()) {
        case Gateway::StateHealth::ok: return send_json(req, resp, 200, R"({"status":"ready"})");
        case Gateway::StateHealth::degraded:
            return send_json(req, resp, 200, R"({"status":"ready","state_store":"degraded"})");
        case Gateway::StateHealth::down:
            return send_json(req, resp, 503, R"({"status":"state_store_unavailable"})");
        }
    }
}

void metrics_text(Gateway&, HTTPServerRequest& req, HTTPServerResponse& resp) {
    std::string body = metrics::Registry::instance().render();
    metrics::render_process_metrics(body);
    resp.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    resp.setContentType("text/plain; version=0.0.4");
    resp.setContentLength64(static_cast<Poco::Int64>(body.size()));
    std::string out;
    append_head(resp, out);
    out += body;
    if (!write_client(req, out)) resp.setKeepAlive(false);
}

void not_found(Gateway&, HTTPServerRequest& req, HTTPServerResponse& resp) {
    close_if_body_unread(req, resp);
    ApiError e{404, "invalid_request_error", "not_found", "No route for " + req.getMethod() + " " + req.getURI(), {}, {}};
    send_error(req, resp, e);
}

void method_not_allowed(Gateway&, HTTPServerRequest& req, HTTPServerResponse& resp) {
    close_if_body_unread(req, resp);
    ApiError e{405, "invalid_request_error", "method_not_allowed",
               "Method " + req.getMethod() + " is not allowed on " + req.getURI(), {}, {}};
    send_error(req, resp, e);
}

std::string_view path_of(const std::string& uri) {
    std::string_view p(uri);
    if (size_t q = p.find('?'); q != std::string_view::npos) p = p.substr(0, q);
    return p;
}

}  // namespace

Poco::Net::HTTPRequestHandler* HandlerFactory::createRequestHandler(const HTTPServerRequest& request) {
    std::string_view path = path_of(request.getURI());
    const std::string& method = request.getMethod();
    struct Route {
        std::string_view path;
        std::string_view method;
        Poco::Net::HTTPRequestHandler* (*make)(Gateway&);
    };
    static const Route routes[] = {
        {"/v1/chat/completions", "POST", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new ChatHandler(g); }},
        {"/chat/completions", "POST", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new ChatHandler(g); }},
        {"/v1/messages", "POST", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new ChatHandler(g, Dialect::anthropic); }},
        {"/v1/embeddings", "POST", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<embeddings>(g); }},
        {"/embeddings", "POST", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<embeddings>(g); }},
        {"/v1/feedback", "POST", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<feedback>(g); }},
        {"/v1/models", "GET", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<models>(g); }},
        {"/healthz", "GET", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<healthz>(g); }},
        {"/readyz", "GET", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<readyz>(g); }},
        {"/metrics", "GET", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<metrics_text>(g); }},
        {"/", "GET", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<status_page>(g); }},
        {"/ui", "GET", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<status_page>(g); }},
        {"/ui/savings", "GET", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<status_savings>(g); }},
        {"/ui/recent", "GET", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<status_recent>(g); }},
        {"/admin/reload", "POST", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<admin_reload>(g); }},
        {"/admin/reload", "GET", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<admin_reload>(g); }},
        {"/admin/spend", "GET", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<admin_spend>(g); }},
        {"/admin/quality", "GET", [](Gateway& g) -> Poco::Net::HTTPRequestHandler* { return new FnHandler<admin_quality>(g); }},
    };
    if (path == "/admin/keys" || path.starts_with("/admin/keys/")) return new FnHandler<admin_keys>(gateway_);
    if ((path == "/admin/requests" || path.starts_with("/admin/requests/")) && method == "GET")
        return new FnHandler<admin_requests>(gateway_);
    bool path_known = false;
    for (const auto& r : routes) {
        if (r.path != path) continue;
        if (r.method == method) return r.make(gateway_);
        path_known = true;
    }
    if (path_known) return new FnHandler<method_not_allowed>(gateway_);
    return new FnHandler<not_found>(gateway_);
}

Poco::Net::HTTPRequestHandler* MetricsHandlerFactory::createRequestHandler(const HTTPServerRequest& request) {
    std::string_view path = path_of(request.getURI());
    if (request.getMethod() == "GET" && path == "/metrics") return new FnHandler<metrics_text>(gateway_);
    if (request.getMethod() == "GET" && path == "/healthz") return new FnHandler<healthz>(gateway_);
    return new FnHandler<not_found>(gateway_);
}

}  // namespace sy::server
