// The anthropic provider: OpenAI chat requests to the Messages API (request_translation) and
// its answers and event streams back to OpenAI chat completions and chunks, with tool-call
// argument fragments passed on as they arrive and usage (input, output, cache read and write).
#pragma once

#include <switchyard/sdk.hpp>

#include "config.hpp"

namespace sy_plugins::anthropic {

class AnthropicProvider final : public switchyard::Provider {
public:
    AnthropicProvider(const switchyard::Host& host, std::string_view config_json);

    void build_request(const switchyard::ProviderRequest& req, switchyard::HttpBuilder& out) override;
    void parse_response(const switchyard::ProviderRequest& req, const sy_upstream_response& resp,
                        switchyard::ResponseWriter& out) override;
    std::unique_ptr<switchyard::ProviderStream> open_stream(const switchyard::ProviderRequest& req) override;

private:
    Config config_;
};

// Messages stop_reason -> OpenAI finish_reason.
const char* finish_reason_of(std::string_view stop_reason);

}  // namespace sy_plugins::anthropic
