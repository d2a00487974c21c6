#include "upstream/http_exchange.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>
#include <utility>
#include <strings.h>

#include "config/net_address.hpp"
#include "core/fiber.hpp"

namespace sy::upstream {
namespace {

constexpr size_t kMaxHeadBytes = 64 * 1024;
constexpr size_t kReadChunk = 16 * 1024;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

bool parse_int(std::string_view s, int64_t& out, int base = 10) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string redirect_target(std::string_view location) {
    location = trim(location);
    if (location.empty()) return "without a Location";
    size_t scheme = location.find("://");
    if (scheme == std::string_view::npos || location.find_first_of("/?#") < scheme)
        return "redirecting to a path on the same host";
    std::string_view authority = location.substr(scheme + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    return "redirecting to host " + config::quoted(authority.substr(0, 255));
}

std::string serialize_request(const Endpoint& ep, const sy_http_builder& req) {
    std::string wire;
    wire.reserve(256 + req.body.size());
    wire.append(req.method).append(" ").append(ep.base_path).append(req.path.empty() ? "/" : req.path);
    wire.append(" HTTP/1.1\r\nHost: ").append(ep.host_header).append("\r\n");
    bool has_type = false;
    for (const auto& [name, value] : req.headers) {
        if (iequals(name, "content-length") || iequals(name, "host") || iequals(name, "connection")) continue;
        has_type = has_type || iequals(name, "content-type");
        wire.append(name).append(": ").append(value).append("\r\n");
    }
    if (!has_type && !req.body.empty()) wire.append("Content-Type: application/json\r\n");
    wire.append("Content-Length: ").append(std::to_string(req.body.size())).append("\r\n\r\n");
    wire.append(req.body);
    return wire;
}

HttpExchange::HttpExchange(ConnectionPool& pool, const config::TimeoutConfig& timeouts, int cancel_fd, Waits waits)
    : pool_(pool), timeouts_(timeouts), cancel_fd_(cancel_fd), waits_(waits),
      total_deadline_ms_(now_ms() + timeouts.total_ms) {}

HttpExchange::~HttpExchange() { abort(); }

void HttpExchange::abort() { conn_.reset(); }

bool HttpExchange::start(const sy_http_builder& request, ExchangeError& err) {
    fiber::ParkingScope parking(waits_ == Waits::park_fiber);
    std::string wire = serialize_request(pool_.endpoint(), request);
    bool retryable = false;
    if (try_start(wire, &retryable, err)) return true;
    if (!retryable) return false;
    return try_start(wire, &retryable, err);
}

bool HttpExchange::try_start(const std::string& wire, bool* retryable, ExchangeError& err) {
    *retryable = false;
    bool reused = false;
    ConnectError why;
    conn_ = pool_.acquire(std::min<int64_t>(timeouts_.connect_ms, total_deadline_ms_ - now_ms()), &reused, why);
    if (!conn_) {
        err = {IoStatus::error, why.message, why.tls ? ExchangeFailure::tls : ExchangeFailure::io};
        return false;
    }
    if (!conn_->transport->write_all(wire.data(), wire.size(), now_ms() + timeouts_.connect_ms)) {
        conn_.reset();
        *retryable = reused;
        err = {IoStatus::error, "cannot send the request upstream"};
        return false;
    }
    int64_t first_byte_deadline = std::min<int64_t>(now_ms() + timeouts_.first_byte_ms, total_deadline_ms_);
    bool just_sent = true;
    for (;;) {
        size_t pos = conn_->buffer.find("\r\n\r\n", conn_->offset);
        if (pos != std::string::npos) return parse_head(pos, err) && !refuse_redirect(err);
        if (conn_->buffered() > kMaxHeadBytes) {
            err = {IoStatus::error, "upstream response head exceeds 64 KiB"};
            conn_.reset();
            return false;
        }
        if (!fill(first_byte_deadline, err, std::exchange(just_sent, false))) {
            // A reused connection that the upstream had closed: nothing was received, safe to retry.
            *retryable = reused && err.status == IoStatus::eof && conn_ && conn_->buffered() == 0;
            if (err.status == IoStatus::timeout) err.message = "no response from upstream within first_byte_ms";
            conn_.reset();
            return false;
        }
    }
}

bool HttpExchange::fill(int64_t deadline_ms, ExchangeError& err, bool read_first) {
    Transport& t = *conn_->transport;
    char buf[kReadChunk];
    for (;; read_first = false) {
        if (t.pending() == 0 && !read_first) {
            if (received_ && !acked_) ack_received();
            IoStatus st = wait_readable(t.fd(), deadline_ms, cancel_fd_);
            if (st != IoStatus::ok) {
                err = {st, std::string("upstream ") + io_status_name(st)};
                if (st == IoStatus::cancelled) err.message = "client disconnected";
                return false;
            }
        }
        ssize_t n = t.read(buf, sizeof buf);
        if (n > 0) {
            conn_->buffer.append(buf, static_cast<size_t>(n));
            received_ = true;
            return true;
        }
        if (n == 0) {
            eof_seen_ = true;
            err = {IoStatus::eof, "upstream closed the connection"};
            return false;
        }
        if (n == -2) {
            err = {IoStatus::error, "upstream connection error"};
            return false;
        }
    }
}

// Called before waiting for more of an answer that has begun: an upstream that leaves Nagle on
// (many Python servers do) holds its next small write (a stream's first event, a body written
// after its head) until we acknowledge what came, and our delayed ACK takes ~40 ms. An answer
// that arrives whole (most JSON answers) never waits, and spares the system call.
void HttpExchange::ack_received() {
    acked_ = true;
#ifdef TCP_QUICKACK
    int one = 1;
    ::setsockopt(conn_->transport->fd(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
#endif
}

bool HttpExchange::parse_head(size_t head_end, ExchangeError& err) {
    std::string_view head(conn_->buffer.data() + conn_->offset, head_end - conn_->offset);
    size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    // HTTP/1.x NNN reason
    if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.")) {
        err = {IoStatus::error, "upstream sent a malformed status line"};
        conn_.reset();
        return false;
    }
    int64_t status = 0;
    if (!parse_int(status_line.substr(9, 3), status) || status < 100 || status > 599) {
        err = {IoStatus::error, "upstream sent a malformed status code"};
        conn_.reset();
        return false;
    }
    head_ = ResponseHead{};
    head_.status = static_cast<int>(status);
    head_.keep_alive = status_line.starts_with("HTTP/1.1");
    std::string_view rest = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
    while (!rest.empty()) {
        size_t eol = rest.find("\r\n");
        std::string_view line = rest.substr(0, eol);
        rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view name = line.substr(0, colon);
        std::string_view value = trim(line.substr(colon + 1));
        if (iequals(name, "content-length")) {
            if (!parse_int(value, head_.content_length) || head_.content_length < 0) {
                err = {IoStatus::error, "upstream sent an invalid Content-Length"};
                conn_.reset();
                return false;
            }
        } else if (iequals(name, "transfer-encoding")) {
            head_.chunked = value.size() >= 7 && iequals(value.substr(value.size() - 7), "chunked");
        } else if (iequals(name, "content-type")) {
            head_.content_type.assign(value);
        } else if (iequals(name, "retry-after")) {
            head_.retry_after.assign(value);
        } else if (iequals(name, "location")) {
            head_.location.assign(value);
        } else if (iequals(name, "connection")) {
            if (iequals(value, "close")) head_.keep_alive = false;
            else if (iequals(value, "keep-alive")) head_.keep_alive = true;
        }
    }
    conn_->consume(head_end + 4 - conn_->offset);
    if (head_.chunked) {
        head_.content_length = -1;
    } else if (head_.content_length >= 0) {
        body_left_ = head_.content_length;
        body_done_ = body_left_ == 0;
    } else {
        head_.keep_alive = false;  // body ends at close
    }
    if (head_.status == 204 || head_.status == 304) body_done_ = true;
    if (body_done_) finish();
    return true;
}

bool HttpExchange::decode_chunked(std::string& out, bool* done, ExchangeError& err) {
    for (;;) {
        std::string_view avail(conn_->buffer.data() + conn_->offset, conn_->buffered());
        if (chunk_left_ > 0) {
            if (avail.empty()) return true;
            size_t take = std::min<size_t>(avail.size(), static_cast<size_t>(chunk_left_));
            out.append(avail.data(), take);
            conn_->consume(take);
            chunk_left_ -= static_cast<int64_t>(take);
            if (chunk_left_ == 0) chunk_left_ = -2;  // expect CRLF after data
            continue;
        }
        size_t eol = avail.find("\r\n");
        if (eol == std::string_view::npos) {
            if (avail.size() > 4096) {
                err = {IoStatus::error, "upstream sent a malformed chunk header"};
                return false;
            }
            return true;  // need more bytes
        }
        if (chunk_left_ == -2) {  // CRLF closing a chunk's data
            if (eol != 0) {
                err = {IoStatus::error, "upstream sent a malformed chunk"};
                return false;
            }
            conn_->consume(2);
            chunk_left_ = -1;
            continue;
        }
        if (chunk_left_ == -3) {  // trailers after the last chunk, ended by an empty line
            conn_->consume(eol + 2);
            if (eol == 0) {
                body_done_ = true;
                *done = true;
                finish();
                return true;
            }
            continue;
        }
        std::string_view size_text = avail.substr(0, eol);
        if (size_t semi = size_text.find(';'); semi != std::string_view::npos) size_text = size_text.substr(0, semi);
        int64_t size = 0;
        if (!parse_int(trim(size_text), size, 16) || size < 0) {
            err = {IoStatus::error, "upstream sent a malformed chunk size"};
            return false;
        }
        conn_->consume(eol + 2);
        chunk_left_ = size == 0 ? -3 : size;
    }
}

bool HttpExchange::read_some(std::string& out, bool* done, ExchangeError& err) {
    fiber::ParkingScope parking(waits_ == Waits::park_fiber);
    *done = body_done_;
    if (body_done_) return true;
    if (!conn_) {
        err = {IoStatus::error, "upstream connection closed"};
        return false;
    }
    size_t before = out.size();
    for (;;) {
        if (head_.chunked) {
            if (!decode_chunked(out, done, err)) return false;
            if (*done) return true;
        } else if (conn_->buffered() > 0) {
            size_t take = conn_->buffered();
            if (head_.content_length >= 0) take = std::min<size_t>(take, static_cast<size_t>(body_left_));
            out.append(conn_->buffer.data() + conn_->offset, take);
            conn_->consume(take);
            if (head_.content_length >= 0) {
                body_left_ -= static_cast<int64_t>(take);
                if (body_left_ == 0) {
                    body_done_ = *done = true;
                    finish();
                    return true;
                }
            }
        }
        if (out.size() > before) return true;
        int64_t deadline = std::min<int64_t>(now_ms() + timeouts_.idle_ms, total_deadline_ms_);
        if (!fill(deadline, err)) {
            if (err.status == IoStatus::eof && !head_.chunked && head_.content_length < 0) {
                body_done_ = *done = true;  // body delimited by close
                conn_.reset();
                return true;
            }
            if (err.status == IoStatus::eof) err.message = "upstream closed the connection mid-body";
            if (err.status == IoStatus::timeout)
                err.message = now_ms() >= total_deadline_ms_ ? "upstream exceeded total_ms"
                                                             : "upstream idle for longer than idle_ms";
            conn_.reset();
            return false;
        }
    }
}

bool HttpExchange::read_all(std::string& out, size_t max_bytes, ExchangeError& err) {
    fiber::ParkingScope parking(waits_ == Waits::park_fiber);
    bool done = false;
    while (!done) {
        if (!read_some(out, &done, err)) return false;
        if (out.size() > max_bytes) {
            err = {IoStatus::error, "upstream response exceeds " + std::to_string(max_bytes) + " bytes"};
            conn_.reset();
            return false;
        }
    }
    return true;
}

bool HttpExchange::refuse_redirect(ExchangeError& err) {
    if (head_.status < 300 || head_.status > 399) return false;
    err = {IoStatus::error,
           "upstream answered " + std::to_string(head_.status) + " " + redirect_target(head_.location) +
               "; redirects are not followed",
           ExchangeFailure::redirect};
    conn_.reset();
    return true;
}

void HttpExchange::finish() {
    if (conn_ && head_.keep_alive && !eof_seen_) pool_.release(std::move(conn_));
    conn_.reset();
}

}  // namespace sy::upstream
