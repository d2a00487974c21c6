// The HTTP edge: an acceptor and one epoll reactor thread read requests non-blocking into
// bounded per-connection buffers, so a client that has not delivered a whole request holds no
// thread; complete requests go to a fixed pool of workers that run the Poco handlers. See
// docs/architecture.md and the "HTTP edge" section of docs/security.md.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/ServerSocket.h>

#include <memory>

#include "server/connection.hpp"
#include "server/edge_conn.hpp"

namespace sy::server {

class EdgeServer {
public:
    // Takes its own descriptor of the listening socket (the caller may close its copy).
    EdgeServer(const Poco::Net::ServerSocket& socket, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
               const edge::Options& options, ConnectionRegistry& registry);
    ~EdgeServer();
    EdgeServer(const EdgeServer&) = delete;
    EdgeServer& operator=(const EdgeServer&) = delete;

    void start();
    // Stops accepting and closes idle connections and unfinished requests; each busy
    // connection closes after its response.
    void begin_drain();
    // Requests queued or being answered.
    int busy() const;
    // Shuts every connection down, then stops the workers and the reactor.
    void stop();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace sy::server
