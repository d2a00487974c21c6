// Gateway configs for the integration tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "support/servers.hpp"

namespace sy::test {

// One OpenAI-compatible provider on the fake upstream, one mock provider, three models, a router.
inline std::string fake_upstream_config(const FakeUpstream& fake, const std::string& timeouts = "",
                                        const std::string& server_extra = "") {
    return R"(
server:
  max_body_bytes: 65536
)" + server_extra + R"(
plugins:
  search_paths: [")" + plugin_dir() + R"("]
providers:
  - name: fake
    plugin: openai
    base_url: )" + fake.base_url() + R"(
)" + timeouts + R"(
    config:
      api_key: sk-test-upstream
  - name: local
    plugin: mock
models:
  - name: gpt-test
    input_price_per_mtok: 1
    output_price_per_mtok: 2
    deployments:
      - provider: fake
        model: upstream-model
  - name: mock-strong
    deployments:
      - provider: local
  - name: mock-weak
    aliases: [cheap]
    deployments:
      - provider: local
routers:
  - name: pick
    plugin: fixed
    candidates: [mock-strong, mock-weak]
    config:
      model: mock-weak
routing:
  default_model: mock-weak
)";
}

inline std::string chat_body(const std::string& model, const std::string& user_text, bool stream = false,
                             const std::string& extra = "") {
    std::string body = R"({"model": ")" + model + R"(", "messages": [{"role": "system", "content": "be brief"},
        {"role": "user", "content": ")" + user_text + R"("}])";
    if (stream) body += R"(, "stream": true)";
    if (!extra.empty()) body += ", " + extra;
    return body + "}";
}

// A fake upstream and a gateway in front of it, started once per test suite. `Timeouts` is the
// provider's timeouts line. A failed set-up fails every test of the suite instead of skipping.
template <const char* Timeouts>
class FakeUpstreamSuite : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        fake_ = new FakeUpstream();
        if (fake_->ok()) gw_ = new GatewayProcess(fake_upstream_config(*fake_, Timeouts));
    }
    static void TearDownTestSuite() {
        delete gw_;
        delete fake_;
        gw_ = nullptr;
        fake_ = nullptr;
    }
    void SetUp() override { ASSERT_TRUE(fake_ && fake_->ok() && gw_ && gw_->ok()) << (gw_ ? gw_->log() : ""); }

    static inline FakeUpstream* fake_ = nullptr;
    static inline GatewayProcess* gw_ = nullptr;
};

}  // namespace sy::test
