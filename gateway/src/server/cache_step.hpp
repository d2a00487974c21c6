// The response caches' part in one chat request: the exact cache first, then, on a miss, the
// semantic cache (docs/caching.md). A hit answers at once, at no cost, touching no budget, limit
// or provider; a miss keeps what a fresh answer is stored under in both caches.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <switchyard/chat_request.hpp>
#include <switchyard/config.hpp>

#include "cache/response_cache.hpp"
#include "routing/runtime.hpp"

namespace sy::server {

class Gateway;

class CacheStep {
public:
    // Nullopt when no cache applies: the cache is off, the model opts out, the client says
    // Cache-Control: no-store, or the request is not deterministic (cache.deterministic_only).
    // Cache-Control: no-cache skips the lookups but stores the fresh answer.
    static std::optional<CacheStep> begin(Gateway& g, const routing::Runtime& rt, Poco::Net::HTTPServerRequest& req,
                                          const ChatRequest& chat, const routing::RouteDecision& d,
                                          const config::ApiKeyConfig* key);
    // On a hit: sends the stored answer (JSON or replayed stream) with the cache headers, counts
    // it, extends `reason` and returns true. On a miss: marks and counts it and returns false.
    bool answer(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, const ChatRequest& chat,
                std::string& reason);
    // Whether a fresh answer is to be stored (then the caller captures it).
    bool fills() const { return exact_ || !unit_.empty(); }
    // Stores a fresh answer in the exact cache and, when it applies, the semantic cache.
    void fill(const std::string& completion);

private:
    void look_up_semantic(const routing::Runtime& rt, const ChatRequest& chat, const std::string& model,
                          const std::string& scope, bool lookup);

    cache::ResponseCache* cache_ = nullptr;
    std::optional<cache::ResponseCache::Ticket> exact_;
    // The semantic entry a fresh answer fills (empty unit: none), and the hit of the lookup.
    std::string bucket_;
    std::vector<float> unit_;
    std::optional<cache::SemanticMatch> semantic_hit_;
    bool semantic_looked_up_ = false;
};

}  // namespace sy::server
