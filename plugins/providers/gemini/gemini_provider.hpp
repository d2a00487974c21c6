// The gemini provider: OpenAI chat requests to the Generative Language API's generateContent
// and streamGenerateContent?alt=sse (request_translation), answers and SSE chunks back to OpenAI
// chat completions and chunks; safety blocks become finish_reason content_filter, usageMetadata
// the usage.
#pragma once

#include <switchyard/sdk.hpp>

#include "config.hpp"

namespace sy_plugins::gemini {

class GeminiProvider final : public switchyard::Provider {
public:
    GeminiProvider(const switchyard::Host& host, std::string_view config_json);

    void build_request(const switchyard::ProviderRequest& req, switchyard::HttpBuilder& out) override;
    void parse_response(const switchyard::ProviderRequest& req, const sy_upstream_response& resp,
                        switchyard::ResponseWriter& out) override;
    std::unique_ptr<switchyard::ProviderStream> open_stream(const switchyard::ProviderRequest& req) override;

private:
    Config config_;
};

// Gemini finishReason -> OpenAI finish_reason (tool_calls when the answer calls functions).
const char* finish_reason_of(std::string_view reason, bool calls);

}  // namespace sy_plugins::gemini
