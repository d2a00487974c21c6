#include "server/edge_report.hpp"

#include <Poco/Net/HTTPResponse.h>

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <switchyard/api_error.hpp>
#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

namespace sy::server::edge {
namespace {

constexpr http::Rejection kTimeout{408, "invalid_request_error", "request_receive_timeout",
                                   "The request head and body did not arrive within server.request_timeout_ms",
                                   "request_timeout"};
constexpr http::Rejection kOverloaded{503, "server_error", "server_overloaded",
                                      "The gateway is at server.max_connections or server.max_queued; retry later",
                                      "overloaded"};
constexpr http::Rejection kBodyTooLarge{413, "invalid_request_error", "request_too_large",
                                        "Request body exceeds server.max_body_bytes", "body_too_large"};
constexpr int64_t kLogEveryMs = 10000;

struct ReasonLog {
    std::mutex mu;
    int64_t last_ms = -kLogEveryMs;
    uint64_t suppressed = 0;
};

struct State {
    metrics::Family& rejected = metrics::Registry::instance().counter(
        "switchyard_http_rejected_total", "Requests and connections the HTTP edge refused, by reason", {"reason"});
    metrics::Series& open = metrics::Registry::instance()
                                .gauge("switchyard_http_open_connections", "Open client connections of the HTTP edge")
                                .with({});
    metrics::Series& workers =
        metrics::Registry::instance()
            .gauge("switchyard_http_worker_threads", "Worker threads of the HTTP edge (started on demand up to server.max_threads)")
            .with({});
    metrics::Series& parked =
        metrics::Registry::instance()
            .gauge("switchyard_http_parked_requests",
                   "Requests waiting for an upstream or a slow client without holding a worker thread")
            .with({});
    std::array<metrics::Series*, std::size(kReasons)> series{};
    std::array<ReasonLog, std::size(kReasons)> logs;
    State() {
        for (size_t i = 0; i < std::size(kReasons); ++i) series[i] = &rejected.with({std::string(kReasons[i])});
    }
};

State& state() {
    static State s;
    return s;
}

size_t reason_index(std::string_view reason) {
    for (size_t i = 0; i < std::size(kReasons); ++i)
        if (kReasons[i] == reason) return i;
    return 0;
}

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

void init_metrics() {
    state();
}

void note_rejection(std::string_view reason, std::string_view detail) {
    State& s = state();
    size_t i = reason_index(reason);
    s.series[i]->inc();
    ReasonLog& l = s.logs[i];
    uint64_t suppressed = 0;
    {
        std::lock_guard lock(l.mu);
        int64_t now = now_ms();
        if (now - l.last_ms < kLogEveryMs) {
            ++l.suppressed;
            return;
        }
        l.last_ms = now;
        suppressed = l.suppressed;
        l.suppressed = 0;
    }
    std::string line = "refused (" + std::string(reason) + "): " + std::string(detail);
    if (suppressed > 0)
        line += " (" + std::to_string(suppressed) + " more of this reason in the last 10 s, not logged)";
    log::warn("edge", line);
}

void count_connection(int delta) {
    state().open.inc(delta);
}

void count_worker_threads(int delta) {
    state().workers.inc(delta);
}

void count_parked(int delta) {
    state().parked.inc(delta);
}

std::string rejection_response(const http::Rejection& why) {
    ApiError e{why.status, std::string(why.type), std::string(why.code), std::string(why.message), {}, {}};
    std::string body = e.to_json();
    std::string out =
        "HTTP/1.1 " + std::to_string(why.status) + " " +
        Poco::Net::HTTPResponse::getReasonForStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(why.status)) +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n";
    if (why.status == 503) out += "Retry-After: 1\r\n";
    out += "\r\n";
    out += body;
    return out;
}

const http::Rejection& request_timeout_rejection() {
    return kTimeout;
}
const http::Rejection& overloaded_rejection() {
    return kOverloaded;
}
const http::Rejection& body_too_large_rejection() {
    return kBodyTooLarge;
}

}  // namespace sy::server::edge
