#include "server/status_page.hpp"

#include "server/admin_handlers.hpp"
#include "server/http_util.hpp"
#include "server/savings_days.hpp"

namespace sy::server {

extern const char kStatusPageHtml[];  // generated from status_page.html by CMake

void status_page(Gateway&, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    close_if_body_unread(req, resp);
    static const std::string page(kStatusPageHtml);
    resp.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    resp.setContentType("text/html; charset=utf-8");
    resp.set("Cache-Control", "no-store");
    resp.set("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'");
    resp.setContentLength(static_cast<std::streamsize>(page.size()));
    resp.send().write(page.data(), static_cast<std::streamsize>(page.size()));
}

void status_recent(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    close_if_body_unread(req, resp);
    const bool admin_set = !g.runtime()->config().auth.admin_key.empty();
    if (admin_set && !carries_admin_key(g, req))
        return send_error(req, resp, ApiError::unauthorized("Recent requests need Authorization: Bearer <admin key>"));
    if (!admin_set && !req.clientAddress().host().isLoopback())
        return send_error(req, resp, ApiError{403, "permission_error", "loopback_only",
                                              "Without auth.admin_key, recent requests are shown to this machine only",
                                              {}, {}});
    std::string body = "{\"object\":\"list\",\"data\":[";
    bool first = true;
    for (const std::string& id : g.traces().recent(20)) {
        std::string trace = g.traces().find(id);
        if (trace.empty()) continue;
        if (!first) body += ',';
        body += trace;
        first = false;
    }
    body += "]}";
    send_json(req, resp, 200, body);
}

void status_savings(Gateway&, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    close_if_body_unread(req, resp);
    send_json(req, resp, 200, SavingsDays::instance().json());
}

}  // namespace sy::server
