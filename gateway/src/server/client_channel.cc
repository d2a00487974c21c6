#include "server/client_channel.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "core/clock.hpp"
#include "core/fiber.hpp"
#include "server/edge_report.hpp"

namespace sy::server {

bool ClientChannel::write(std::string_view data) {
    if (failed_) return false;
    fiber::ParkingScope parking;  // a slow reader parks the request's fiber, not its thread
    int64_t deadline = -1;  // taken only when the socket buffer is full
    while (!data.empty()) {
        ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            data.remove_prefix(static_cast<size_t>(n));
            written_ += static_cast<size_t>(n);
            continue;
        }
        const int err = n < 0 ? fiber::last_errno() : 0;
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) {
            if (deadline < 0) deadline = clock::steady_ms() + timeout_ms_;
            int64_t left = deadline - clock::steady_ms();
            if (left > 0) {
                pollfd p{fd_, POLLOUT, 0};
                if (fiber::poll(&p, 1, static_cast<int>(left)) >= 0 || fiber::last_errno() == EINTR) continue;  // timeout: next send says
            } else {
                timed_out_ = true;
                edge::note_rejection("write_timeout", "a client read nothing for server.write_timeout_ms (" +
                                                          std::to_string(timeout_ms_) + " ms); connection cut");
                ::shutdown(fd_, SHUT_RDWR);
            }
        }
        failed_ = true;
        return false;
    }
    return true;
}

}  // namespace sy::server
