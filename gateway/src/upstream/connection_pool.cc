#include "upstream/connection_pool.hpp"

namespace sy::upstream {
namespace {

// A pooled connection is reusable only while the peer has sent nothing unasked. A peer that
// closed it is not checked here (that would cost a syscall per request): the exchange notices
// the close before any response byte and retries once on a fresh connection.
bool looks_alive(Connection& c) { return c.buffered() == 0 && c.transport->pending() == 0; }

}  // namespace

void Connection::consume(size_t n) {
    offset += n;
    if (offset == buffer.size()) {
        buffer.clear();
        offset = 0;
    } else if (offset > 64 * 1024) {
        buffer.erase(0, offset);
        offset = 0;
    }
}

ConnectionPool::ConnectionPool(Endpoint endpoint, int max_idle, std::shared_ptr<const TlsContext> tls, int idle_timeout_ms)
    : endpoint_(std::move(endpoint)), max_idle_(static_cast<size_t>(std::max(0, max_idle))),
      tls_(std::move(tls)), idle_timeout_ms_(idle_timeout_ms) {}

std::unique_ptr<Connection> ConnectionPool::acquire(int connect_timeout_ms, bool* reused, ConnectError& error) {
    int64_t now = now_ms();
    for (;;) {
        std::unique_ptr<Connection> c;
        {
            std::lock_guard lock(mu_);
            if (idle_.empty()) break;
            c = std::move(idle_.back());
            idle_.pop_back();
        }
        if (now - c->idle_since_ms < idle_timeout_ms_ && looks_alive(*c)) {
            *reused = true;
            return c;
        }
    }
    *reused = false;
    auto transport = connect_transport(endpoint_, connect_timeout_ms, tls_.get(), error);
    if (!transport) return nullptr;
    auto c = std::make_unique<Connection>();
    c->transport = std::move(transport);
    c->buffer.reserve(16 * 1024);
    return c;
}

void ConnectionPool::release(std::unique_ptr<Connection> conn) {
    if (!conn || conn->buffered() > 0) return;
    conn->idle_since_ms = now_ms();
    ++conn->requests;
    std::lock_guard lock(mu_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(conn));
}

std::shared_ptr<const TlsContext> tls_for(const Endpoint& ep, const TlsContext::Options& options, std::string& error) {
    if (!ep.tls) return nullptr;
    auto ctx = TlsContext::create(options, error);
    if (!ctx) error = (options.ca_file.empty() ? "tls_verify: " : "tls_ca_file: ") + error;
    return ctx;
}

size_t ConnectionPool::idle_count() const {
    std::lock_guard lock(mu_);
    return idle_.size();
}

}  // namespace sy::upstream
