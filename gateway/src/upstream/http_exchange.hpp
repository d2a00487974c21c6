// One HTTP/1.1 request and its response on a pooled upstream connection: sends the request,
// parses the response head, and decodes the body (Content-Length, chunked, or until close)
// incrementally so that streams are relayed as they arrive.
#pragma once

#include <memory>
#include <string>

#include <switchyard/config.hpp>

#include "plugin/host_api.hpp"
#include "upstream/connection_pool.hpp"

namespace sy::upstream {

struct ResponseHead {
    int status = 0;
    std::string content_type;
    std::string retry_after;
    std::string location;         // of a redirect
    int64_t content_length = -1;  // -1 when absent
    bool chunked = false;
    bool keep_alive = true;
};

// What failed, beyond the I/O status: clients get a distinct error for each.
enum class ExchangeFailure {
    io,        // resolving, connecting, sending or receiving
    tls,       // the TLS handshake (certificate, name, protocol)
    redirect,  // the upstream answered 3xx: never followed
};

struct ExchangeError {
    IoStatus status = IoStatus::error;
    std::string message;
    ExchangeFailure kind = ExchangeFailure::io;
};

// How an exchange waits for its sockets: blocking its thread, or (a provider call on the edge's
// fiber, code audited for it: core/fiber.hpp) parking the fiber so that the thread serves others.
enum class Waits { block_thread, park_fiber };

class HttpExchange {
public:
    // cancel_fd: the client's socket (or -1); the exchange stops when its peer closes.
    HttpExchange(ConnectionPool& pool, const config::TimeoutConfig& timeouts, int cancel_fd,
                 Waits waits = Waits::block_thread);
    ~HttpExchange();  // an unfinished exchange closes its connection (cancels the upstream)

    // Sends the request and reads the response head (connect + first-byte timeouts).
    // A reused keep-alive connection that turns out dead is replaced once, transparently.
    // A 3xx head fails the exchange (ExchangeFailure::redirect): no request goes to its Location.
    bool start(const sy_http_builder& request, ExchangeError& err);
    const ResponseHead& head() const { return head_; }

    // Appends the next decoded body bytes to out (waiting at most idle_ms). Sets *done at the end
    // of the body; the connection then goes back to the pool when reusable.
    bool read_some(std::string& out, bool* done, ExchangeError& err);
    // Reads the whole body (at most max_bytes).
    bool read_all(std::string& out, size_t max_bytes, ExchangeError& err);

    // Cancels: closes the connection without returning it to the pool.
    void abort();

private:
    bool try_start(const std::string& wire, bool* retryable, ExchangeError& err);
    // Reads more bytes into the buffer, waiting for them. With read_first it reads before
    // waiting: right after the request went out, on a busy core the answer is often there
    // already (the upstream ran while this thread was preempted), and a read that finds it
    // saves arming epoll, a park and the wake-up of another worker.
    bool fill(int64_t deadline_ms, ExchangeError& err, bool read_first = false);
    void ack_received();
    bool parse_head(size_t head_end, ExchangeError& err);
    bool refuse_redirect(ExchangeError& err);  // true (and the error set) for a 3xx head
    bool decode_chunked(std::string& out, bool* done, ExchangeError& err);
    void finish();

    ConnectionPool& pool_;
    const config::TimeoutConfig& timeouts_;
    int cancel_fd_;
    Waits waits_;
    int64_t total_deadline_ms_;
    std::unique_ptr<Connection> conn_;
    ResponseHead head_;
    int64_t body_left_ = 0;       // Content-Length bytes still to read
    int64_t chunk_left_ = -1;     // bytes left in the current chunk; -1 = expecting a size line
    bool body_done_ = false;
    bool eof_seen_ = false;
    bool received_ = false;  // bytes arrived in this exchange
    bool acked_ = false;     // TCP_QUICKACK sent in this exchange
};

std::string serialize_request(const Endpoint& ep, const sy_http_builder& req);

// Where a redirect's Location points, for an error message: its host (user info dropped, the path
// and query too: they may hold tokens), or that it is a path on the same host.
std::string redirect_target(std::string_view location);

}  // namespace sy::upstream
