// A raw client socket for the edge tests: sends bytes exactly as given and reads the answer
// until the server closes, so a test sees both the status and whether the connection closed.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace sy::test {

class RawConn {
public:
    // rcvbuf > 0 shrinks the receive buffer first (a client that reads slowly fills it soon).
    explicit RawConn(int port, int rcvbuf = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~RawConn() { close(); }
    RawConn(const RawConn&) = delete;
    RawConn& operator=(const RawConn&) = delete;

    bool ok() const { return fd_ >= 0; }
    int fd() const { return fd_; }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    bool send(const std::string& bytes) {
        size_t at = 0;
        while (at < bytes.size()) {
            ssize_t n = ::send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
            if (n <= 0) return false;
            at += static_cast<size_t>(n);
        }
        return true;
    }

    // Reads until the peer closes (true) or nothing arrives for timeout_ms (false); what came
    // is appended to `got`. A reset counts as closed.
    bool read_until_closed(std::string& got, int timeout_ms = 10000) {
        char buf[16384];
        for (;;) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, timeout_ms) <= 0) return false;
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return true;
            got.append(buf, static_cast<size_t>(n));
        }
    }

    // Reads until `got` holds `marker` (true) or the connection ends or stalls (false).
    bool read_until(std::string& got, const std::string& marker, int timeout_ms = 10000) {
        char buf[16384];
        while (got.find(marker) == std::string::npos) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, timeout_ms) <= 0) return false;
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return false;
            got.append(buf, static_cast<size_t>(n));
        }
        return true;
    }

private:
    int fd_ = -1;
};

// The status of the first response in `text` (0 when there is none).
inline int status_of(const std::string& text) {
    if (text.compare(0, 9, "HTTP/1.1 ") != 0 || text.size() < 12) return 0;
    return std::atoi(text.c_str() + 9);
}

// One raw request and everything the server sent until it closed.
struct RawAnswer {
    int status = 0;
    bool closed = false;
    std::string text;
};

inline RawAnswer raw_exchange(int port, const std::string& bytes, int timeout_ms = 10000) {
    RawAnswer a;
    RawConn c(port);
    if (!c.ok() || !c.send(bytes)) return a;
    a.closed = c.read_until_closed(a.text, timeout_ms);
    a.status = status_of(a.text);
    return a;
}

}  // namespace sy::test
