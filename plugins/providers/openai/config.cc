#include "config.hpp"

#include "common/plugin_config.hpp"

namespace sy_plugins::openai {

Config Config::parse(std::string_view json) {
    PluginConfig cfg("openai", json, {"api_key", "organization", "headers", "chat_path", "embeddings_path"});
    Config out;
    out.api_key = cfg.string("api_key");
    out.organization = cfg.string("organization");
    out.chat_path = cfg.string("chat_path", out.chat_path);
    if (out.chat_path.empty() || out.chat_path[0] != '/') cfg.fail("chat_path", "must start with '/'");
    out.embeddings_path = cfg.string("embeddings_path", out.embeddings_path);
    if (out.embeddings_path.empty() || out.embeddings_path[0] != '/') cfg.fail("embeddings_path", "must start with '/'");
    out.headers = cfg.string_map("headers");
    return out;
}

}  // namespace sy_plugins::openai
