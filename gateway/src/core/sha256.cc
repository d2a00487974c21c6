#include "core/sha256.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sy {
namespace {

// The algorithm fetched once: OpenSSL 3 looks it up in its providers on every implicit use.
const EVP_MD* sha256_md() {
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

// One digest context per thread, reset for each hash: a new context per hash costs a few
// allocations and, on a cold cache, microseconds (every authenticated request hashes its key,
// and a user-limited one its end user too). A hash never parks, so no fiber moves off the
// thread while it holds the context.
EVP_MD_CTX* thread_context() {
    struct Owner {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        ~Owner() { EVP_MD_CTX_free(ctx); }
    };
    thread_local Owner owner;
    return owner.ctx;
}

// OpenSSL's digest (SHA-NI or vector code where the CPU has it).
class Sha256 {
public:
    Sha256() : ctx_(thread_context()) { EVP_DigestInit_ex2(ctx_, sha256_md(), nullptr); }
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(const void* data, size_t size) { EVP_DigestUpdate(ctx_, data, size); }
    std::string hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        EVP_DigestFinal_ex(ctx_, digest, &size);
        static const char digits[] = "0123456789abcdef";
        std::string out(2 * size, '0');
        for (unsigned int i = 0; i < size; ++i) {
            out[2 * i] = digits[digest[i] >> 4];
            out[2 * i + 1] = digits[digest[i] & 15];
        }
        return out;
    }

private:
    EVP_MD_CTX* ctx_;
};

}  // namespace

std::string sha256_hex(std::string_view data) {
    Sha256 sha;
    sha.update(data.data(), data.size());
    return sha.hex();
}

bool sha256_fd_hex(int fd, std::string& hex, std::string& error) {
    Sha256 sha;
    char buf[64 * 1024];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            error = std::strerror(errno);
            return false;
        }
        sha.update(buf, static_cast<size_t>(n));
    }
    hex = sha.hex();
    return true;
}

}  // namespace sy
