#include "server/connection.hpp"

#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <memory>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Timestamp.h>

namespace sy::server {
namespace {

// Exposes how many received bytes the session holds, so the loop knows whether the next
// (pipelined) request is already here.
class Session final : public Poco::Net::HTTPServerSession {
public:
    using HTTPServerSession::HTTPServerSession;
    int pending() const { return buffered(); }
};

// True when the socket has bytes (or EOF) to read within timeout_ms.
bool wait_for_request(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    for (;;) {
        int rc = ::poll(&p, 1, timeout_ms);
        if (rc < 0 && errno == EINTR) continue;
        return rc > 0;
    }
}

class Connection final : public Poco::Net::TCPServerConnection {
public:
    Connection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
               Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, ConnectionRegistry& registry, int max_requests)
        : TCPServerConnection(socket), params_(std::move(params)), handlers_(std::move(handlers)),
          registry_(registry), max_requests_(max_requests), fd_(static_cast<int>(this->socket().impl()->sockfd())) {
        registry_.add(fd_);
    }
    ~Connection() override { registry_.remove(fd_); }

    void run() override {
        // Answers and stream events go out as soon as they are written: without this, Nagle holds
        // a stream's first event until the client acknowledges the response head (a delayed ACK,
        // ~40 ms on Linux).
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        Session session(socket(), params_);
        const int keep_alive_ms = static_cast<int>(params_->getKeepAliveTimeout().totalMilliseconds());
        const int first_ms = static_cast<int>(params_->getTimeout().totalMilliseconds());
        int served = 0;
        while (!registry_.stopped()) {
            if (served > 0 && (!session.getKeepAlive() || (max_requests_ > 0 && served >= max_requests_))) break;
            if (session.pending() == 0 && !wait_for_request(fd_, served == 0 ? first_ms : keep_alive_ms)) break;
            if (!serve_one(session, served)) break;
            ++served;
        }
    }

private:
    // One request; false when the connection must close.
    bool serve_one(Session& session, int served) {
        try {
            Poco::Net::HTTPServerResponseImpl response(session);
            Poco::Net::HTTPServerRequestImpl request(response, session, params_);
            response.setDate(Poco::Timestamp());
            response.setVersion(request.getVersion());
            bool last = max_requests_ > 0 && served + 1 >= max_requests_;
            response.setKeepAlive(params_->getKeepAlive() && request.getKeepAlive() && !last);
            std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(handlers_->createRequestHandler(request));
            if (request.getExpectContinue() && response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK)
                response.sendContinue();
            handler->handleRequest(request, response);
            session.setKeepAlive(params_->getKeepAlive() && response.getKeepAlive());
            return true;
        } catch (const Poco::Net::NoMessageException&) {
            return false;  // the client closed the connection between requests
        } catch (const Poco::Net::MessageException&) {
            send_bad_request(session);
            return false;
        } catch (...) {
            return false;  // network errors and anything a handler let escape: drop the connection
        }
    }

    static void send_bad_request(Session& session) {
        try {
            Poco::Net::HTTPServerResponseImpl response(session);
            response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
            response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
            response.setKeepAlive(false);
            response.setContentLength(0);
            response.send();
        } catch (...) {
        }
    }

    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
    ConnectionRegistry& registry_;
    int max_requests_;
    int fd_;
};

}  // namespace

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

Poco::Net::TCPServerConnection* ConnectionFactory::createConnection(const Poco::Net::StreamSocket& socket) {
    return new Connection(socket, params_, handlers_, registry_, max_requests_);
}

}  // namespace sy::server
