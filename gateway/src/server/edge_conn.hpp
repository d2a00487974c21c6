// One client connection of the HTTP edge, and the options the edge runs with. A connection
// belongs to the thread that received its (one-shot) epoll event until it is re-armed; parked
// connections belong to no thread. Its deadline list is shared with the timer thread and
// changes under the edge's timer lock.
#pragma once

#include <Poco/Net/SocketAddress.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "server/chunked_body.hpp"
#include "server/edge_exchange.hpp"
#include "server/http_head.hpp"

namespace sy::server::edge {

// Handlers ran on 256 KiB stacks under Poco's thread pool too; sanitizers need more.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr size_t kWorkerStack = 2 << 20;
#else
inline constexpr size_t kWorkerStack = 256 * 1024;
#endif

struct Options {
    int max_threads = 1024;             // workers running handlers, started on demand
    int min_threads = 0;                // workers kept when idle; 0: one per usable CPU, at least 4
    int max_queued = 256;               // complete requests waiting for a worker; beyond: 503
    int max_connections = 1024;         // open client connections; beyond: 503 at accept
    int64_t max_body_bytes = 4 << 20;   // beyond: 413
    http::HeadLimits head;              // 414 / 431
    int request_timeout_ms = 30000;     // to receive a whole request (head and body); then 408
    int keep_alive_timeout_ms = 15000;  // idle between requests; then closed silently
    int write_timeout_ms = 30000;       // one write to a client that does not read; then cut
    int max_keep_alive_requests = 0;    // per connection, 0 = unlimited
    bool keep_alive = true;             // false: one request per connection
    size_t stack_bytes = 256 * 1024;    // per worker thread
};

struct Conn;

// Connections ordered by insertion. Each list has one timeout, so it is ordered by deadline
// too and expiry only looks at the front.
class ConnList {
public:
    void push_back(Conn* c, int64_t deadline);
    void remove(Conn* c);
    Conn* front() const { return head_; }
    bool empty() const { return head_ == nullptr; }

private:
    Conn* head_ = nullptr;
    Conn* tail_ = nullptr;
};

struct Conn {
    enum class Phase : uint8_t { head, body, worker, idle, linger, closed };

    Conn(int fd_, const Poco::Net::SocketAddress& peer_, const Options& o)
        : fd(fd_),
          peer(peer_),
          parser(o.head),
          chunked(static_cast<uint64_t>(o.max_body_bytes), o.head.max_header_bytes) {}

    int fd;
    Poco::Net::SocketAddress peer;
    Phase phase = Phase::head;
    std::string in;          // received bytes: this request's head and body, then pipelined ones
    size_t request_end = 0;  // end of this request in `in` (a chunked body is moved out as decoded)
    http::HeadParser parser;
    http::RequestHead head;
    http::ChunkedDecoder chunked;
    std::string body;  // a decoded chunked body
    BodyStream body_stream;
    int served = 0;
    bool close_after = false;          // set by the worker: no further request on this connection
    bool gone = false;                 // set by the worker: the client is gone or too slow, close at once
    bool timed = false;                // this request's deadline runs (it is in the requests list)
    size_t lingered = 0;               // bytes discarded while lingering
    std::atomic<bool> expired{false};  // set by the timer thread, which also shut the socket down

    // ConnList membership (under the timer lock)
    int64_t deadline = 0;
    Conn* prev = nullptr;
    Conn* next = nullptr;
    ConnList* list = nullptr;
};

inline void ConnList::push_back(Conn* c, int64_t deadline) {
    if (c->list) c->list->remove(c);
    c->deadline = deadline;
    c->list = this;
    c->prev = tail_;
    c->next = nullptr;
    if (tail_)
        tail_->next = c;
    else
        head_ = c;
    tail_ = c;
}

inline void ConnList::remove(Conn* c) {
    if (c->list != this) return;
    if (c->prev)
        c->prev->next = c->next;
    else
        head_ = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        tail_ = c->prev;
    c->prev = c->next = nullptr;
    c->list = nullptr;
}

}  // namespace sy::server::edge
