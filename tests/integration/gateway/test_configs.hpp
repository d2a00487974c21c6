// Gateway configs for the integration tests.
#pragma once

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

}  // namespace sy::test
