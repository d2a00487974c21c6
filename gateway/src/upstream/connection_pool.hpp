// Keep-alive connections to one upstream endpoint, shared by all worker threads.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "upstream/endpoint.hpp"
#include "upstream/tls_client.hpp"
#include "upstream/transport.hpp"

namespace sy::upstream {

// One connection and its read buffer (bytes received but not yet consumed).
struct Connection {
    std::unique_ptr<Transport> transport;
    std::string buffer;
    size_t offset = 0;        // consumed prefix of buffer
    int requests = 0;         // requests completed on this connection
    int64_t idle_since_ms = 0;

    size_t buffered() const { return buffer.size() - offset; }
    void consume(size_t n);
};

class ConnectionPool {
public:
    // tls: for an https endpoint (null for http).
    ConnectionPool(Endpoint endpoint, int max_idle, std::shared_ptr<const TlsContext> tls, int idle_timeout_ms = 30000);

    const Endpoint& endpoint() const { return endpoint_; }
    const std::shared_ptr<const TlsContext>& tls() const { return tls_; }
    // A pooled connection that still looks alive, or a new one. *reused tells which.
    std::unique_ptr<Connection> acquire(int connect_timeout_ms, bool* reused, ConnectError& error);
    // Returns a connection whose last response was fully read and allows keep-alive.
    void release(std::unique_ptr<Connection> conn);
    size_t idle_count() const;

private:
    Endpoint endpoint_;
    size_t max_idle_;
    std::shared_ptr<const TlsContext> tls_;
    int idle_timeout_ms_;
    mutable std::mutex mu_;
    std::vector<std::unique_ptr<Connection>> idle_;
};

// The TLS context a configured https endpoint needs (null for http). Errors name the key:
// "tls_ca_file: cannot load ...".
std::shared_ptr<const TlsContext> tls_for(const Endpoint& ep, const TlsContext::Options& options, std::string& error);

}  // namespace sy::upstream
