// Gateway configs for the state integration tests: a fake OpenAI upstream, Redis, and keys with
// limits. Prices make a token cost exactly 0.001 USD (1,000,000 nano-USD) in and out, so costs
// in the tests are token counts.
#pragma once

#include <string>

#include "support/http_client.hpp"
#include "support/servers.hpp"

namespace sy::test {

constexpr int64_t kNanoPerToken = 1000000;
constexpr char kAdminKey[] = "admin-secret";

struct StateSetup {
    std::string on_failure = "open";
    std::string local_share = "1";
    int store_timeout_ms = 500;   // Redis connect and command timeouts: roomy, so that a slow
                                  // (sanitized) build never falls into the degraded mode by accident
    std::string key_limits = "{}";
    std::string extra_keys;     // more auth.keys entries
    std::string first_byte_ms = "2000";
    int max_threads = 64;
    std::string extra_yaml;     // more top-level sections (e.g. policies)
    bool cluster = false;       // redis_port is a node of a Redis Cluster
    std::string model_limits;   // limits of model m (empty: none)
};

inline std::string state_config(const FakeUpstream& fake, int redis_port, const StateSetup& s) {
    std::string state = redis_port > 0 ? "  redis: {address: \"127.0.0.1:" + std::to_string(redis_port) +
                                             "\", connect_timeout_ms: " + std::to_string(s.store_timeout_ms) +
                                             ", command_timeout_ms: " + std::to_string(s.store_timeout_ms) +
                                             (s.cluster ? ", cluster: true" : "") + "}\n"
                                       : "  backend: memory\n";
    return R"(
server:
  max_threads: )" + std::to_string(s.max_threads) + R"(
  max_queued: 512
plugins:
  search_paths: [")" + plugin_dir() + R"("]
providers:
  - name: fake
    plugin: openai
    base_url: )" + fake.base_url() + R"(
    max_connections: 256
    timeouts: {first_byte_ms: )" + s.first_byte_ms + R"(, idle_ms: 2000}
    config: {api_key: sk-up}
models:
  - name: m
    input_price_per_mtok: 1000
    output_price_per_mtok: 1000
    max_output_tokens: 10
)" + (s.model_limits.empty() ? "" : "    limits: " + s.model_limits + "\n") + R"(    deployments: [{provider: fake}]
state:
)" + state + "  on_failure: " + s.on_failure + "\n  local_share: " + s.local_share + R"(
  reservation_ttl_ms: 5000
auth:
  required: true
  admin_key: )" + kAdminKey + R"(
  key_cache_ttl_ms: 200
  keys:
    - key: sk-app
      id: app
      team: search
      limits: )" + s.key_limits + "\n" + s.extra_keys + "\n" + s.extra_yaml + "\n";
}

inline std::vector<std::pair<std::string, std::string>> bearer(const std::string& key) {
    return {{"Authorization", "Bearer " + key}};
}

// A short request whose reservation is exact: prompt estimate plus max_tokens 10.
inline std::string small_chat(const std::string& directives = "", bool stream = false) {
    return R"({"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi )" + directives +
           R"("}])" + (stream ? R"(, "stream": true, "stream_options": {"include_usage": true})" : "") + "}";
}

// prompt_tokens + completion_tokens of a JSON answer's usage, or -1.
inline int64_t usage_tokens(const std::string& body) {
    auto field = [&](const std::string& name) -> int64_t {
        size_t at = body.find("\"" + name + "\":");
        return at == std::string::npos ? -1 : std::stoll(body.substr(at + name.size() + 3));
    };
    int64_t p = field("prompt_tokens"), c = field("completion_tokens");
    return p < 0 || c < 0 ? -1 : p + c;
}

}  // namespace sy::test
