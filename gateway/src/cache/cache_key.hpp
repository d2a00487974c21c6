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

// The semantic cache's bucket: what must be identical for two requests to share an answer by
// similarity. SHA-256 of the served model, the scope, the embedder's identity and the canonical
// body (as above) without its last message, which must be a user turn of text only: its text is
// what gets embedded. So only the wording of the last user turn may differ within a bucket.
struct SemanticKey {
    std::string bucket;
    std::string text;  // the last user turn (text parts joined by '\n')
    bool deterministic = false;
};

// Nullopt when the last message is not a user turn of text (an image, a tool result, ...).
std::optional<SemanticKey> semantic_key(const ChatRequest& req, std::string_view served_model, std::string_view scope,
                                        std::string_view embedder_id);

}  // namespace sy::cache
