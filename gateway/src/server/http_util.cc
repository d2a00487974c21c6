#include "server/http_util.hpp"

#include <atomic>
#include <random>

#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>

namespace sy::server {
namespace {

bool sane_request_id(const std::string& id) {
    if (id.empty() || id.size() > 128) return false;
    for (char c : id)
        if (c < 0x21 || c > 0x7e) return false;
    return true;
}

}  // namespace

std::string request_id_for(const Poco::Net::HTTPServerRequest& req) {
    const std::string& given = req.get("x-request-id", Poco::Net::HTTPMessage::EMPTY);
    if (sane_request_id(given)) return given;
    // 64 random bits per process plus a counter: unique without a syscall per request.
    static const uint64_t prefix = std::random_device{}() * 0x9E3779B97F4A7C15ull ^ std::random_device{}();
    static std::atomic<uint64_t> counter{0};
    uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
    char buf[40];
    std::snprintf(buf, sizeof buf, "req_%012llx%08llx", static_cast<unsigned long long>(prefix & 0xffffffffffffull),
                  static_cast<unsigned long long>(n & 0xffffffffull));
    return buf;
}

void send_json(Poco::Net::HTTPServerResponse& resp, int status, std::string_view body) {
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    resp.setContentType("application/json");
    resp.sendBuffer(body.data(), body.size());
}

void send_error(Poco::Net::HTTPServerResponse& resp, const ApiError& err) {
    if (!err.retry_after.empty()) resp.set("Retry-After", err.retry_after);
    if (err.status == 413 || err.status >= 500) resp.setKeepAlive(err.status != 413 && resp.getKeepAlive());
    send_json(resp, err.status, err.to_json());
}

void close_if_body_unread(const Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    if ((req.hasContentLength() && req.getContentLength64() > 0) || req.getChunkedTransferEncoding())
        resp.setKeepAlive(false);
}

int client_fd(Poco::Net::HTTPServerRequest& req) {
    auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&req);
    return impl ? static_cast<int>(impl->socket().impl()->sockfd()) : -1;
}

}  // namespace sy::server
