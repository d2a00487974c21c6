#include "core/sha256.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

namespace sy {

std::string sha256_hex(std::string_view data) {
    Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
    sha.update(data.data(), static_cast<unsigned>(data.size()));
    return Poco::DigestEngine::digestToHex(sha.digest());
}

bool sha256_fd_hex(int fd, std::string& hex, std::string& error) {
    Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
    char buf[64 * 1024];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            error = std::strerror(errno);
            return false;
        }
        sha.update(buf, static_cast<unsigned>(n));
    }
    hex = Poco::DigestEngine::digestToHex(sha.digest());
    return true;
}

}  // namespace sy
