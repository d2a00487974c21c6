// The edge's workers: the overflow queue of complete requests read while every worker was busy,
// and the code that answers one through the handler factory (Poco's handler interface, our
// request and response objects).
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>

#include "server/edge_conn.hpp"
#include "server/work_queue.hpp"

namespace sy::server::edge {

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

// Worker threads with a fixed stack size (handlers ran on 256 KiB stacks under Poco too), started
// on demand: the edge grows the pool while every thread is blocked, up to the cap, and threads
// idle for long retire down to the floor. Idle RSS stays small and the cap is what bounds
// handlers blocked at once.
class Threads {
public:
    // Starts `floor` threads running body; grow() adds more up to `cap`.
    void start(int floor, int cap, size_t stack_bytes, std::function<void()> body);
    // One more thread unless `cap` run already; false when at the cap or the system refused.
    bool grow();
    // Called by a thread's body before it returns of its own accord: true when it may (more
    // than `floor` run), and it is then no longer counted.
    bool try_retire();
    int live() const { return live_.load(std::memory_order_relaxed); }
    // Waits until every thread has returned (the caller made their bodies return).
    void join();

private:
    static void* run(void* self);
    void exited();

    std::function<void()> body_;
    size_t stack_bytes_ = 0;
    int floor_ = 0, cap_ = 0;
    std::atomic<int> live_{0};     // threads counted as running body_
    std::atomic<int> running_{0};  // threads not yet returned from run()
    std::mutex mu_;
    std::condition_variable exited_cv_;
};

}  // namespace sy::server::edge
