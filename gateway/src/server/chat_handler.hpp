// POST /v1/chat/completions: authenticate, read and validate the body, route, call the provider.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include "server/gateway.hpp"

namespace sy::server {

class ChatHandler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit ChatHandler(Gateway& gateway) : gateway_(gateway) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override;

private:
    Gateway& gateway_;
};

}  // namespace sy::server
