// The edge's own Poco::Net::HTTPServerRequest and HTTPServerResponse: handlers keep Poco's
// interfaces while the bytes come from the reactor's buffers (the whole body has arrived before
// a handler runs) and answers go out through a ClientChannel with a write deadline.
#pragma once

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SocketAddress.h>

#include <functional>
#include <istream>
#include <memory>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/client_channel.hpp"

namespace sy::server {

// An istream over bytes that stay put (a received body); reused from request to request.
class BodyStream final : public std::istream {
public:
    BodyStream() : std::istream(&buf_) {}
    void reset(std::string_view bytes);

private:
    struct Buf final : std::streambuf {
        void point(std::string_view b) {
            char* p = const_cast<char*>(b.data());
            setg(p, p, p + b.size());
        }
    } buf_;
};

class EdgeResponse final : public Poco::Net::HTTPServerResponse {
public:
    explicit EdgeResponse(ClientChannel& channel) : channel_(channel) {}
    ClientChannel& channel() { return channel_; }
    // Sends what send() collected; false when the client is gone.
    bool flush();
    bool sent() const override { return send_called_ || channel_.written() > 0; }

    // Poco::Net::HTTPServerResponse
    void sendContinue() override;
    std::ostream& send() override;
    void sendFile(const std::string& path, const std::string& mediaType) override;
    void sendBuffer(const void* buffer, std::size_t length) override;
    void redirect(const std::string& uri, HTTPStatus status) override;
    void requireAuthentication(const std::string& realm) override;

    // Runs once, just before the head is written (response_headers.hpp: before_head).
    void before_head(std::function<void()> hook) { before_head_ = std::move(hook); }
    void run_before_head() const {
        if (!before_head_) return;
        std::function<void()> hook = std::move(before_head_);
        before_head_ = nullptr;
        hook();
    }

    // The gateway's own headers (response_headers.hpp), written after Poco's.
    std::vector<std::pair<std::string_view, std::string>>& own_headers() { return own_headers_; }
    const std::vector<std::pair<std::string_view, std::string>>& own_headers() const { return own_headers_; }

private:
    std::vector<std::pair<std::string_view, std::string>> own_headers_;  // names: string literals
    mutable std::function<void()> before_head_;  // mutable: the head is written from a const view
    ClientChannel& channel_;
    std::unique_ptr<std::ostringstream> body_;  // only for handlers that use send()
    bool send_called_ = false;
};

class EdgeRequest final : public Poco::Net::HTTPServerRequest {
public:
    EdgeRequest(EdgeResponse& response, std::istream& body, const Poco::Net::SocketAddress& client,
                const Poco::Net::SocketAddress& server, const Poco::Net::HTTPServerParams& params)
        : response_(response), body_(body), client_(client), server_(server), params_(params) {}
    ClientChannel& channel() { return response_.channel(); }

    // Poco::Net::HTTPServerRequest
    std::istream& stream() override { return body_; }
    const Poco::Net::SocketAddress& clientAddress() const override { return client_; }
    const Poco::Net::SocketAddress& serverAddress() const override { return server_; }
    const Poco::Net::HTTPServerParams& serverParams() const override { return params_; }
    Poco::Net::HTTPServerResponse& response() const override { return response_; }
    bool secure() const override { return false; }

private:
    EdgeResponse& response_;
    std::istream& body_;
    const Poco::Net::SocketAddress& client_;
    const Poco::Net::SocketAddress& server_;
    const Poco::Net::HTTPServerParams& params_;
};

// The Date header value for now, formatted once per second per thread.
const std::string& http_date_now();

}  // namespace sy::server
