#include "security_support.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cstdio>

#include "core/sha256.hpp"
#include "support/http_client.hpp"

namespace sy::test {

std::string HostileUpstream::seen() const {
    HttpClient c(port());
    return c.request("GET", "/_seen").body;
}

std::string canary(const std::string& prefix) {
    unsigned char bytes[12] = {0};
    if (getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) return prefix + "-fixed";
    std::string out = prefix + "-";
    char hex[3];
    for (unsigned char b : bytes) {
        std::snprintf(hex, sizeof hex, "%02x", b);
        out += hex;
    }
    return out;
}

std::string fingerprint_of(const std::string& secret) { return "fp:" + sha256_hex(secret).substr(0, 8); }

std::string sha256_of_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    std::string hex, error;
    bool ok = sha256_fd_hex(fd, hex, error);
    ::close(fd);
    return ok ? hex : "";
}

}  // namespace sy::test
