// POST /v1/chat/completions: authenticate, read and validate the body, route, call the provider.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include "server/gateway.hpp"

namespace sy::server {

// The API a client speaks: OpenAI Chat Completions, or Anthropic Messages (POST /v1/messages),
// which is translated to a chat request on the way in and back on the way out.
enum class Dialect { openai, anthropic };

class ChatHandler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit ChatHandler(Gateway& gateway, Dialect dialect = Dialect::openai) : gateway_(gateway), dialect_(dialect) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override;

private:
    void handle(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);

    Gateway& gateway_;
    Dialect dialect_;
};

}  // namespace sy::server
