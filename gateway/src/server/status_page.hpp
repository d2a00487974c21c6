// The built-in status page: GET / and GET /ui serve one self-contained HTML page (no external
// assets) that polls /metrics and GET /ui/recent, the routing traces of the latest requests.
// /ui/recent needs the admin key when one is configured; without one it answers loopback
// clients only, so a quickstart works on the machine itself and nothing leaks off it.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "server/gateway.hpp"

namespace sy::server {

void status_page(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);
// {"object": "list", "data": [<trace of a recent request>, ...]}, newest first, at most 20.
// GET /ui/savings: money saved per day and the models that answered (aggregates only, public as
// /metrics is).
void status_savings(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);
void status_recent(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);

}  // namespace sy::server
