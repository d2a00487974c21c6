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

#include <Poco/Net/Context.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>

#include "core/clock.hpp"

namespace sy::upstream {
namespace {

int remaining(int64_t deadline_ms) {
    int64_t left = deadline_ms - now_ms();
    return left <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 1 << 30));
}

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
            if (errno == EINTR) continue;
            return (errno == EAGAIN || errno == EWOULDBLOCK) ? -1 : -2;
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
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                pollfd p{fd_, POLLOUT, 0};
                int wait = remaining(deadline_ms);
                if (wait == 0 || ::poll(&p, 1, wait) <= 0) return false;
                continue;
            }
            return false;
        }
        return true;
    }

private:
    int fd_;
};

// TLS through Poco. The socket stays blocking with Poco's timeouts; reads are only issued after
// wait_readable or when pending() says decrypted bytes are buffered.
class TlsTransport final : public Transport {
public:
    explicit TlsTransport(Poco::Net::SecureStreamSocket socket) : socket_(std::move(socket)) {}
    ~TlsTransport() override {
        try {
            socket_.close();
        } catch (...) {
        }
    }
    int fd() const override { return static_cast<int>(socket_.impl()->sockfd()); }
    size_t pending() override {
        try {
            return static_cast<size_t>(std::max(0, socket_.available()));
        } catch (...) {
            return 0;
        }
    }
    ssize_t read(char* buf, size_t cap) override {
        try {
            int n = socket_.receiveBytes(buf, static_cast<int>(cap));
            return n < 0 ? -1 : n;
        } catch (const Poco::TimeoutException&) {
            return -1;
        } catch (...) {
            return -2;
        }
    }
    bool write_all(const char* data, size_t len, int64_t deadline_ms) override {
        try {
            socket_.setSendTimeout(Poco::Timespan(static_cast<long>(remaining(deadline_ms)) * 1000));
            while (len > 0) {
                int n = socket_.sendBytes(data, static_cast<int>(len));
                if (n <= 0) return false;
                data += n;
                len -= static_cast<size_t>(n);
            }
            return true;
        } catch (...) {
            return false;
        }
    }

private:
    Poco::Net::SecureStreamSocket socket_;
};

Poco::Net::Context::Ptr client_context(bool verify) {
    using Poco::Net::Context;
    static Context::Ptr verifying = [] {
        Context::Ptr ctx = new Context(Context::TLS_CLIENT_USE, "", Context::VERIFY_RELAXED, 9, true);
        // A certificate that fails verification is rejected outright (Poco's default handler
        // could prompt on the console).
        Poco::Net::SSLManager::instance().initializeClient(nullptr, new Poco::Net::RejectCertificateHandler(false), ctx);
        return ctx;
    }();
    static Context::Ptr relaxed = new Context(Context::TLS_CLIENT_USE, "", Context::VERIFY_NONE, 9, false);
    return verify ? verifying : relaxed;
}

int connect_plain(const Endpoint& ep, int timeout_ms, std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    std::string port = std::to_string(ep.port);
    if (int rc = ::getaddrinfo(ep.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
        error = "cannot resolve " + ep.host + ": " + gai_strerror(rc);
        return -1;
    }
    int64_t deadline = now_ms() + timeout_ms;
    int fd = -1;
    error = "no address for " + ep.host;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            rc = ::poll(&p, 1, remaining(deadline)) == 1 ? 0 : -1;
            int soerr = 0;
            socklen_t len = sizeof soerr;
            if (rc == 0 && (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0)) {
                errno = soerr;
                rc = -1;
            } else if (rc != 0) {
                errno = ETIMEDOUT;
            }
        }
        if (rc == 0) break;
        error = "cannot connect to " + ep.host + ":" + port + ": " + std::strerror(errno);
        ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(res);
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

std::unique_ptr<Transport> connect_transport(const Endpoint& ep, int timeout_ms, bool tls_verify,
                                             std::string& error) {
    if (!ep.tls) {
        int fd = connect_plain(ep, timeout_ms, error);
        return fd < 0 ? nullptr : std::make_unique<PlainTransport>(fd);
    }
    try {
        Poco::Net::SecureStreamSocket socket(client_context(tls_verify));
        socket.setPeerHostName(ep.host);
        socket.connect(Poco::Net::SocketAddress(ep.host, ep.port),
                       Poco::Timespan(static_cast<long>(timeout_ms) * 1000));
        socket.setNoDelay(true);
        socket.setReceiveTimeout(Poco::Timespan(static_cast<long>(timeout_ms) * 1000));
        return std::make_unique<TlsTransport>(std::move(socket));
    } catch (const Poco::Exception& e) {
        error = "cannot connect to https://" + ep.host + ":" + std::to_string(ep.port) + ": " +
                e.displayText();
    } catch (const std::exception& e) {
        error = std::string("cannot connect: ") + e.what();
    }
    return nullptr;
}

IoStatus wait_readable(int fd, int64_t deadline_ms, int& cancel_fd) {
    for (;;) {
        pollfd fds[2] = {{fd, POLLIN, 0}, {cancel_fd, POLLIN | POLLRDHUP, 0}};
        int wait = remaining(deadline_ms);
        if (wait == 0) return IoStatus::timeout;
        int rc = ::poll(fds, cancel_fd >= 0 ? 2 : 1, wait);
        if (rc < 0) {
            if (errno == EINTR) continue;
            return IoStatus::error;
        }
        if (rc == 0) return IoStatus::timeout;
        if (cancel_fd >= 0 && fds[1].revents) {
            if (fds[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) return IoStatus::cancelled;
            char probe;
            ssize_t n = ::recv(cancel_fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return IoStatus::cancelled;
            cancel_fd = -1;  // pipelined bytes, not a close: stop watching
        }
        if (fds[0].revents) return IoStatus::ok;
    }
}

}  // namespace sy::upstream
