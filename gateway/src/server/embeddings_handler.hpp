// POST /v1/embeddings: an OpenAI embeddings request answered by the named model's provider
// (providers that embed: openai and any compatible server, mock). Authenticated, admitted
// against budgets and limits like chat (input tokens only), and charged at the input price.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "server/gateway.hpp"

namespace sy::server {

void embeddings(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);

}  // namespace sy::server
