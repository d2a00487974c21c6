// An in-process model for the quickstart, tests and benchmarks: deterministic answers derived
// from the prompt, with configurable latency, speed and failures. No network.
#pragma once

#include <switchyard/sdk.hpp>

#include "config.hpp"

namespace sy_plugins::mock {

class MockProvider final : public switchyard::Provider {
public:
    static constexpr bool kLocal = true;

    MockProvider(const switchyard::Host& host, std::string_view config_json);

    // switchyard::Provider
    uint64_t local_complete(const switchyard::ProviderRequest& req, switchyard::ResponseWriter& out) override;
    std::unique_ptr<switchyard::LocalStream> open_local_stream(const switchyard::ProviderRequest& req) override;
    uint64_t local_embeddings(const switchyard::EmbeddingsRequest& req, switchyard::ResponseWriter& out) override;

private:
    switchyard::Host host_;
    Config config_;
};

}  // namespace sy_plugins::mock
