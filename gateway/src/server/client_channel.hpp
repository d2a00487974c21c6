// Writes to a client socket that the edge keeps non-blocking: each write has a deadline
// (server.write_timeout_ms), so a client that stops reading cannot hold a worker. After a
// failure every later write fails at once, and a timed-out client's socket is shut down so
// that whatever waits on it (an upstream call watching for a disconnect) stops too.
#pragma once

#include <cstddef>
#include <string_view>

namespace sy::server {

class ClientChannel {
public:
    ClientChannel(int fd, int write_timeout_ms) : fd_(fd), timeout_ms_(write_timeout_ms) {}
    int fd() const { return fd_; }
    // All of data, or false (client gone or too slow).
    bool write(std::string_view data);
    bool failed() const { return failed_; }
    bool timed_out() const { return timed_out_; }
    size_t written() const { return written_; }

private:
    int fd_;
    int timeout_ms_;
    bool failed_ = false;
    bool timed_out_ = false;
    size_t written_ = 0;
};

}  // namespace sy::server
