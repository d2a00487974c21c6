// server.admin_listen: the admin API and the status page on a listener of their own (e.g. a
// loopback or management-network address), while the main listener answers 404 for them.
#pragma once

#include <memory>

#include <Poco/Net/HTTPServer.h>

#include "server/gateway.hpp"

namespace sy::server {

// Starts the admin listener when the running config sets server.admin_listen: returns the
// started server, or null (logged) when it cannot listen. `wanted` says whether one is set.
std::unique_ptr<Poco::Net::HTTPServer> start_admin_listener(Gateway& g, bool& wanted);

}  // namespace sy::server
