#include "server/admin_listener.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <switchyard/log.hpp>

#include "server/handlers.hpp"

namespace sy::server {

std::unique_ptr<EdgeServer> start_admin_listener(Gateway& g, const edge::Options& options,
                                                 ConnectionRegistry& registry, bool& wanted) {
    const config::ServerConfig& sc = g.runtime()->config().server;
    wanted = !sc.admin_host.empty();
    if (!wanted) return nullptr;
    Poco::Net::ServerSocket socket;
    try {
        // SO_REUSEADDR for restarts, not SO_REUSEPORT: no second process may share this port.
        socket.bind(Poco::Net::SocketAddress(sc.admin_host, sc.admin_port), true, false);
        socket.listen(64);
    } catch (const Poco::Exception& e) {
        log::error("serve", "server.admin_listen: cannot listen on " + sc.admin_host + ":" +
                                std::to_string(sc.admin_port) + ": " + e.displayText());
        return nullptr;
    }
    auto server = std::make_unique<EdgeServer>(socket, new AdminHandlerFactory(g), options, registry);
    server->start();
    log::info("serve", "admin API and status page on " + socket.address().toString() +
                           " only (server.admin_listen); the main listener answers 404 for them");
    return server;
}

}  // namespace sy::server
