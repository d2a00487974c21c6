// Config of the ollama provider plugin (providers[].config). See README.md.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sy_plugins::ollama {

struct Config {
    std::string chat_path = "/api/chat";
    std::string embed_path = "/api/embed";
    std::string keep_alive;  // default keep_alive (e.g. "5m", "-1"); a request's own keep_alive wins
    std::vector<std::pair<std::string, std::string>> headers;

    static Config parse(std::string_view json);  // throws switchyard::Error(SY_ERR_CONFIG)
};

}  // namespace sy_plugins::ollama
