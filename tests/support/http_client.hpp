// A deliberately simple HTTP/1.1 client for tests over a real socket: one connection, blocking
// I/O with a timeout, Content-Length and chunked bodies, and incremental reads for streams.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace sy::test {

struct HttpResponse {
    int status = 0;                              // 0 when the connection failed
    std::map<std::string, std::string> headers;  // lower-cased names
    std::string body;
    std::string header(const std::string& name) const;
};

class HttpClient {
public:
    explicit HttpClient(int port, int timeout_ms = 10000);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    bool connected() const { return fd_ >= 0; }
    // Sends raw bytes (for malformed-request tests).
    bool send_raw(const std::string& bytes);
    // Sends a request; Content-Length is added when body is not empty.
    bool send_request(const std::string& method, const std::string& path, const std::string& body,
                      const std::vector<std::pair<std::string, std::string>>& headers = {});
    // Reads the response head; then read_body or read_some for the body.
    bool read_head(HttpResponse& out);
    bool read_body(HttpResponse& out);
    // Reads the next decoded body bytes (stream); false at the end or on error.
    bool read_some(std::string& out);
    // Closes the connection (e.g. to disconnect mid-stream).
    void close();

    // One request and its full response on this connection.
    HttpResponse request(const std::string& method, const std::string& path, const std::string& body = "",
                         const std::vector<std::pair<std::string, std::string>>& headers = {});

private:
    bool fill();
    int fd_ = -1;
    int timeout_ms_;
    std::string buf_;
    bool chunked_ = false;
    long long left_ = -1;        // Content-Length left, -1 = until close
    long long chunk_left_ = -1;  // -1: expecting size line
    bool done_ = false;
};

// Convenience: POST JSON to /v1/chat/completions on a fresh connection.
HttpResponse post_chat(int port, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers = {});

// Value of one series in a Prometheus text body (`name{labels}` exactly as rendered), or -1.
double metric_value(const std::string& body, const std::string& series);

// The series' value from the gateway's /metrics once it equals `expected` (counters of a request
// are updated after its answer is sent), or its last value after `timeout_ms`.
double await_metric(int port, const std::string& series, double expected, int timeout_ms = 3000);

// SSE `data:` payloads in a stream body, in order.
std::vector<std::string> sse_data(const std::string& body);

}  // namespace sy::test
