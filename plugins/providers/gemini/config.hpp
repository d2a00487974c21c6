// Config of the gemini provider plugin (providers[].config). See README.md.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sy_plugins::gemini {

struct Config {
    std::string api_key;  // sent as x-goog-api-key
    std::vector<std::pair<std::string, std::string>> headers;

    static Config parse(std::string_view json);  // throws switchyard::Error(SY_ERR_CONFIG)
};

}  // namespace sy_plugins::gemini
