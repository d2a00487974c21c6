#include "config.hpp"

#include "common/plugin_config.hpp"

namespace sy_plugins::anthropic {

Config Config::parse(std::string_view json) {
    PluginConfig cfg("anthropic", json, {"api_key", "version", "messages_path", "default_max_tokens", "headers"});
    Config out;
    out.api_key = cfg.string("api_key");
    out.version = cfg.string("version", out.version);
    out.messages_path = cfg.string("messages_path", out.messages_path);
    if (out.messages_path.empty() || out.messages_path[0] != '/') cfg.fail("messages_path", "must start with '/'");
    out.default_max_tokens = static_cast<int64_t>(cfg.number("default_max_tokens", 4096, 1, 1e9));
    out.headers = cfg.string_map("headers");
    return out;
}

}  // namespace sy_plugins::anthropic
