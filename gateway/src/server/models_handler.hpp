// GET /v1/models: configured models, their aliases, router models and `auto`.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "server/gateway.hpp"

namespace sy::server {

void models(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);

}  // namespace sy::server
