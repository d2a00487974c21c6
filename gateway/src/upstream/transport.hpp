// A byte stream to an upstream: plain TCP on a non-blocking socket, or TLS over it (tls_client.hpp).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "upstream/endpoint.hpp"

namespace sy::upstream {

enum class IoStatus { ok, eof, timeout, cancelled, error };

const char* io_status_name(IoStatus s);

class Transport {
public:
    virtual ~Transport() = default;
    virtual int fd() const = 0;
    // Bytes that can be read without waiting on the socket (decrypted TLS data).
    virtual size_t pending() = 0;
    // > 0 bytes read, 0 on EOF, -1 when it would block, -2 on error.
    virtual ssize_t read(char* buf, size_t cap) = 0;
    // Writes everything before the deadline (ms since steady epoch); false on error or timeout.
    virtual bool write_all(const char* data, size_t len, int64_t deadline_ms) = 0;
};

class TlsContext;

struct ConnectError {
    std::string message;
    bool tls = false;  // the TCP connection was made; the TLS handshake failed
};

// Connects with a timeout (TCP and TLS handshake together), to ep.addresses when set, else to
// what ep.host resolves to. An https endpoint needs `tls`. On failure returns nullptr.
std::unique_ptr<Transport> connect_transport(const Endpoint& ep, int timeout_ms, const TlsContext* tls,
                                             ConnectError& error);

// Milliseconds on the steady clock.
int64_t now_ms();
// Milliseconds left until the deadline, 0 when it passed (a poll() timeout).
int remaining_ms(int64_t deadline_ms);

// Waits until `fd` is readable, the deadline passes, or `cancel_fd` (the client socket, or -1)
// is closed by its peer. A cancel_fd that merely has data (a pipelined request) is then ignored:
// it is set to -1.
IoStatus wait_readable(int fd, int64_t deadline_ms, int& cancel_fd);

}  // namespace sy::upstream
