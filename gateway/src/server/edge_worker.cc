#include "server/edge_worker.hpp"

#include <Poco/Net/HTTPRequestHandler.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <switchyard/log.hpp>

#include "core/every.hpp"
#include "server/edge_report.hpp"

namespace sy::server::edge {
namespace {

constexpr size_t kKeepCapacity = 64 * 1024;  // larger buffers are freed after their request

void trim(std::string& s) {
    if (s.capacity() > kKeepCapacity) std::string(s).swap(s);
}

void fill_request(Conn& c, EdgeRequest& req) {
    std::string_view in(c.in);
    req.setMethod(std::string(c.head.method.in(in)));
    req.setURI(std::string(c.head.target.in(in)));
    req.setVersion(c.head.minor_version == 1 ? Poco::Net::HTTPMessage::HTTP_1_1 : Poco::Net::HTTPMessage::HTTP_1_0);
    for (const http::Field& f : c.head.fields) req.add(std::string(f.name.in(in)), std::string(f.value.in(in)));
    std::string_view body;
    if (c.head.framing == http::Framing::chunked)
        body = c.body;
    else if (c.head.framing == http::Framing::content_length)
        body = in.substr(c.head.size, c.head.content_length);
    c.body_stream.reset(body);
}

}  // namespace

void serve_request(Conn& c, const Service& s, bool draining) {
    ClientChannel channel(c.fd, s.options.write_timeout_ms);
    EdgeResponse resp(channel);
    EdgeRequest req(resp, c.body_stream, c.peer, s.server_address, s.params);
    fill_request(c, req);
    ++c.served;
    const bool last = s.options.max_keep_alive_requests > 0 && c.served >= s.options.max_keep_alive_requests;
    resp.setVersion(req.getVersion());
    resp.set("Date", http_date_now());
    resp.setKeepAlive(s.options.keep_alive && c.head.keep_alive && !last && !draining);
    bool ok = false;
    try {
        std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(s.handlers.createRequestHandler(req));
        handler->handleRequest(req, resp);
        ok = resp.flush() && resp.sent();
    } catch (...) {
        // a handler let an exception escape: drop the connection, as Poco's loop did
    }
    c.gone = channel.failed();
    c.close_after = !ok || !resp.getKeepAlive() || draining;
    c.in.erase(0, c.request_end);
    c.parser.reset();
    c.body.clear();
    trim(c.in);
    trim(c.body);
}

void Threads::start(int floor, int cap, size_t stack_bytes, std::function<void()> body) {
    body_ = std::move(body);
    stack_bytes_ = stack_bytes;
    cap_ = cap;
    floor_ = std::min(floor, cap);
    for (int i = 0; i < floor_; ++i)
        if (!grow()) {
            log::error("edge", "started " + std::to_string(i) + " of " + std::to_string(floor_) +
                                   " worker threads: the system refused the rest");
            break;
        }
}

bool Threads::grow() {
    int n = live_.load();
    do {
        if (n >= cap_) return false;
    } while (!live_.compare_exchange_weak(n, n + 1));
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, stack_bytes_);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    running_.fetch_add(1);
    pthread_t t;
    const int rc = pthread_create(&t, &attr, &Threads::run, this);
    pthread_attr_destroy(&attr);
    if (rc == 0) {
        count_worker_threads(1);
        return true;
    }
    live_.fetch_sub(1);
    exited();
    static Every refusal_log(10000);  // under a flood it would repeat per request
    if (refusal_log.due())
        log::error("edge", "cannot start another worker thread (" + std::to_string(n) +
                               " run; server.max_threads " + std::to_string(cap_) + "): " + std::strerror(rc));
    return false;
}

bool Threads::try_retire() {
    int n = live_.load();
    do {
        if (n <= floor_) return false;
    } while (!live_.compare_exchange_weak(n, n - 1));
    return true;
}

void* Threads::run(void* self) {
    auto* t = static_cast<Threads*>(self);
    t->body_();
    count_worker_threads(-1);
    t->exited();  // touches nothing of t after this: join() may return and t be destroyed
    return nullptr;
}

void Threads::exited() {
    std::lock_guard lock(mu_);
    if (running_.fetch_sub(1) == 1) exited_cv_.notify_all();
}

void Threads::join() {
    std::unique_lock lock(mu_);
    exited_cv_.wait(lock, [this] { return running_.load() == 0; });
    live_.store(0);
}

}  // namespace sy::server::edge
