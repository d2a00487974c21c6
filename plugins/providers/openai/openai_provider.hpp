// Provider for OpenAI and every OpenAI-compatible server (vLLM, llama.cpp server, LM Studio,
// Ollama's /v1, Groq, Together): the request passes through with the model name replaced and
// usage forced on for streams; answers pass through with usage and errors extracted.
#pragma once

#include <rapidjson/document.h>

#include <switchyard/sdk.hpp>

#include "config.hpp"

namespace sy_plugins::openai {

class OpenAIProvider final : public switchyard::Provider {
public:
    OpenAIProvider(const switchyard::Host& host, std::string_view config_json);

    // switchyard::Provider
    void build_request(const switchyard::ProviderRequest& req, switchyard::HttpBuilder& out) override;
    void parse_response(const switchyard::ProviderRequest& req, const sy_upstream_response& resp,
                        switchyard::ResponseWriter& out) override;
    std::unique_ptr<switchyard::ProviderStream> open_stream(const switchyard::ProviderRequest& req) override;
    void build_embeddings(const switchyard::EmbeddingsRequest& req, switchyard::HttpBuilder& out) override;
    void parse_embeddings(const switchyard::EmbeddingsRequest& req, const sy_upstream_response& resp,
                          switchyard::ResponseWriter& out) override;

private:
    // Writes doc as the body of a POST to path with the configured headers.
    void send(const rapidjson::Document& doc, const std::string& path, switchyard::HttpBuilder& out) const;
    void send_body(std::string_view body, const std::string& path, switchyard::HttpBuilder& out) const;

    Config config_;
    std::string auth_header_;
};


}  // namespace sy_plugins::openai
