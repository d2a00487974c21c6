#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace sy::test {

std::string HttpResponse::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(int port, int timeout_ms) : timeout_ms_(timeout_ms) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) close();
}

HttpClient::~HttpClient() { close(); }

void HttpClient::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool HttpClient::send_raw(const std::string& bytes) {
    size_t sent = 0;
    while (fd_ >= 0 && sent < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<size_t>(n);
    }
    return fd_ >= 0;
}

bool HttpClient::send_request(const std::string& method, const std::string& path, const std::string& body,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    bool has_type = false;
    for (const auto& [k, v] : headers) {
        req += k + ": " + v + "\r\n";
        std::string lk = k;
        std::transform(lk.begin(), lk.end(), lk.begin(), ::tolower);
        has_type = has_type || lk == "content-type";
    }
    if (!body.empty()) {
        if (!has_type) req += "Content-Type: application/json\r\n";
        req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "\r\n" + body;
    return send_raw(req);
}

bool HttpClient::fill() {
    if (fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms_) <= 0) return false;
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
}

bool HttpClient::read_head(HttpResponse& out) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
        if (!fill()) return false;
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    out.status = std::atoi(head.substr(9, 3).c_str());
    size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
        size_t next = head.find("\r\n", pos + 2);
        std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
        size_t colon = line.find(':');
        if (colon != std::string::npos) {
            std::string name = line.substr(0, colon);
            std::transform(name.begin(), name.end(), name.begin(), ::tolower);
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            out.headers[name] = value;
        }
        pos = next;
    }
    chunked_ = out.header("transfer-encoding") == "chunked";
    left_ = out.headers.count("content-length") ? std::atoll(out.header("content-length").c_str()) : -1;
    chunk_left_ = -1;
    done_ = !chunked_ && left_ == 0;
    return true;
}

bool HttpClient::read_some(std::string& out) {
    if (done_) return false;
    for (;;) {
        if (chunked_) {
            if (chunk_left_ > 0 && !buf_.empty()) {
                size_t take = std::min<size_t>(buf_.size(), static_cast<size_t>(chunk_left_));
                out.append(buf_, 0, take);
                buf_.erase(0, take);
                chunk_left_ -= static_cast<long long>(take);
                if (chunk_left_ == 0) chunk_left_ = -2;
                return true;
            }
            size_t eol = buf_.find("\r\n");
            if (chunk_left_ != 0 && chunk_left_ <= -1 && eol != std::string::npos) {
                if (chunk_left_ == -2) {
                    buf_.erase(0, eol + 2);
                    chunk_left_ = -1;
                    continue;
                }
                long long size = std::strtoll(buf_.substr(0, eol).c_str(), nullptr, 16);
                buf_.erase(0, eol + 2);
                if (size == 0) {
                    done_ = true;
                    return false;
                }
                chunk_left_ = size;
                continue;
            }
        } else if (!buf_.empty()) {
            size_t take = left_ >= 0 ? std::min<size_t>(buf_.size(), static_cast<size_t>(left_)) : buf_.size();
            out.append(buf_, 0, take);
            buf_.erase(0, take);
            if (left_ >= 0) {
                left_ -= static_cast<long long>(take);
                done_ = left_ == 0;
            }
            return true;
        }
        if (!fill()) {
            done_ = true;
            return false;
        }
    }
}

bool HttpClient::read_body(HttpResponse& out) {
    while (read_some(out.body)) {
    }
    return true;
}

HttpResponse HttpClient::request(const std::string& method, const std::string& path, const std::string& body,
                                 const std::vector<std::pair<std::string, std::string>>& headers) {
    HttpResponse r;
    if (!send_request(method, path, body, headers) || !read_head(r)) return r;
    read_body(r);
    return r;
}

HttpResponse post_chat(int port, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
    HttpClient c(port);
    return c.request("POST", "/v1/chat/completions", body, headers);
}

double metric_value(const std::string& body, const std::string& series) {
    size_t pos = 0;
    while ((pos = body.find(series + " ", pos)) != std::string::npos) {
        if (pos == 0 || body[pos - 1] == '\n') return std::strtod(body.c_str() + pos + series.size() + 1, nullptr);
        pos += series.size();
    }
    return -1;
}

double await_metric(int port, const std::string& series, double expected, int timeout_ms) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    double value = -1;
    do {
        HttpClient c(port);
        value = metric_value(c.request("GET", "/metrics").body, series);
        if (value == expected) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < until);
    return value;
}

std::vector<std::string> sse_data(const std::string& body) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < body.size()) {
        size_t eol = body.find('\n', pos);
        if (eol == std::string::npos) eol = body.size();
        std::string line = body.substr(pos, eol - pos);
        if (line.rfind("data: ", 0) == 0) out.push_back(line.substr(6));
        pos = eol + 1;
    }
    return out;
}

}  // namespace sy::test
