// TLS to upstreams, on OpenSSL directly: the certificate chain and the host name (or IP address)
// are checked inside the handshake, against the system's CAs or a configured bundle; the handshake
// runs on the non-blocking socket under the connect deadline; a failure says why (unknown CA,
// name mismatch, expired, not TLS at all).
//
// (Poco's VERIFY_RELAXED checks the name only after the handshake, and not at all for a host that
// resolves to loopback; hence not Poco here.)
#pragma once

#include <memory>
#include <string>

#include "upstream/endpoint.hpp"
#include "upstream/transport.hpp"

struct ssl_ctx_st;

namespace sy::upstream {

class TlsContext {
public:
    struct Options {
        bool verify = true;   // tls_verify
        std::string ca_file;  // tls_ca_file: trusted instead of the system's CAs ("" = the system's)
    };
    // Loads the CA bundle now; null with an error when it cannot.
    static std::shared_ptr<const TlsContext> create(const Options& options, std::string& error);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    bool verify() const { return verify_; }
    ssl_ctx_st* native() const { return ctx_; }

private:
    TlsContext(ssl_ctx_st* ctx, bool verify) : ctx_(ctx), verify_(verify) {}
    ssl_ctx_st* ctx_;
    bool verify_;
};

// Runs the client handshake on a connected non-blocking socket, which the transport then owns.
// On failure closes the socket and sets error.
std::unique_ptr<Transport> tls_handshake(int fd, const Endpoint& ep, const TlsContext& ctx, int64_t deadline_ms,
                                         std::string& error);

}  // namespace sy::upstream
