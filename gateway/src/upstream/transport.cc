#include "upstream/transport.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <algorithm>
#include <vector>

#include "core/clock.hpp"
#include "core/fiber.hpp"
#include "upstream/tls_client.hpp"

namespace sy::upstream {
namespace {

class PlainTransport final : public Transport {
public:
    explicit PlainTransport(int fd) : fd_(fd) {}
    ~PlainTransport() override { ::close(fd_); }
    int fd() const override { return fd_; }
    size_t pending() override { return 0; }
    ssize_t read(char* buf, size_t cap) override {
        for (;;) {
            ssize_t n = ::recv(fd_, buf, cap, 0);
            if (n >= 0) return n;
            const int err = fiber::last_errno();
            if (err == EINTR) continue;
            return (err == EAGAIN || err == EWOULDBLOCK) ? -1 : -2;
        }
    }
    bool write_all(const char* data, size_t len, int64_t deadline_ms) override {
        while (len > 0) {
            ssize_t n = ::send(fd_, data, len, MSG_NOSIGNAL);
            if (n > 0) {
                data += n;
                len -= static_cast<size_t>(n);
                continue;
            }
            const int err = n < 0 ? fiber::last_errno() : 0;
            if (err == EINTR) continue;
            if (err == EAGAIN || err == EWOULDBLOCK) {
                pollfd p{fd_, POLLOUT, 0};
                int wait = remaining_ms(deadline_ms);
                if (wait == 0 || fiber::poll(&p, 1, wait) <= 0) return false;
                continue;
            }
            return false;
        }
        return true;
    }

private:
    int fd_;
};

// The socket addresses to try: the pinned ones, else those the host resolves to.
bool socket_addresses(const Endpoint& ep, std::vector<sockaddr_storage>& out, std::string& error) {
    if (!ep.addresses.empty()) {
        for (const config::IpAddress& pinned : ep.addresses) {
            config::IpAddress a = pinned.unmapped();  // an IPv4-mapped address goes out over IPv4
            sockaddr_storage ss{};
            if (a.version == 4) {
                auto* in = reinterpret_cast<sockaddr_in*>(&ss);
                in->sin_family = AF_INET;
                in->sin_port = htons(ep.port);
                std::memcpy(&in->sin_addr, a.bytes.data(), 4);
            } else {
                auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(ep.port);
                std::memcpy(&in6->sin6_addr, a.bytes.data(), 16);
            }
            out.push_back(ss);
        }
        return true;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    std::string port = std::to_string(ep.port);
    if (int rc = ::getaddrinfo(ep.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
        error = "cannot resolve " + ep.host + ": " + gai_strerror(rc);
        return false;
    }
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        sockaddr_storage ss{};
        std::memcpy(&ss, ai->ai_addr, std::min<size_t>(ai->ai_addrlen, sizeof ss));
        out.push_back(ss);
    }
    ::freeaddrinfo(res);
    return true;
}

int connect_plain(const Endpoint& ep, int64_t deadline, std::string& error) {
    std::vector<sockaddr_storage> addresses;
    if (!socket_addresses(ep, addresses, error)) return -1;
    std::string port = std::to_string(ep.port);
    int fd = -1;
    error = "no address for " + ep.host;
    for (const sockaddr_storage& ss : addresses) {
        socklen_t len = ss.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
        fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&ss), len);
        int err = rc == 0 ? 0 : fiber::last_errno();
        if (err == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            rc = fiber::poll(&p, 1, remaining_ms(deadline)) == 1 ? 0 : -1;
            int soerr = 0;
            socklen_t errlen = sizeof soerr;
            if (rc == 0 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &errlen) != 0) {
                err = fiber::last_errno();
                rc = -1;
            } else if (rc == 0 && soerr != 0) {
                err = soerr;
                rc = -1;
            } else if (rc != 0) {
                err = ETIMEDOUT;
            }
        }
        if (rc == 0) break;
        error = "cannot connect to " + ep.host + ":" + port + ": " + std::strerror(err);
        ::close(fd);
        fd = -1;
    }
    if (fd >= 0) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

}  // namespace

const char* io_status_name(IoStatus s) {
    switch (s) {
        case IoStatus::ok: return "ok";
        case IoStatus::eof: return "connection closed";
        case IoStatus::timeout: return "timeout";
        case IoStatus::cancelled: return "client disconnected";
        case IoStatus::error: return "i/o error";
    }
    return "?";
}

int64_t now_ms() { return clock::steady_ms(); }

int remaining_ms(int64_t deadline_ms) {
    int64_t left = deadline_ms - now_ms();
    return left <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 1 << 30));
}

std::unique_ptr<Transport> connect_transport(const Endpoint& ep, int timeout_ms, const TlsContext* tls,
                                             ConnectError& error) {
    const int64_t deadline = now_ms() + timeout_ms;
    int fd = connect_plain(ep, deadline, error.message);
    if (fd < 0) return nullptr;
    if (!ep.tls) return std::make_unique<PlainTransport>(fd);
    if (!tls) {
        ::close(fd);
        error.message = "no TLS context for https://" + ep.host;
        return nullptr;
    }
    auto transport = tls_handshake(fd, ep, *tls, deadline, error.message);
    error.tls = !transport;
    return transport;
}

IoStatus wait_readable(int fd, int64_t deadline_ms, int& cancel_fd) {
    for (;;) {
        pollfd fds[2] = {{fd, POLLIN, 0}, {cancel_fd, POLLIN | POLLRDHUP, 0}};
        int wait = remaining_ms(deadline_ms);
        if (wait == 0) return IoStatus::timeout;
        int rc = fiber::poll(fds, cancel_fd >= 0 ? 2 : 1, wait);
        if (rc < 0) {
            if (fiber::last_errno() == EINTR) continue;
            return IoStatus::error;
        }
        if (rc == 0) return IoStatus::timeout;
        if (cancel_fd >= 0 && fds[1].revents) {
            if (fds[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) return IoStatus::cancelled;
            char probe;
            ssize_t n = ::recv(cancel_fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
            const int err = n < 0 ? fiber::last_errno() : 0;
            if (n == 0 || (n < 0 && err != EAGAIN && err != EWOULDBLOCK)) return IoStatus::cancelled;
            cancel_fd = -1;  // pipelined bytes, not a close: stop watching
        }
        if (fds[0].revents) return IoStatus::ok;
    }
}

}  // namespace sy::upstream
