// The open client connections, so that a drain can shut down the ones still open when its
// timeout passes (and a connection accepted after that is shut down at once).
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <set>

namespace sy::server {

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

}  // namespace sy::server
