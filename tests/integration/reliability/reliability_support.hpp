// Shared by the reliability tests: a gateway config over fake OpenAI upstreams with quick
// retries and cooldowns, and readers for the fakes' request counts and the gateway's metrics.
#pragma once

#include <regex>
#include <string>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {

inline int requests_of(const FakeUpstream& f) { return f.requests(); }

inline std::string provider(const std::string& name, int port, int first_byte_ms = 5000) {
    return "  - {name: " + name + ", plugin: openai, base_url: \"http://127.0.0.1:" + std::to_string(port) +
           "/v1\", timeouts: {connect_ms: 500, first_byte_ms: " + std::to_string(first_byte_ms) + "}}\n";
}

inline std::string config(const std::string& providers, const std::string& models, const std::string& routing = "") {
    return "plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\nproviders:\n" + providers + "models:\n" + models +
           "routing:\n  retries: {attempts: 2, backoff_ms: 5, max_backoff_ms: 20, min_per_window: 50}\n"
           "  outlier_detection: {consecutive_failures: 2, cooldown_ms: 400, max_cooldown_ms: 2000}\n" + routing;
}

inline std::string chat(const std::string& model, const std::string& text = "hello") {
    return R"({"model": ")" + model + R"(", "messages": [{"role": "user", "content": ")" + text + R"("}]})";
}

inline double metric(int port, const std::string& series) {
    HttpClient c(port);
    return metric_value(c.request("GET", "/metrics").body, series);
}

}  // namespace sy::test
