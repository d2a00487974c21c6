// Answers from the exact cache, and what a fresh answer leaves in it. The cache holds OpenAI
// chat.completion JSON: a hit is sent as it is, or replayed as an SSE stream (role, content,
// tool calls, finish, usage when asked, [DONE]) for a streaming request. A streamed answer is
// stored as the completion it adds up to; one with tool calls is not stored.
#pragma once

#include <optional>
#include <string>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <switchyard/chat_request.hpp>

#include "server/provider_call.hpp"

namespace sy::server {

// False when the stored answer is not usable JSON (the caller then asks upstream).
bool send_cached(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, const ChatRequest& chat,
                 const std::string& completion);

// The completion to store for an answered request; nullopt when it should not be stored.
std::optional<std::string> completion_to_cache(const ChatRequest& chat, const CallOutcome& out,
                                               const std::string& captured_body, const PartialAnswer& streamed,
                                               const std::string& request_id, const std::string& model);

}  // namespace sy::server
