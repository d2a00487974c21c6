// GET /admin/quality: this instance's quality board (docs/http-api.md).
#include "server/admin_handlers.hpp"
#include "server/http_util.hpp"

namespace sy::server {

void admin_quality(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    if (!admin_allowed(g, req, resp)) return;
    close_if_body_unread(req, resp);
    send_json(req, resp, 200, g.quality().to_json());
}

}  // namespace sy::server
