// The per-connection HTTP loop. It replaces Poco's HTTPServerConnection to wait for the next
// keep-alive request with one poll() instead of Poco's epoll_create/ctl/wait/close per request,
// and to let the gateway close idle connections when it drains.
#pragma once

#include <atomic>
#include <mutex>
#include <set>

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

namespace sy::server {

// Open client connections, so that a drain can wake and close the idle ones.
class ConnectionRegistry {
public:
    void add(int fd);
    void remove(int fd);
    // Marks the server stopped and shuts down every open connection's socket.
    void close_all();
    bool stopped() const { return stopped_.load(std::memory_order_relaxed); }
    size_t size() const;

private:
    mutable std::mutex mu_;
    std::set<int> fds_;
    std::atomic<bool> stopped_{false};
};

class ConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
public:
    // max_requests: requests per connection, 0 = unlimited (enforced here, not by Poco).
    ConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
                      ConnectionRegistry& registry, int max_requests)
        : params_(std::move(params)), handlers_(std::move(handlers)), registry_(registry), max_requests_(max_requests) {}
    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override;

private:
    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
    ConnectionRegistry& registry_;
    int max_requests_;
};

}  // namespace sy::server
