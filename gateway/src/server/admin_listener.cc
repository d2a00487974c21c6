#include "server/admin_listener.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <switchyard/log.hpp>

#include "server/handlers.hpp"

namespace sy::server {

bool listen_on(Poco::Net::ServerSocket& socket, const std::string& host, uint16_t port, int backlog,
               const char* key) {
    try {
        socket.bind(Poco::Net::SocketAddress(host, port), true, false);
        socket.listen(backlog);
        return true;
    } catch (const Poco::Exception& e) {
        log::error("serve", std::string(key) + ": cannot listen on " + host + ":" + std::to_string(port) + ": " +
                                e.displayText());
        return false;
    }
}

std::unique_ptr<EdgeServer> start_admin_listener(Gateway& g, const edge::Options& options,
                                                 ConnectionRegistry& registry, bool& wanted) {
    const config::ServerConfig& sc = g.runtime()->config().server;
    wanted = !sc.admin_host.empty();
    if (!wanted) return nullptr;
    Poco::Net::ServerSocket socket;
    if (!listen_on(socket, sc.admin_host, sc.admin_port, 64, "server.admin_listen")) return nullptr;
    auto server = std::make_unique<EdgeServer>(socket, new AdminHandlerFactory(g), options, registry);
    server->start();
    log::info("serve", "admin API and status page on " + socket.address().toString() +
                           " only (server.admin_listen); the main listener answers 404 for them");
    return server;
}

}  // namespace sy::server
