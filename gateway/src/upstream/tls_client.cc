#include "upstream/tls_client.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/fiber.hpp"

#include "config/net_address.hpp"

namespace sy::upstream {
namespace {

// Waits for the socket to allow what OpenSSL asked for (SSL_ERROR_WANT_READ/WRITE); false on
// timeout or an error other than "try again".
bool wait_for(int fd, int ssl_error, int64_t deadline_ms) {
    if (ssl_error != SSL_ERROR_WANT_READ && ssl_error != SSL_ERROR_WANT_WRITE) return false;
    return fiber::wait_ready(fd, ssl_error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline_ms);
}

// One SSL_connect step, with the errno it left. Out of line: between steps the fiber may have
// parked and moved to another thread, whose errno this reads.
[[gnu::noinline]] int connect_step(SSL* ssl, int& saved_errno) {
    ERR_clear_error();
    errno = 0;
    int rc = SSL_connect(ssl);
    saved_errno = errno;
    return rc;
}

std::string last_ssl_error() {
    unsigned long e = ERR_peek_last_error();
    if (e == 0) return {};
    const char* reason = ERR_reason_error_string(e);
    return reason ? reason : "error " + std::to_string(e);
}

// Why a certificate was refused, in the words an operator acts on.
std::string certificate_problem(long result) {
    const std::string detail = X509_verify_cert_error_string(result);
    switch (result) {
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return "unknown CA: the certificate is not signed by a CA the gateway trusts (" + detail +
                   "; tls_ca_file names a bundle to trust)";
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            return "name mismatch: the certificate is not valid for this host (" + detail + ")";
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return "expired: the certificate's validity has ended (" + detail + ")";
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return "not yet valid: the certificate's validity has not begun (" + detail + ")";
        default:
            return "certificate refused (" + detail + ")";
    }
}

std::string handshake_problem(SSL* ssl, const TlsContext& ctx, int ssl_error, int saved_errno) {
    if (ctx.verify())
        if (long result = SSL_get_verify_result(ssl); result != X509_V_OK) return certificate_problem(result);
    std::string reason = last_ssl_error();
    if (reason == "wrong version number" || reason == "packet length too long")
        return reason + " (the upstream does not speak TLS here; is base_url http://?)";
    if (!reason.empty()) return reason;
    if (ssl_error == SSL_ERROR_SYSCALL && saved_errno != 0) return std::strerror(saved_errno);
    return "the upstream closed the connection during the handshake";
}

class TlsTransport final : public Transport {
public:
    TlsTransport(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
    ~TlsTransport() override {
        SSL_free(ssl_);  // quiet shutdown: a close_notify to a peer that may be gone gains nothing
        ::close(fd_);
    }
    int fd() const override { return fd_; }
    size_t pending() override { return static_cast<size_t>(std::max(0, SSL_pending(ssl_))); }
    ssize_t read(char* buf, size_t cap) override {
        ERR_clear_error();
        size_t got = 0;
        if (SSL_read_ex(ssl_, buf, cap, &got) == 1) return static_cast<ssize_t>(got);
        switch (SSL_get_error(ssl_, 0)) {
            case SSL_ERROR_WANT_READ:
            case SSL_ERROR_WANT_WRITE: return -1;
            case SSL_ERROR_ZERO_RETURN: return 0;
            default: return -2;
        }
    }
    bool write_all(const char* data, size_t len, int64_t deadline_ms) override {
        while (len > 0) {
            ERR_clear_error();
            size_t written = 0;
            if (SSL_write_ex(ssl_, data, len, &written) == 1) {
                data += written;
                len -= written;
                continue;
            }
            if (!wait_for(fd_, SSL_get_error(ssl_, 0), deadline_ms)) return false;
        }
        return true;
    }

private:
    int fd_;
    SSL* ssl_;
};

// Sets SNI and the name (or address) the certificate must be valid for.
bool expect_peer(SSL* ssl, const Endpoint& ep, bool verify) {
    const bool literal = config::IpAddress::parse(ep.host).has_value();
    if (!literal && SSL_set_tlsext_host_name(ssl, ep.host.c_str()) != 1) return false;
    if (!verify) return true;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return literal ? X509_VERIFY_PARAM_set1_ip_asc(param, ep.host.c_str()) == 1
                   : X509_VERIFY_PARAM_set1_host(param, ep.host.c_str(), ep.host.size()) == 1;
}

}  // namespace

std::shared_ptr<const TlsContext> TlsContext::create(const Options& options, std::string& error) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        error = "cannot create a TLS context: " + last_ssl_error();
        return nullptr;
    }
    std::shared_ptr<const TlsContext> out(new TlsContext(ctx, options.verify));
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    // Many servers close without close_notify; the HTTP framing catches a truncated body.
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_quiet_shutdown(ctx, 1);
    SSL_CTX_set_verify(ctx, options.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    if (!options.verify) return out;
    ERR_clear_error();
    int ok = options.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                                     : SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr);
    if (ok != 1) {
        error = options.ca_file.empty() ? "cannot load the system's CA certificates: " + last_ssl_error()
                                        : "cannot load CA bundle '" + options.ca_file + "': " + last_ssl_error();
        return nullptr;
    }
    return out;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

std::unique_ptr<Transport> tls_handshake(int fd, const Endpoint& ep, const TlsContext& ctx, int64_t deadline_ms,
                                         std::string& error) {
    const std::string where = "TLS handshake with " + ep.host + ":" + std::to_string(ep.port) + " failed: ";
    SSL* ssl = SSL_new(ctx.native());
    if (!ssl || SSL_set_fd(ssl, fd) != 1 || !expect_peer(ssl, ep, ctx.verify())) {
        error = where + "cannot set up the connection (" + last_ssl_error() + ")";
        SSL_free(ssl);
        ::close(fd);
        return nullptr;
    }
    for (;;) {
        int saved_errno = 0;
        int rc = connect_step(ssl, saved_errno);
        if (rc == 1) return std::make_unique<TlsTransport>(fd, ssl);
        int e = SSL_get_error(ssl, rc);
        if (wait_for(fd, e, deadline_ms)) continue;
        error = where + (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE
                             ? std::string("no answer within the connect timeout")
                             : handshake_problem(ssl, ctx, e, saved_errno));
        SSL_free(ssl);
        ::close(fd);
        return nullptr;
    }
}

}  // namespace sy::upstream
