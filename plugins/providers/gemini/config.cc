#include "config.hpp"

#include "common/plugin_config.hpp"

namespace sy_plugins::gemini {

Config Config::parse(std::string_view json) {
    PluginConfig cfg("gemini", json, {"api_key", "headers"});
    Config out;
    out.api_key = cfg.string("api_key");
    out.headers = cfg.string_map("headers");
    return out;
}

}  // namespace sy_plugins::gemini
