#include "server/connection.hpp"

#include <sys/socket.h>

namespace sy::server {

void ConnectionRegistry::add(int fd) {
    std::lock_guard lock(mu_);
    fds_.insert(fd);
    if (stopped_) ::shutdown(fd, SHUT_RDWR);
}

void ConnectionRegistry::remove(int fd) {
    std::lock_guard lock(mu_);
    fds_.erase(fd);
}

void ConnectionRegistry::close_all() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
}

size_t ConnectionRegistry::size() const {
    std::lock_guard lock(mu_);
    return fds_.size();
}

}  // namespace sy::server
