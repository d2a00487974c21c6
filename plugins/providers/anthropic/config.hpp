// Config of the anthropic provider plugin (providers[].config). See README.md.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sy_plugins::anthropic {

struct Config {
    std::string api_key;                     // sent as x-api-key
    std::string version = "2023-06-01";      // anthropic-version
    std::string messages_path = "/messages"; // appended to base_url (e.g. https://api.anthropic.com/v1)
    int64_t default_max_tokens = 4096;       // when the client sets none (the API requires it)
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers (e.g. anthropic-beta)

    static Config parse(std::string_view json);  // throws switchyard::Error(SY_ERR_CONFIG)
};

}  // namespace sy_plugins::anthropic
