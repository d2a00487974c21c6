// The exact cache's key: SHA-256 (hex) of the served model, the sharing scope and the request
// body in canonical form (object keys sorted, no whitespace) without the fields that do not
// change the answer: model (the served one counts instead), user, stream, stream_options,
// metadata. Two requests that differ only in key order or in those fields share an answer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <switchyard/chat_request.hpp>

namespace sy::cache {

struct CacheKey {
    std::string key;
    bool deterministic = false;  // temperature 0 or a seed: the same request gets the same answer
};

// Nullopt when the body is not a JSON object (it always is after validation).
std::optional<CacheKey> cache_key(const ChatRequest& req, std::string_view served_model, std::string_view scope);

}  // namespace sy::cache
