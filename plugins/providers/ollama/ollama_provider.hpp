// The ollama provider: Ollama's native /api/chat (NDJSON streams) and /api/embed behind the
// OpenAI interface. Options map to `options` (num_predict, temperature, top_p, stop, seed),
// images to base64 `images`, tools and tool calls both ways, response_format to `format`,
// prompt_eval_count/eval_count to usage, keep_alive passed through.
#pragma once

#include <switchyard/sdk.hpp>

#include "config.hpp"

namespace sy_plugins::ollama {

class OllamaProvider final : public switchyard::Provider {
public:
    OllamaProvider(const switchyard::Host& host, std::string_view config_json);

    void build_request(const switchyard::ProviderRequest& req, switchyard::HttpBuilder& out) override;
    void parse_response(const switchyard::ProviderRequest& req, const sy_upstream_response& resp,
                        switchyard::ResponseWriter& out) override;
    std::unique_ptr<switchyard::ProviderStream> open_stream(const switchyard::ProviderRequest& req) override;
    void build_embeddings(const switchyard::EmbeddingsRequest& req, switchyard::HttpBuilder& out) override;
    void parse_embeddings(const switchyard::EmbeddingsRequest& req, const sy_upstream_response& resp,
                          switchyard::ResponseWriter& out) override;

private:
    void headers(switchyard::HttpBuilder& out) const;
    Config config_;
};

}  // namespace sy_plugins::ollama
