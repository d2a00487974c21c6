// The edge's workers: the overflow queue of complete requests read while every worker was busy,
// and the code that answers one through the handler factory (Poco's handler interface, our
// request and response objects).
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <pthread.h>

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "server/edge_conn.hpp"

namespace sy::server::edge {

class WorkQueue {
public:
    explicit WorkQueue(size_t capacity) : capacity_(capacity) {}
    // False when full (the caller answers 503).
    bool push(Conn* c);
    // The oldest connection, or nullptr when none waits.
    Conn* try_pop();
    size_t size() const { return size_.load(std::memory_order_relaxed); }

private:
    size_t capacity_;
    std::mutex mu_;
    std::deque<Conn*> items_;
    std::atomic<size_t> size_{0};
};

// What a worker needs besides the connection.
struct Service {
    Poco::Net::HTTPRequestHandlerFactory& handlers;
    const Options& options;
    const Poco::Net::HTTPServerParams& params;
    const Poco::Net::SocketAddress& server_address;
};

// Runs the handler for the request c holds, then drops its bytes (keeping pipelined ones) and
// sets c.close_after / c.gone.
void serve_request(Conn& c, const Service& service, bool draining);

// Threads with a fixed stack size (handlers ran on 256 KiB stacks under Poco too).
class Threads {
public:
    void start(int count, size_t stack_bytes, std::function<void()> body);
    void join();

private:
    std::function<void()> body_;
    std::vector<pthread_t> threads_;
};

}  // namespace sy::server::edge
