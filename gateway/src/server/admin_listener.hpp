// server.admin_listen: the admin API and the status page on a listener of their own (e.g. a
// loopback or management-network address), while the main listener answers 404 for them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <Poco/Net/ServerSocket.h>

#include "server/connection.hpp"
#include "server/edge_conn.hpp"
#include "server/edge_server.hpp"
#include "server/gateway.hpp"

namespace sy::server {

// Binds host:port with SO_REUSEADDR (restarts) but not SO_REUSEPORT (no second process may
// share the port) and listens; false, logged with the config key, when it cannot.
bool listen_on(Poco::Net::ServerSocket& socket, const std::string& host, uint16_t port, int backlog,
               const char* key);

// Starts the admin listener (the same hardened edge as the main listener, with `options`) when
// the running config sets server.admin_listen: returns the started server, or null (logged)
// when it cannot listen. `wanted` says whether one is set.
std::unique_ptr<EdgeServer> start_admin_listener(Gateway& g, const edge::Options& options,
                                                 ConnectionRegistry& registry, bool& wanted);

}  // namespace sy::server
