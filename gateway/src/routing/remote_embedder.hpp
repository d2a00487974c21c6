// An embedder that asks an embeddings endpoint (embedders[]): OpenAI-compatible
// POST <base_url>/embeddings or Ollama's POST <base_url>/api/embed, over pooled keep-alive
// connections with one timeout for connect and answer, and an LRU cache of recent texts.
// Vectors are L2-normalised so that every embedder's vectors compare by dot product.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <switchyard/config.hpp>
#include <switchyard/embedder.hpp>

#include "upstream/connection_pool.hpp"

namespace sy::routing {

class RemoteEmbedder final : public embed::Embedder {
public:
    // Returns nullptr with an error naming embedders[i].base_url when the URL is unusable.
    static std::unique_ptr<RemoteEmbedder> create(const config::EmbedderConfig& cfg, std::string& error);

    const std::string& id() const override { return id_; }
    size_t dim() const override { return static_cast<size_t>(cfg_.dim); }
    bool embed(std::string_view text, float* out, std::string& error) const noexcept override;

private:
    RemoteEmbedder(config::EmbedderConfig cfg, upstream::Endpoint endpoint, std::shared_ptr<const upstream::TlsContext> tls);
    bool fetch(std::string_view text, std::vector<float>& out, std::string& error) const;
    bool cached(std::string_view text, float* out) const;
    void remember(std::string_view text, const std::vector<float>& v) const;

    config::EmbedderConfig cfg_;
    std::string id_;
    mutable upstream::ConnectionPool pool_;
    config::TimeoutConfig timeouts_;
    // LRU: most recent first; the map points into the list.
    mutable std::mutex mu_;
    mutable std::list<std::pair<std::string, std::vector<float>>> lru_;
    mutable std::unordered_map<std::string_view, decltype(lru_)::iterator> index_;
};

}  // namespace sy::routing
