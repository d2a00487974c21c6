// The admin API (/admin/...): config reload, virtual keys and spend. Every call needs
// Authorization: Bearer <auth.admin_key>; without an admin key configured the API is off (404).
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "server/gateway.hpp"

namespace sy::server {

// Sends the error and returns false unless the request carries the admin key.
bool admin_allowed(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);
// GET /admin/quality: feedback per router, route and model; shadow outcomes and retention per router.
void admin_quality(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);

// True when the request carries Authorization: Bearer <auth.admin_key> (an admin key is set).
bool carries_admin_key(Gateway& g, const Poco::Net::HTTPServerRequest& req);

// POST /admin/reload reloads like SIGHUP; GET tells how the last reload went.
void admin_reload(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);
// /admin/keys (GET list, POST create) and /admin/keys/{id} (GET, PATCH, DELETE = revoke).
void admin_keys(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);
// GET /admin/requests (recent ids) and /admin/requests/{id} (the trace of one recent request).
void admin_requests(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);
// GET /admin/spend?from=YYYY-MM-DD&to=YYYY-MM-DD: spend by day, key, team and model.
void admin_spend(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);

}  // namespace sy::server
