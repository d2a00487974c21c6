// A port that must see no connection: a listening socket on 127.0.0.1 (and [::1] when the host
// has IPv6 loopback) that never accepts. A connection the gateway made would complete in the
// kernel and wait in the backlog, where connections() finds it; nothing is ever answered.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "support/process.hpp"

namespace sy::test {

class TrapListener {
public:
    TrapListener() {
        for (int attempt = 0; attempt < 20 && v4_ < 0; ++attempt) {
            port_ = free_port();
            v4_ = open(AF_INET);
        }
        v6_ = open(AF_INET6);
    }
    ~TrapListener() {
        if (v4_ >= 0) ::close(v4_);
        if (v6_ >= 0) ::close(v6_);
    }
    TrapListener(const TrapListener&) = delete;
    TrapListener& operator=(const TrapListener&) = delete;

    bool ok() const { return v4_ >= 0; }
    bool has_ipv6() const { return v6_ >= 0; }
    int port() const { return port_; }
    std::string port_text() const { return std::to_string(port_); }
    // Connections made to it since the last call (drained from the backlog).
    int connections() { return drain(v4_) + drain(v6_); }

private:
    int open(int family) const {
        int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return -1;
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_storage ss{};
        socklen_t len = 0;
        if (family == AF_INET) {
            auto* a = reinterpret_cast<sockaddr_in*>(&ss);
            a->sin_family = AF_INET;
            a->sin_port = htons(static_cast<uint16_t>(port_));
            a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            len = sizeof *a;
        } else {
            ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
            auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
            a->sin6_family = AF_INET6;
            a->sin6_port = htons(static_cast<uint16_t>(port_));
            a->sin6_addr = in6addr_loopback;
            len = sizeof *a;
        }
        if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 64) != 0) {
            ::close(fd);
            return -1;
        }
        return fd;
    }
    static int drain(int fd) {
        int n = 0;
        for (int c; fd >= 0 && (c = ::accept(fd, nullptr, nullptr)) >= 0; ++n) ::close(c);
        return n;
    }

    int port_ = 0;
    int v4_ = -1;
    int v6_ = -1;
};

}  // namespace sy::test
