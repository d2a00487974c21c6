// Config of the openai provider plugin (providers[].config). See README.md.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sy_plugins::openai {

struct Config {
    std::string api_key;       // sent as Authorization: Bearer
    std::string organization;  // OpenAI-Organization
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers
    std::string chat_path = "/chat/completions";
    std::string embeddings_path = "/embeddings";

    static Config parse(std::string_view json);  // throws switchyard::Error(SY_ERR_CONFIG)
};

}  // namespace sy_plugins::openai
